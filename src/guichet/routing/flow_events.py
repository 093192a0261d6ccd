"""Flow walking inside the engine (R-Q-5): entry, queue nodes, wait timeout, `*`, menus.

The walker (`guichet.flows.walker`, pure) decides where an input leads; this part moves the
interaction there: into a queue node's queue, onto the timers of waits and menus, out of a
queue when it times out or the caller presses `*`.
"""

from __future__ import annotations

from datetime import datetime

from guichet.domain.routing import InteractionStatus, RefusalCode, WithdrawReason
from guichet.flows import inputs as fi
from guichet.flows.model import Flow
from guichet.flows.walker import StepResult, step

from .capacity import Capacity
from .decisions import Decision, MoveAlongFlow, RefuseEvent, WithdrawOffer
from .dispatch import Dispatch
from .engine_state import EngineState
from .queueing import Queueing
from .state import WAITING_STATUSES, Ix
from .timers import FLOW_WAIT, Timers
from .waiting import Waiting

_IN_FLOW = InteractionStatus.IN_FLOW
_OFFERED = InteractionStatus.OFFERED
_ENDED = InteractionStatus.ENDED

#: Node action kinds named in `MoveAlongFlow.action`.
ACTION_KINDS: dict[type, str] = {
    fi.PlayMessage: "message",
    fi.PromptMenu: "menu",
    fi.Enqueue: "queue",
    fi.TakeVoicemail: "voicemail",
    fi.OfferCallback: "callback",
    fi.AskQuestions: "chatbot",
    fi.HangUp: "hangup",
}


class FlowEvents:
    """Flow steps: the walker decides, the engine queues and times (R-Q-5)."""

    __slots__ = (
        "capacity",
        "dispatch",
        "queueing",
        "state",
        "timers",
        "waiting",
    )

    def __init__(
        self,
        state: EngineState,
        timers: Timers,
        capacity: Capacity,
        waiting: Waiting,
        dispatch: Dispatch,
        queueing: Queueing,
    ) -> None:
        self.state = state
        self.timers = timers
        self.capacity = capacity
        self.waiting = waiting
        self.dispatch = dispatch
        self.queueing = queueing

    def _flow(self, ix: Ix) -> Flow | None:
        flow = self.state.config.flows.get(ix.flow_id) if ix.flow_id is not None else None
        return flow if isinstance(flow, Flow) else None

    def enter(self, ix: Ix, flow_id: str, now: float, out: list[Decision]) -> None:
        """R-Q-5: the interaction enters the flow at its entry node."""
        ix.flow_id = flow_id
        flow = self._flow(ix)
        if flow is None:
            del self.state.ixs[ix.id]
            out.append(RefuseEvent("interaction_arrived", RefusalCode.NO_ROUTE, ix.id))
            return
        ix.status = _IN_FLOW
        self._walk(ix, flow, fi.Arrived(), "arrived", now, out)

    def _walk(
        self, ix: Ix, flow: Flow, inp: fi.Input, edge: str, now: float, out: list[Decision]
    ) -> None:
        result: StepResult = step(
            flow, ix.node, inp, now=datetime.fromtimestamp(now, self.state.config.timezone)
        )
        if result.node_id == ix.node and not result.actions:
            return  # the node does not expect this input: nothing moves
        from_node = ix.node
        ix.node = result.node_id
        ix.flow_token += 1
        last = result.actions[-1] if result.actions else None
        kind = "none" if last is None else ACTION_KINDS.get(type(last), "none")
        out.append(MoveAlongFlow(ix.id, flow.id, from_node, edge, result.node_id or "", kind))
        if result.finished:
            ix.status = _ENDED
            self.queueing.finish(ix)
            return
        if isinstance(last, fi.Enqueue):
            q = self.state.queues.get(last.queue_id)
            if q is None:
                # A validated flow names existing queues; if not, the interaction ends here.
                ix.status = _ENDED
                out.append(RefuseEvent("flow_enqueue", RefusalCode.UNKNOWN_QUEUE, ix.id))
                self.queueing.finish(ix)
                return
            ix.weight = q.cfg.weight if ix.priority is None else ix.priority
            if last.timeout_s > 0:
                self.timers.at(now + last.timeout_s, FLOW_WAIT, ix, ix.flow_token)
            self.queueing.enter_queue(ix, q, now, out, "R-Q-5")
        elif isinstance(last, fi.PromptMenu) and last.timeout_s > 0:
            self.timers.at(now + last.timeout_s, FLOW_WAIT, ix, ix.flow_token)

    def _leave_queue(self, ix: Ix, now: float, out: list[Decision]) -> bool:
        """Take the interaction out of its queue node; False if an agent already has it."""
        if ix.status in WAITING_STATUSES:
            self.waiting.unwait(ix)
        elif ix.status is _OFFERED:
            agents = ix.offer_agents
            ix.offer_agents = ()
            ix.offer_token += 1
            for a in agents:
                self.capacity.release(a, ix, now)
            out.append(WithdrawOffer(ix.id, tuple(a.id for a in agents), WithdrawReason.LEFT_QUEUE))
            for a in agents:
                self.dispatch.freed(a, now, out)
        elif ix.status is not _IN_FLOW:
            return False
        q = ix.queue
        if q is not None and q.track:
            self.state.tracker.record_departure(q.id, ix.id, now)
        ix.status = _IN_FLOW
        ix.callback = False
        ix.personal = None
        return True

    def timeout(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """R-Q-5: the queue node's wait timeout (on timeout edge) or a menu's no-input."""
        flow = self._flow(ix)
        if flow is None:
            return
        if ix.status is _IN_FLOW:
            self._walk(ix, flow, fi.NoInput(), "no_input", now, out)
        elif self._leave_queue(ix, now, out):
            self._walk(ix, flow, fi.QueueTimedOut(), "on_timeout", now, out)

    def key(self, ix: Ix, key: str, now: float, out: list[Decision]) -> None:
        """R-Q-5: `*` leaves a queue node by its exit edge; other keys drive menus."""
        flow = self._flow(ix)
        if flow is None or ix.node is None:
            out.append(RefuseEvent("key_pressed", RefusalCode.WRONG_STATE, ix.id))
            return
        if ix.status is _IN_FLOW:
            self._walk(ix, flow, fi.KeyPressed(key), f"key:{key}", now, out)
        elif key == "*" and self._leave_queue(ix, now, out):
            self._walk(ix, flow, fi.KeyPressed(key), "on_exit", now, out)
        else:
            out.append(RefuseEvent("key_pressed", RefusalCode.WRONG_STATE, ix.id))
