"""Operations shared by the event handlers: queue entry, re-queue, expiry, wrap-up, end."""

from __future__ import annotations

from guichet.domain.routing import (
    SYSTEM_NO_ANSWER_REASON,
    InteractionStatus,
    RequeueReason,
    WithdrawReason,
)

from .config import RoutingConfig
from .core import CALLBACK_CHECK, OFFER, OVERFLOW, STEP, WRAP
from .decisions import (
    AbandonInteraction,
    Decision,
    EndWrapUp,
    Explanation,
    PauseAgent,
    QueueInteraction,
    RequeueInteraction,
    StartWrapUp,
    WithdrawOffer,
)
from .estimates import Estimates
from .returns import ReturnMemory
from .state import AgentRt, Ix, QueueRt
from .wait_tracker import WaitTracker

_WAITING = InteractionStatus.WAITING
_CALLBACK = InteractionStatus.CALLBACK
_ABANDONED = InteractionStatus.ABANDONED
_ENDED = InteractionStatus.ENDED

__all__ = ["CALLBACK_CHECK", "OFFER", "OVERFLOW", "STEP", "WRAP", "Ops"]


class Ops(Estimates):
    """Shared operations; handlers in the *_events modules call these."""

    config: RoutingConfig
    tracker: WaitTracker
    returns: ReturnMemory

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
            g = self.get_group(q, ch, req, False)
            allowed, delay = self.tree.overflow_rule(req) if req else (False, 0.0)
            pool = self.get_group(q, ch, (), True) if allowed else None
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
                self.at(due, OVERFLOW, ix, ix.route_token)
        else:
            ix.overflow = False
            ix.groups = (g,)
        if st is not None and st.expires_after_s is not None and ix.step < len(steps) - 1:
            self.at(ix.step_started + st.expires_after_s, STEP, ix, ix.route_token)

    def enter_queue(
        self,
        ix: Ix,
        q: QueueRt,
        now: float,
        out: list[Decision],
        rule: str,
        order_t: float | None = None,
    ) -> None:
        """The interaction enters a queue: offered at once if an agent is free, else waits."""
        ix.queue = q
        ix.queued_at = now
        ix.order_t = now if order_t is None else order_t
        ix.step = 0
        ix.step_started = now
        ix.personal = None
        ix.status = _WAITING
        self.set_groups(ix, now)
        if q.track:
            self.tracker.record_arrival(q.id, ix.id, now)
        if self.route(ix, now, out, rule):
            return
        self.wait(ix)
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
            self.check_callback(ix, now, out)
            cb = q.cfg.callback
            if cb is not None and not ix.callback_offered:
                self.at(now + cb.threshold_s, CALLBACK_CHECK, ix, ix.route_token)

    def requeue(
        self, ix: Ix, a: AgentRt | None, reason: RequeueReason, now: float, out: list[Decision]
    ) -> None:
        """R-X-10: an unanswered interaction goes back to waiting at its former place."""
        ix.offer_agents = ()
        ix.offer_token += 1
        ix.status = _CALLBACK if ix.callback else _WAITING
        out.append(RequeueInteraction(ix.id, None if a is None else a.id, reason))
        if not self.route(ix, now, out, "R-X-10"):
            self.wait(ix, head=True)

    def withdraw_agent_offers(
        self, a: AgentRt, reason: WithdrawReason, now: float, out: list[Decision]
    ) -> None:
        """Take back the agent's open offers; the interactions go back to waiting."""
        if not a.offers:
            return
        for ix in list(a.offers.values()):
            self.release(a, ix, now)
            rest = tuple(b for b in ix.offer_agents if b is not a)
            ix.offer_agents = rest
            out.append(WithdrawOffer(ix.id, (a.id,), reason))
            if not rest:
                self.requeue(ix, a, RequeueReason.AGENT_LEFT, now, out)

    def expire(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """R-Q-4: the offer timed out; next agent, and `max_no_answer` auto-pause."""
        agents = ix.offer_agents
        q = ix.queue
        limit = 0 if q is None else q.cfg.max_no_answer
        declined = ix.declined
        if declined is None:
            declined = ix.declined = {}
        to_pause: list[AgentRt] = []
        for a in agents:
            self.release(a, ix, now)
            declined[a.idx] = a.epoch
            a.no_answer += 1
            if limit and a.no_answer >= limit:
                to_pause.append(a)
        self.requeue(ix, agents[0] if len(agents) == 1 else None, RequeueReason.EXPIRED, now, out)
        for a in to_pause:
            self.pause(a, SYSTEM_NO_ANSWER_REASON, now, out)
            out.append(PauseAgent(a.id, SYSTEM_NO_ANSWER_REASON, a.no_answer))
        for a in agents:
            if not a.blocked:
                self.freed(a, now, out)

    def pause(
        self, a: AgentRt, reason: str | None, now: float, out: list[Decision], offline: bool = False
    ) -> None:
        """The agent stops taking new work; its open offers go back to waiting."""
        a.presence = "offline" if offline else "paused"
        a.reason = reason
        a.blocked = True
        a.stamp += 1
        self.withdraw_agent_offers(a, WithdrawReason.AGENT_LEFT, now, out)

    def start_wrap(self, a: AgentRt, ix: Ix, until: float, now: float, out: list[Decision]) -> None:
        """R-Q-7: the agent enters wrap-up and takes no new work until it ends."""
        if a.wrap_until is None or until > a.wrap_until:
            a.wrap_until = until
            a.wrap_token += 1
            self.at(until, WRAP, a, a.wrap_token)
        a.wrap_queue = None if ix.queue is None else ix.queue.cfg
        a.blocked = True
        a.stamp += 1
        out.append(StartWrapUp(a.id, ix.id, a.wrap_until))
        self.withdraw_agent_offers(a, WithdrawReason.AGENT_LEFT, now, out)

    def end_wrap(self, a: AgentRt, now: float, out: list[Decision]) -> None:
        """R-Q-7: wrap-up is over; R-X-10 the agent gets waiting work at once."""
        a.wrap_until = None
        a.wrap_token += 1
        a.blocked = a.presence != "available"
        a.stamp += 1
        out.append(EndWrapUp(a.id))
        self.freed(a, now, out)

    def abandon(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """The contact left before an agent took it (R-AN-1), remembered for R-X-9."""
        q = ix.queue
        ix.status = _ABANDONED
        out.append(AbandonInteraction(ix.id, None if q is None else q.id, now - ix.queued_at))
        if q is not None:
            if q.track:
                self.tracker.record_departure(q.id, ix.id, now)
            if q.cfg.return_window_s > 0 and ix.contact_id is not None:
                self.remember_return(ix, q, now)
        self.finish(ix)

    def remember_return(self, ix: Ix, q: QueueRt, now: float) -> None:
        """R-X-9: keep the abandoned place for the contact for the queue's window."""
        self.returns.remember(
            ix.contact_id,
            q.id,
            arrived_at=ix.order_t,
            abandoned_at=now,
            priority=ix.weight,
            interaction_id=ix.id,
        )

    # Implemented by the flow and transfer handlers (flow_events.py, transfers.py).
    def enter_flow(self, ix: Ix, flow_id: str, now: float, out: list[Decision]) -> None:
        """R-Q-5: walk the flow from its entry node."""
        raise NotImplementedError

    def flow_key(self, ix: Ix, key: str, now: float, out: list[Decision]) -> None:
        """R-Q-5: a key pressed while in a flow or queue node."""
        raise NotImplementedError

    def unpause_conversation(self, ix: Ix, a: AgentRt) -> None:
        """R-W-6: a paused conversation gives back its slot and budget."""
        raise NotImplementedError

    def flow_timeout(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """R-Q-5: a queue node's wait timeout or a menu's no-input fired."""
        raise NotImplementedError

    def finish(self, ix: Ix) -> None:
        """Cancel the interaction's timers; forget it unless the engine keeps finished ones."""
        ix.route_token += 1
        ix.flow_token += 1
        if not self.keep_finished:
            self.ixs.pop(ix.id, None)
