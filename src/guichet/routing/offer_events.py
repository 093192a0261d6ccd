"""Handlers of offer answers: accepted, rejected, expired (R-Q-4, R-X-10).

An offer that expires counts against the agent's `max_no_answer`; at the limit the agent is
paused with the system's no-answer reason (R-Q-4). The offer then goes to the next agent.
"""

from __future__ import annotations

from guichet.domain.routing import (
    SYSTEM_NO_ANSWER_REASON,
    InteractionStatus,
    RefusalCode,
    RequeueReason,
    WithdrawReason,
)

from .agent_work import AgentWork
from .availability import Availability
from .capacity import Capacity
from .decisions import Decision, PauseAgent, RefuseEvent, WithdrawOffer
from .dispatch import Dispatch
from .engine_state import EngineState
from .events import OfferAccepted, OfferExpired, OfferRejected
from .queueing import Queueing
from .state import AgentRt, Ix

_OFFERED = InteractionStatus.OFFERED


class OfferEvents:
    """Accept, reject and expiry of offers."""

    __slots__ = (
        "availability",
        "capacity",
        "dispatch",
        "ixs",
        "queueing",
        "work",
    )

    def __init__(
        self,
        state: EngineState,
        capacity: Capacity,
        availability: Availability,
        dispatch: Dispatch,
        queueing: Queueing,
        work: AgentWork,
    ) -> None:
        self.ixs = state.ixs
        self.capacity = capacity
        self.availability = availability
        self.dispatch = dispatch
        self.queueing = queueing
        self.work = work

    def _offered_to(self, iid: str, agent_id: str, name: str, out: list[Decision]) -> Ix | None:
        ix = self.ixs.get(iid)
        if ix is None:
            out.append(RefuseEvent(name, RefusalCode.UNKNOWN_INTERACTION, iid))
            return None
        agents = ix.offer_agents
        if ix.status is not _OFFERED or (
            agents[0].id != agent_id if len(agents) == 1 else all(a.id != agent_id for a in agents)
        ):
            out.append(RefuseEvent(name, RefusalCode.NOT_OFFERED, iid))
            return None
        return ix

    def on_accepted(self, ev: OfferAccepted, now: float, out: list[Decision]) -> None:
        """R-Q-4: the agent takes it; for ring-all the first accept wins, others withdrawn."""
        ix = self._offered_to(ev.interaction_id, ev.agent_id, "offer_accepted", out)
        if ix is None:
            return
        agents = ix.offer_agents
        others: tuple[AgentRt, ...] = ()
        if len(agents) == 1:
            winner = agents[0]
        else:
            winner = next(a for a in agents if a.id == ev.agent_id)
            others = tuple(a for a in agents if a is not winner)
        for a in others:
            self.capacity.release(a, ix, now)
        self.dispatch.assign(ix, winner, ix.expl, now, out)
        if others:
            out.append(
                WithdrawOffer(ix.id, tuple(a.id for a in others), WithdrawReason.ANSWERED_ELSEWHERE)
            )
            for a in others:
                self.dispatch.freed(a, now, out)
        self.availability.relist(winner)

    def on_rejected(self, ev: OfferRejected, now: float, out: list[Decision]) -> None:
        """R-Q-4: the agent declined; the offer goes to the next agent."""
        ix = self._offered_to(ev.interaction_id, ev.agent_id, "offer_rejected", out)
        if ix is None:
            return
        a = next(a for a in ix.offer_agents if a.id == ev.agent_id)
        self.capacity.release(a, ix, now)
        if ix.declined is None:
            ix.declined = {}
        ix.declined[a.idx] = a.epoch
        rest = tuple(b for b in ix.offer_agents if b is not a)
        ix.offer_agents = rest
        if not rest:
            self.queueing.requeue(ix, a, RequeueReason.REJECTED, now, out)
        self.dispatch.freed(a, now, out)

    def on_expired(self, ev: OfferExpired, now: float, out: list[Decision]) -> None:
        """R-Q-4: an expiry reported from outside (the engine's own timer does the same)."""
        ix = self._offered_to(ev.interaction_id, ev.agent_id, "offer_expired", out)
        if ix is not None:
            self.expire(ix, now, out)

    def expire(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """R-Q-4: the offer timed out; next agent, and `max_no_answer` auto-pause."""
        agents = ix.offer_agents
        q = ix.queue
        limit = 0 if q is None else q.cfg.max_no_answer
        declined = ix.declined
        if declined is None:
            declined = ix.declined = {}
        to_pause: list[AgentRt] = []
        release = self.capacity.release
        for a in agents:
            release(a, ix, now)
            declined[a.idx] = a.epoch
            a.no_answer += 1
            if limit and a.no_answer >= limit:
                to_pause.append(a)
        self.queueing.requeue(
            ix, agents[0] if len(agents) == 1 else None, RequeueReason.EXPIRED, now, out
        )
        for a in to_pause:
            self.work.pause(a, SYSTEM_NO_ANSWER_REASON, now, out)
            out.append(PauseAgent(a.id, SYSTEM_NO_ANSWER_REASON, a.no_answer))
        for a in agents:
            if not a.blocked:
                self.dispatch.freed(a, now, out)
