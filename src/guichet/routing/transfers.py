"""Transfers and personal queues (R-W-5); asynchronous conversation pause/resume (R-W-6)."""

from __future__ import annotations

from guichet.domain.routing import InteractionStatus, RefusalCode, RequeueReason

from .decisions import Decision, Explanation, QueueInteraction, RefuseEvent, RequeueInteraction
from .events import ConversationPaused, ConversationResumed, InteractionTransferred
from .ops import Ops
from .state import ASYNC_CHANNELS, AgentRt, Ix

_ASSIGNED = InteractionStatus.ASSIGNED
_PAUSED = InteractionStatus.PAUSED
_WAITING = InteractionStatus.WAITING


class Transfers(Ops):
    """Transfer and asynchronous-conversation handlers."""

    def _assigned(self, iid: str, name: str, out: list[Decision]) -> Ix | None:
        ix = self.ixs.get(iid)
        if ix is None:
            out.append(RefuseEvent(name, RefusalCode.UNKNOWN_INTERACTION, iid))
            return None
        if ix.status is not _ASSIGNED:
            out.append(RefuseEvent(name, RefusalCode.WRONG_STATE, iid))
            return None
        return ix

    def on_transferred(self, ev: InteractionTransferred, now: float, out: list[Decision]) -> None:
        """R-W-5: to an agent's personal queue (by the target's state), a queue or a skill."""
        ix = self._assigned(ev.interaction_id, "interaction_transferred", out)
        if ix is None:
            return
        src = ix.agent
        assert src is not None
        if ev.to_agent_id is not None:
            t = self.agents.get(ev.to_agent_id)
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
            self.wait(ix)
            self.freed(t, now, out)
        elif ev.to_queue_id is not None or ev.to_skill is not None:
            qid = ev.to_queue_id
            if qid is None and ix.queue is not None:
                qid = ix.queue.id
            q = None if qid is None else self.queues.get(qid)
            if q is None or ix.channel not in q.cfg.channels:
                code = RefusalCode.UNKNOWN_QUEUE if q is None else RefusalCode.CHANNEL_NOT_ACCEPTED
                out.append(RefuseEvent("interaction_transferred", code, ix.id))
                return
            self._leave_agent(ix, src, now)
            ix.skill = ev.to_skill
            ix.steps = ()
            ix.weight = q.cfg.weight
            self.enter_queue(ix, q, now, out, "R-W-5")
        else:
            out.append(RefuseEvent("interaction_transferred", RefusalCode.NO_ROUTE, ix.id))
            return
        self.freed(src, now, out)

    def _leave_agent(self, ix: Ix, a: AgentRt, now: float) -> None:
        self.release(a, ix, now)
        ix.agent = None
        ix.declined = None
        ix.callback = False

    def on_conv_paused(self, ev: ConversationPaused, now: float, out: list[Decision]) -> None:
        """R-W-6: pausing frees capacity; the queue's conversation slots bound it."""
        ix = self._assigned(ev.interaction_id, "conversation_paused", out)
        if ix is None:
            return
        if ix.channel not in ASYNC_CHANNELS:
            out.append(RefuseEvent("conversation_paused", RefusalCode.WRONG_STATE, ix.id))
            return
        q = ix.queue
        slots = None if q is None else q.cfg.async_slots
        if q is not None and slots is not None and q.paused >= slots:
            out.append(RefuseEvent("conversation_paused", RefusalCode.SLOTS_FULL, ix.id))
            return
        a = ix.agent
        assert a is not None
        self.release(a, ix, now)
        a.used += self.paused_cost
        a.paused_convs[ix.id] = ix
        ix.status = _PAUSED
        if q is not None:
            q.paused += 1
        self.freed(a, now, out)

    def unpause_conversation(self, ix: Ix, a: AgentRt) -> None:
        """R-W-6: the paused conversation gives back its slot and paused budget."""
        a.used -= self.paused_cost
        del a.paused_convs[ix.id]
        a.stamp += 1
        q = ix.queue
        if q is not None:
            q.paused -= 1

    def on_conv_resumed(self, ev: ConversationResumed, now: float, out: list[Decision]) -> None:
        """R-W-6: the contact wrote again: back to its agent's personal queue, else the queue."""
        ix = self.ixs.get(ev.interaction_id)
        if ix is None or ix.status is not _PAUSED:
            code = RefusalCode.UNKNOWN_INTERACTION if ix is None else RefusalCode.WRONG_STATE
            out.append(RefuseEvent("conversation_resumed", code, ev.interaction_id))
            return
        a = ix.agent
        assert a is not None
        self.unpause_conversation(ix, a)
        ix.agent = None
        out.append(RequeueInteraction(ix.id, a.id, RequeueReason.RESUMED))
        if a.presence != "offline" and not a.removed:
            ix.personal = a
            ix.status = _WAITING
            self.wait(ix, head=True)
        else:
            q = ix.queue
            assert q is not None
            self.enter_queue(ix, q, now, out, "R-W-6", ix.order_t)
        self.freed(a, now, out)
