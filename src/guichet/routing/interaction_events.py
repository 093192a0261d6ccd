"""Handlers of interaction events: arrival, accept, reject, expiry, end, keys (R-Q-4, R-Q-6)."""

from __future__ import annotations

from datetime import datetime

from guichet.domain.routing import InteractionStatus, RefusalCode, RequeueReason, WithdrawReason

from .decisions import Decision, KeepCallback, RefuseEvent, WithdrawOffer
from .events import (
    InteractionArrived,
    InteractionEnded,
    KeyPressed,
    OfferAccepted,
    OfferExpired,
    OfferRejected,
)
from .ops import Ops
from .state import AgentRt, Ix
from .targeting import evaluate_rules

_WAITING = InteractionStatus.WAITING
_CALLBACK = InteractionStatus.CALLBACK
_OFFERED = InteractionStatus.OFFERED
_ASSIGNED = InteractionStatus.ASSIGNED
_PAUSED = InteractionStatus.PAUSED
_IN_FLOW = InteractionStatus.IN_FLOW
_ENDED = InteractionStatus.ENDED


class InteractionEvents(Ops):
    """Interaction event handlers; see docs/routing.md for each event's effect."""

    def on_arrived(self, ev: InteractionArrived, now: float, out: list[Decision]) -> None:
        """A new interaction: flow (R-Q-5), targeting (R-TR-1) or direct queue, then route."""
        iid = ev.interaction_id
        if iid in self.ixs:
            out.append(RefuseEvent("interaction_arrived", RefusalCode.DUPLICATE, iid))
            return
        self.seq += 1
        ix = Ix(iid, ev.channel, self.seq, now)
        ix.contact_id = ev.contact_id
        ix.caller_id = ev.caller_id
        if ev.flow_id is not None:
            ix.steps = ev.steps
            ix.skill = ev.skill
            ix.priority = ev.priority
            self.ixs[iid] = ix
            self.enter_flow(ix, ev.flow_id, now, out)
            return
        queue_id, skill, priority, rule = ev.queue_id, ev.skill, ev.priority, "R-Q-4"
        if queue_id is None:
            result = evaluate_rules(
                self.config.targeting_rules,
                self.config.targeting_default,
                ev.context,
                channel=ev.channel,
                now_local=datetime.fromtimestamp(now, self.config.timezone),
            )
            action = result.action
            if action is None or action.queue_id is None:
                out.append(RefuseEvent("interaction_arrived", RefusalCode.NO_ROUTE, iid))
                return
            queue_id, rule = action.queue_id, "R-TR-1"
            skill = skill if action.skill_id is None else action.skill_id
            priority = priority if action.priority is None else action.priority
            ix.targeting_rule = result.rule_id
        q = self.queues.get(queue_id)
        if q is None:
            out.append(RefuseEvent("interaction_arrived", RefusalCode.UNKNOWN_QUEUE, iid))
            return
        if ev.channel not in q.cfg.channels:
            # R-Q-2: a queue takes only the channel types it accepts.
            out.append(RefuseEvent("interaction_arrived", RefusalCode.CHANNEL_NOT_ACCEPTED, iid))
            return
        ix.steps = ev.steps
        ix.skill = skill
        order_t = None
        if q.cfg.return_window_s > 0 and ev.contact_id is not None:
            ticket = self.returns.claim(ev.contact_id, q.id, now)
            if ticket is not None:
                order_t, rule = ticket.arrived_at, "R-X-9"
                if priority is None:
                    priority = ticket.priority
        ix.weight = q.cfg.weight if priority is None else priority
        self.ixs[iid] = ix
        self.enter_queue(ix, q, now, out, rule, order_t)

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
            self.release(a, ix, now)
        self.assign(ix, winner, ix.expl, now, out)
        if others:
            out.append(
                WithdrawOffer(ix.id, tuple(a.id for a in others), WithdrawReason.ANSWERED_ELSEWHERE)
            )
            for a in others:
                self.freed(a, now, out)
        self.relist(winner)

    def on_rejected(self, ev: OfferRejected, now: float, out: list[Decision]) -> None:
        """R-Q-4: the agent declined; the offer goes to the next agent."""
        ix = self._offered_to(ev.interaction_id, ev.agent_id, "offer_rejected", out)
        if ix is None:
            return
        a = next(a for a in ix.offer_agents if a.id == ev.agent_id)
        self.release(a, ix, now)
        if ix.declined is None:
            ix.declined = {}
        ix.declined[a.idx] = a.epoch
        rest = tuple(b for b in ix.offer_agents if b is not a)
        ix.offer_agents = rest
        if not rest:
            self.requeue(ix, a, RequeueReason.REJECTED, now, out)
        self.freed(a, now, out)

    def on_expired(self, ev: OfferExpired, now: float, out: list[Decision]) -> None:
        """R-Q-4: an expiry reported from outside (the engine's own timer does the same)."""
        ix = self._offered_to(ev.interaction_id, ev.agent_id, "offer_expired", out)
        if ix is not None:
            self.expire(ix, now, out)

    def on_ended(self, ev: InteractionEnded, now: float, out: list[Decision]) -> None:
        """End of the interaction: abandon if unanswered, else wrap-up (R-Q-7) or free."""
        iid = ev.interaction_id
        ix = self.ixs.get(iid)
        if ix is None:
            out.append(RefuseEvent("interaction_ended", RefusalCode.UNKNOWN_INTERACTION, iid))
            return
        st = ix.status
        if st is _WAITING or st is _IN_FLOW:
            if st is _WAITING:
                self.unwait(ix)
            self.abandon(ix, now, out)
        elif st is _CALLBACK:
            # The caller's leg ended; an accepted callback keeps its place (R-Q-6).
            return
        elif st is _OFFERED:
            agents = ix.offer_agents
            ix.offer_agents = ()
            ix.offer_token += 1
            for a in agents:
                self.release(a, ix, now)
            out.append(WithdrawOffer(ix.id, tuple(a.id for a in agents), WithdrawReason.ABANDONED))
            self.abandon(ix, now, out)
            for a in agents:
                self.freed(a, now, out)
        elif st is _ASSIGNED or st is _PAUSED:
            agent = ix.agent
            assert agent is not None
            q = ix.queue
            if st is _ASSIGNED:
                self.release(agent, ix, now)
                if q is not None:
                    q.handle_s += now - ix.taken_at
                    q.handle_n += 1
            else:
                self.unpause_conversation(ix, agent)
            ix.status = _ENDED
            wrap = 0.0 if q is None else q.cfg.wrap_up_s
            self.finish(ix)
            if wrap > 0 and st is _ASSIGNED:
                self.start_wrap(agent, ix, now + wrap, now, out)
            else:
                self.freed(agent, now, out)
        else:
            out.append(RefuseEvent("interaction_ended", RefusalCode.WRONG_STATE, iid))

    def on_key(self, ev: KeyPressed, now: float, out: list[Decision]) -> None:
        """`#` accepts an offered callback at any time (R-Q-6); `*` leaves a queue (R-Q-5)."""
        ix = self.ixs.get(ev.interaction_id)
        if ix is None:
            out.append(
                RefuseEvent("key_pressed", RefusalCode.UNKNOWN_INTERACTION, ev.interaction_id)
            )
            return
        if ev.key == "#" and ix.callback_offered and not ix.callback:
            if ix.status is _WAITING:
                ix.status = _CALLBACK
            elif ix.status is not _OFFERED:
                out.append(RefuseEvent("key_pressed", RefusalCode.WRONG_STATE, ix.id))
                return
            # While ringing an agent the offer goes on; if it goes unanswered, the
            # interaction waits as a callback.
            ix.callback = True
            q = ix.queue
            assert q is not None
            out.append(KeepCallback(ix.id, q.id))
            return
        self.flow_key(ix, ev.key, now, out)
