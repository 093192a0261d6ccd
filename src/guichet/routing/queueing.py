"""Queueing: an interaction's place in a queue, from entry to leaving it (R-Q-4, R-X-7, R-X-10).

Entering a queue (offered at once if someone is free, else waiting, R-X-10), the routing groups
of the current step (R-X-7) with the overflow pool (R-SK-4), going back to waiting at the former
place when an offer goes unanswered, abandoning (R-AN-1) with the place kept for a returning
contact (R-X-9), and forgetting a finished interaction.
"""

from __future__ import annotations

from guichet.domain.routing import InteractionStatus, RequeueReason, WithdrawReason

from .availability import Availability
from .callback_offers import CallbackOffers
from .capacity import Capacity
from .decisions import (
    AbandonInteraction,
    Decision,
    Explanation,
    QueueInteraction,
    RequeueInteraction,
    WithdrawOffer,
)
from .dispatch import Dispatch
from .engine_state import EngineState
from .state import AgentRt, Ix, QueueRt
from .timers import CALLBACK_CHECK, OVERFLOW, STEP, Timers
from .waiting import Waiting

_WAITING = InteractionStatus.WAITING
_CALLBACK = InteractionStatus.CALLBACK
_ABANDONED = InteractionStatus.ABANDONED


class Queueing:
    """Queue entry, groups per step, re-queue, withdrawal, abandon, finish."""

    __slots__ = (
        "availability",
        "callbacks",
        "capacity",
        "dispatch",
        "keep_finished",
        "state",
        "timers",
        "waiting",
    )

    def __init__(
        self,
        state: EngineState,
        timers: Timers,
        capacity: Capacity,
        availability: Availability,
        waiting: Waiting,
        dispatch: Dispatch,
        callbacks: CallbackOffers,
        *,
        keep_finished: bool,
    ) -> None:
        self.state = state
        #: Whether finished interactions stay in `state.ixs` (tests, views) or are forgotten.
        self.keep_finished = keep_finished
        self.timers = timers
        self.capacity = capacity
        self.availability = availability
        self.waiting = waiting
        self.dispatch = dispatch
        self.callbacks = callbacks

    def set_groups(self, ix: Ix, now: float) -> None:
        """Requirement and groups for the current step (R-X-7), with overflow (R-SK-4)."""
        q = ix.queue
        assert q is not None
        ch = ix.channel
        steps = ix.steps
        st = None
        if steps:
            st = steps[ix.step]
            req = tuple(sorted(st.skills))
            ix.skill = req[0][0] if req else None
            plan = None
        else:
            plan = q.plans.get((ch, ix.skill))
            req = () if ix.skill is None else ((ix.skill, 1),)
        if plan is None:
            group = self.availability.group
            g = group(q, ch, req, False)
            allowed, delay = self.state.tree.overflow_rule(req) if req else (False, 0.0)
            pool = group(q, ch, (), True) if allowed else None
            plan = (g, pool, delay)
            if not steps:
                q.plans[(ch, ix.skill)] = plan
        g, pool, delay = plan
        ix.req = req
        ix.route_token += 1
        if pool is not None:
            due = ix.queued_at + delay
            if due <= now:
                ix.overflow = True
                ix.groups = (g, pool)
            else:
                ix.overflow = False
                ix.groups = (g,)
                self.timers.at(due, OVERFLOW, ix, ix.route_token)
        else:
            ix.overflow = False
            ix.groups = (g,)
        if st is not None and st.expires_after_s is not None and ix.step < len(steps) - 1:
            self.timers.at(ix.step_started + st.expires_after_s, STEP, ix, ix.route_token)

    def enter_queue(
        self,
        ix: Ix,
        q: QueueRt,
        now: float,
        out: list[Decision],
        rule: str,
        order_t: float | None = None,
    ) -> None:
        """The interaction enters a queue: offered at once if an agent is free, else waits.

        Without a skill of its own (nor steps) it needs the queue's default skill, if any.
        """
        if ix.skill_from_queue:
            ix.skill = None  # the previous queue's default does not follow it
            ix.skill_from_queue = False
        default = q.cfg.skill
        if default is not None and ix.skill is None and not ix.steps:
            ix.skill = default
            ix.skill_from_queue = True
        ix.queue = q
        ix.queued_at = now
        ix.order_t = now if order_t is None else order_t
        ix.step = 0
        ix.step_started = now
        ix.personal = None
        ix.status = _WAITING
        self.set_groups(ix, now)
        if q.track:
            self.state.tracker.record_arrival(q.id, ix.id, now)
        if self.dispatch.route(ix, now, out, rule):
            return
        self.waiting.wait(ix)
        out.append(
            QueueInteraction(
                ix.id,
                q.id,
                ix.skill,
                None,
                order_t is not None,
                Explanation(
                    rule, q.id, 0, ix.skill, ix.overflow, q.cfg.strategy, (), ix.targeting_rule
                ),
            )
        )
        if q.track:
            self.callbacks.check(ix, now, out)
            cb = q.cfg.callback
            if cb is not None and not ix.callback_offered:
                self.timers.at(now + cb.threshold_s, CALLBACK_CHECK, ix, ix.route_token)

    def requeue(
        self, ix: Ix, a: AgentRt | None, reason: RequeueReason, now: float, out: list[Decision]
    ) -> None:
        """R-X-10: an unanswered interaction goes back to waiting at its former place."""
        ix.offer_agents = ()
        ix.offer_token += 1
        ix.status = _CALLBACK if ix.callback else _WAITING
        out.append(RequeueInteraction(ix.id, None if a is None else a.id, reason))
        if not self.dispatch.route(ix, now, out, "R-X-10"):
            self.waiting.wait(ix, head=True)

    def withdraw_agent_offers(
        self, a: AgentRt, reason: WithdrawReason, now: float, out: list[Decision]
    ) -> None:
        """Take back the agent's open offers; the interactions go back to waiting."""
        if not a.offers:
            return
        for ix in list(a.offers.values()):
            self.capacity.release(a, ix, now)
            rest = tuple(b for b in ix.offer_agents if b is not a)
            ix.offer_agents = rest
            out.append(WithdrawOffer(ix.id, (a.id,), reason))
            if not rest:
                self.requeue(ix, a, RequeueReason.AGENT_LEFT, now, out)

    def abandon(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """The contact left before an agent took it (R-AN-1), remembered for R-X-9."""
        q = ix.queue
        ix.status = _ABANDONED
        out.append(AbandonInteraction(ix.id, None if q is None else q.id, now - ix.queued_at))
        if q is not None:
            if q.track:
                self.state.tracker.record_departure(q.id, ix.id, now)
            if q.cfg.return_window_s > 0 and ix.contact_id is not None:
                self.remember_return(ix, q, now)
        self.finish(ix)

    def remember_return(self, ix: Ix, q: QueueRt, now: float) -> None:
        """R-X-9: keep the abandoned place for the contact for the queue's window."""
        self.state.returns.remember(
            ix.contact_id,
            q.id,
            arrived_at=ix.order_t,
            abandoned_at=now,
            priority=ix.weight,
            interaction_id=ix.id,
        )

    def finish(self, ix: Ix) -> None:
        """Cancel the interaction's timers; forget it unless the engine keeps finished ones."""
        ix.route_token += 1
        ix.flow_token += 1
        if not self.keep_finished:
            self.state.ixs.pop(ix.id, None)
