"""Transfers (R-W-5): to an agent's personal queue (by the target's state), a queue or a skill."""

from __future__ import annotations

from guichet.domain.routing import InteractionStatus, RefusalCode

from .capacity import Capacity
from .decisions import Decision, Explanation, QueueInteraction, RefuseEvent
from .dispatch import Dispatch
from .engine_state import EngineState
from .events import InteractionTransferred
from .queueing import Queueing
from .state import AgentRt, Ix
from .waiting import Waiting

_ASSIGNED = InteractionStatus.ASSIGNED
_WAITING = InteractionStatus.WAITING


def assigned(ixs: dict[str, Ix], iid: str, name: str, out: list[Decision]) -> Ix | None:
    """The interaction if an agent holds it now, else None with the refusal in `out`."""
    ix = ixs.get(iid)
    if ix is None:
        out.append(RefuseEvent(name, RefusalCode.UNKNOWN_INTERACTION, iid))
        return None
    if ix.status is not _ASSIGNED:
        out.append(RefuseEvent(name, RefusalCode.WRONG_STATE, iid))
        return None
    return ix


class Transfers:
    """The transfer handler."""

    __slots__ = (
        "capacity",
        "dispatch",
        "queueing",
        "state",
        "waiting",
    )

    def __init__(
        self,
        state: EngineState,
        capacity: Capacity,
        waiting: Waiting,
        dispatch: Dispatch,
        queueing: Queueing,
    ) -> None:
        self.state = state
        self.capacity = capacity
        self.waiting = waiting
        self.dispatch = dispatch
        self.queueing = queueing

    def on_transferred(self, ev: InteractionTransferred, now: float, out: list[Decision]) -> None:
        """R-W-5: to an agent's personal queue (by the target's state), a queue or a skill."""
        state = self.state
        ix = assigned(state.ixs, ev.interaction_id, "interaction_transferred", out)
        if ix is None:
            return
        src = ix.agent
        assert src is not None
        if ev.to_agent_id is not None:
            t = state.agents.get(ev.to_agent_id)
            if t is None or t.removed or t is src:
                out.append(RefuseEvent("interaction_transferred", RefusalCode.UNKNOWN_AGENT, ix.id))
                return
            if t.assigned or t.wrap_until is not None:
                # On an interaction or in wrap-up: no transfer at all.
                out.append(RefuseEvent("interaction_transferred", RefusalCode.TARGET_BUSY, ix.id))
                return
            if ev.consulted and t.presence != "available":
                # Warm transfer needs the target available to keep the contact.
                out.append(RefuseEvent("interaction_transferred", RefusalCode.WRONG_STATE, ix.id))
                return
            self._leave_agent(ix, src, now)
            ix.personal = t
            ix.status = _WAITING
            ix.order_t = ix.queued_at = now
            q = ix.queue
            out.append(
                QueueInteraction(
                    ix.id,
                    None if q is None else q.id,
                    ix.skill,
                    t.id,
                    False,
                    Explanation("R-W-5", None if q is None else q.id, ix.step, ix.skill),
                )
            )
            # FIFO: the target receives what was already in its personal queue first.
            self.waiting.wait(ix)
            self.dispatch.freed(t, now, out)
        elif ev.to_queue_id is not None or ev.to_skill is not None:
            qid = ev.to_queue_id
            if qid is None and ix.queue is not None:
                qid = ix.queue.id
            q = None if qid is None else state.queues.get(qid)
            if q is None or ix.channel not in q.cfg.channels:
                code = RefusalCode.UNKNOWN_QUEUE if q is None else RefusalCode.CHANNEL_NOT_ACCEPTED
                out.append(RefuseEvent("interaction_transferred", code, ix.id))
                return
            self._leave_agent(ix, src, now)
            ix.skill = ev.to_skill
            ix.skill_from_queue = False
            ix.steps = ()
            ix.weight = q.cfg.weight
            self.queueing.enter_queue(ix, q, now, out, "R-W-5")
        else:
            out.append(RefuseEvent("interaction_transferred", RefusalCode.NO_ROUTE, ix.id))
            return
        self.dispatch.freed(src, now, out)

    def _leave_agent(self, ix: Ix, a: AgentRt, now: float) -> None:
        self.capacity.release(a, ix, now)
        ix.agent = None
        ix.declined = None
        ix.callback = False
