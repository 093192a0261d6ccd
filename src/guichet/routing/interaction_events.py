"""Handlers of interaction events: arrival, end, keys (R-Q-4, R-Q-6, R-Q-7, R-TR-1, R-X-9)."""

from __future__ import annotations

from datetime import datetime

from guichet.domain.routing import InteractionStatus, RefusalCode, WithdrawReason

from .agent_work import AgentWork
from .capacity import Capacity
from .conversations import Conversations
from .decisions import Decision, KeepCallback, RefuseEvent, WithdrawOffer
from .dispatch import Dispatch
from .engine_state import EngineState
from .events import InteractionArrived, InteractionEnded, KeyPressed
from .flow_events import FlowEvents
from .queueing import Queueing
from .state import Ix
from .targeting import evaluate_rules
from .waiting import Waiting

_WAITING = InteractionStatus.WAITING
_CALLBACK = InteractionStatus.CALLBACK
_OFFERED = InteractionStatus.OFFERED
_ASSIGNED = InteractionStatus.ASSIGNED
_PAUSED = InteractionStatus.PAUSED
_IN_FLOW = InteractionStatus.IN_FLOW
_ENDED = InteractionStatus.ENDED


class InteractionEvents:
    """Interaction event handlers; see docs/routing.md for each event's effect."""

    __slots__ = (
        "capacity",
        "conversations",
        "dispatch",
        "flows",
        "queueing",
        "seq",
        "state",
        "waiting",
        "work",
    )

    def __init__(
        self,
        state: EngineState,
        capacity: Capacity,
        waiting: Waiting,
        dispatch: Dispatch,
        queueing: Queueing,
        work: AgentWork,
        flows: FlowEvents,
        conversations: Conversations,
    ) -> None:
        self.state = state
        #: Arrival order: the tie-break of equal waiting places (R-Q-8).
        self.seq = 0
        self.capacity = capacity
        self.waiting = waiting
        self.dispatch = dispatch
        self.queueing = queueing
        self.work = work
        self.flows = flows
        self.conversations = conversations

    def on_arrived(self, ev: InteractionArrived, now: float, out: list[Decision]) -> None:
        """A new interaction: flow (R-Q-5), targeting (R-TR-1) or direct queue, then route."""
        state = self.state
        ixs = state.ixs
        iid = ev.interaction_id
        if iid in ixs:
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
            ixs[iid] = ix
            self.flows.enter(ix, ev.flow_id, now, out)
            return
        queue_id, skill, priority, rule = ev.queue_id, ev.skill, ev.priority, "R-Q-4"
        if queue_id is None:
            config = state.config
            result = evaluate_rules(
                config.targeting_rules,
                config.targeting_default,
                ev.context,
                channel=ev.channel,
                now_local=datetime.fromtimestamp(now, config.timezone),
            )
            action = result.action
            if action is None or action.queue_id is None:
                out.append(RefuseEvent("interaction_arrived", RefusalCode.NO_ROUTE, iid))
                return
            queue_id, rule = action.queue_id, "R-TR-1"
            skill = skill if action.skill_id is None else action.skill_id
            priority = priority if action.priority is None else action.priority
            ix.targeting_rule = result.rule_id
        q = state.queues.get(queue_id)
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
            ticket = state.returns.claim(ev.contact_id, q.id, now)
            if ticket is not None:
                order_t, rule = ticket.arrived_at, "R-X-9"
                if priority is None:
                    priority = ticket.priority
        ix.weight = q.cfg.weight if priority is None else priority
        ixs[iid] = ix
        self.queueing.enter_queue(ix, q, now, out, rule, order_t)

    def on_ended(self, ev: InteractionEnded, now: float, out: list[Decision]) -> None:
        """End of the interaction: abandon if unanswered, else wrap-up (R-Q-7) or free."""
        iid = ev.interaction_id
        ix = self.state.ixs.get(iid)
        if ix is None:
            out.append(RefuseEvent("interaction_ended", RefusalCode.UNKNOWN_INTERACTION, iid))
            return
        st = ix.status
        if st is _WAITING or st is _IN_FLOW:
            if st is _WAITING:
                self.waiting.unwait(ix)
            self.queueing.abandon(ix, now, out)
        elif st is _CALLBACK:
            # The caller's leg ended; an accepted callback keeps its place (R-Q-6).
            return
        elif st is _OFFERED:
            agents = ix.offer_agents
            ix.offer_agents = ()
            ix.offer_token += 1
            for a in agents:
                self.capacity.release(a, ix, now)
            out.append(WithdrawOffer(ix.id, tuple(a.id for a in agents), WithdrawReason.ABANDONED))
            self.queueing.abandon(ix, now, out)
            for a in agents:
                self.dispatch.freed(a, now, out)
        elif st is _ASSIGNED or st is _PAUSED:
            agent = ix.agent
            assert agent is not None
            q = ix.queue
            if st is _ASSIGNED:
                self.capacity.release(agent, ix, now)
                if q is not None:
                    q.handle_s += now - ix.taken_at
                    q.handle_n += 1
            else:
                self.conversations.unpause(ix, agent)
            ix.status = _ENDED
            wrap = 0.0 if q is None else q.cfg.wrap_up_s
            self.queueing.finish(ix)
            if wrap > 0 and st is _ASSIGNED:
                self.work.start_wrap(agent, ix, now + wrap, now, out)
            else:
                self.dispatch.freed(agent, now, out)
        else:
            out.append(RefuseEvent("interaction_ended", RefusalCode.WRONG_STATE, iid))

    def on_key(self, ev: KeyPressed, now: float, out: list[Decision]) -> None:
        """`#` accepts an offered callback at any time (R-Q-6); `*` leaves a queue (R-Q-5)."""
        ix = self.state.ixs.get(ev.interaction_id)
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
        self.flows.key(ix, ev.key, now, out)
