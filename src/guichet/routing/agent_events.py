"""Handlers of agent events: presence, capacity, queue membership, wrap-up (R-W-1, R-Q-7)."""

from __future__ import annotations

from guichet.domain.enums import AgentState
from guichet.domain.routing import RefusalCode

from .agent_work import AgentWork
from .availability import Availability
from .config import DEFAULT_CAPACITY
from .decisions import Decision, RefuseEvent
from .dispatch import Dispatch
from .engine_state import EngineState
from .events import AgentCapacityChanged, AgentQueuesChanged, AgentStateChanged, WrapUpEnded
from .skills import qualifies
from .state import AgentRt


class AgentEvents:
    """Agent event handlers; see docs/routing.md."""

    __slots__ = (
        "availability",
        "dispatch",
        "state",
        "work",
    )

    def __init__(
        self,
        state: EngineState,
        availability: Availability,
        dispatch: Dispatch,
        work: AgentWork,
    ) -> None:
        self.state = state
        self.availability = availability
        self.dispatch = dispatch
        self.work = work

    def _agent(self, agent_id: str, name: str, out: list[Decision]) -> AgentRt | None:
        a = self.state.agents.get(agent_id)
        if a is None or a.removed:
            out.append(RefuseEvent(name, RefusalCode.UNKNOWN_AGENT, agent_id))
            return None
        return a

    def on_state(self, ev: AgentStateChanged, now: float, out: list[Decision]) -> None:
        """R-W-1: available (R-X-10: gets waiting work at once), paused or offline."""
        a = self._agent(ev.agent_id, "agent_state_changed", out)
        if a is None:
            return
        if ev.state is AgentState.AVAILABLE:
            if a.presence != "available":
                a.epoch += 1
                if not a.offers and not a.assigned:
                    a.idle_since = now
            a.presence = "available"
            a.reason = None
            a.no_answer = 0
            a.blocked = a.wrap_until is not None
            a.stamp += 1
            self.dispatch.freed(a, now, out)
        elif ev.state is AgentState.PAUSED or ev.state is AgentState.OFFLINE:
            self.work.pause(a, ev.reason, now, out, offline=ev.state is AgentState.OFFLINE)
        else:
            # Busy and wrap-up follow from interactions; they cannot be set directly.
            out.append(RefuseEvent("agent_state_changed", RefusalCode.WRONG_STATE, a.id))

    def on_capacity(self, ev: AgentCapacityChanged, now: float, out: list[Decision]) -> None:
        """R-W-1, R-X-8: new per-channel capacity or budget; applies at once."""
        a = self._agent(ev.agent_id, "agent_capacity_changed", out)
        if a is None:
            return
        cap = dict(DEFAULT_CAPACITY)
        cap.update(ev.capacity)
        a.capacity = cap
        a.budget = ev.budget
        a.stamp += 1
        self.dispatch.freed(a, now, out)

    def on_queues(self, ev: AgentQueuesChanged, now: float, out: list[Decision]) -> None:
        """R-Q-12: the agent logged in to or out of queues; groups follow at once."""
        a = self._agent(ev.agent_id, "agent_queues_changed", out)
        if a is None:
            return
        queues = self.state.queues
        old = set(a.queues)
        new = set(ev.queues)
        for qid in old - new:
            q = queues.get(qid)
            if q is not None:
                q.members = [m for m in q.members if m is not a]
        kept = []
        for g in a.groups:
            if g.queue.id in new:
                kept.append(g)
            else:
                g.members.discard(a.idx)
        a.groups = kept
        a.queues = ev.queues
        a.stamp += 1
        for qid in ev.queues:
            if qid in old:
                continue
            q = queues.get(qid)
            if q is None:
                continue
            q.members.append(a)
            q.rank.setdefault(a.idx, len(q.cfg.agent_order) + a.idx)
            for g in q.groups.values():
                if a.receiver if g.overflow else qualifies(a.eff, g.req):
                    self.availability.join(g, a)
        self.dispatch.freed(a, now, out)

    def on_wrap_ended(self, ev: WrapUpEnded, now: float, out: list[Decision]) -> None:
        """R-Q-7: the agent (when the queue allows it) or a supervisor ends wrap-up."""
        a = self._agent(ev.agent_id, "wrap_up_ended", out)
        if a is None:
            return
        if a.wrap_until is None:
            out.append(RefuseEvent("wrap_up_ended", RefusalCode.WRONG_STATE, a.id))
            return
        q = a.wrap_queue
        if not ev.by_supervisor and q is not None and not q.agents_may_end_wrap_up:
            out.append(RefuseEvent("wrap_up_ended", RefusalCode.WRAP_UP_END_NOT_ALLOWED, a.id))
            return
        self.work.end_wrap(a, now, out)
