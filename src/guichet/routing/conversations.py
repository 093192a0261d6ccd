"""Asynchronous conversations paused and resumed (R-W-6, R-X-8).

Pausing a messaging conversation gives its slot back (the agent may take other work) at the
configuration's `paused_cost` of budget, within the queue's conversation slots; when the
contact writes again it goes back to its agent's personal queue, else to its queue.
"""

from __future__ import annotations

from guichet.domain.routing import InteractionStatus, RefusalCode, RequeueReason

from .capacity import Capacity
from .decisions import Decision, RefuseEvent, RequeueInteraction
from .dispatch import Dispatch
from .engine_state import EngineState
from .events import ConversationPaused, ConversationResumed
from .queueing import Queueing
from .state import ASYNC_CHANNELS, AgentRt, Ix
from .transfers import assigned
from .waiting import Waiting

_PAUSED = InteractionStatus.PAUSED
_WAITING = InteractionStatus.WAITING


class Conversations:
    """Pause and resume handlers, and giving back a paused conversation's cost."""

    __slots__ = (
        "capacity",
        "dispatch",
        "ixs",
        "queueing",
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
        self.ixs = state.ixs
        self.capacity = capacity
        self.waiting = waiting
        self.dispatch = dispatch
        self.queueing = queueing

    def on_paused(self, ev: ConversationPaused, now: float, out: list[Decision]) -> None:
        """R-W-6: pausing frees capacity; the queue's conversation slots bound it."""
        ix = assigned(self.ixs, ev.interaction_id, "conversation_paused", out)
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
        self.capacity.park(a, ix, now)
        ix.status = _PAUSED
        if q is not None:
            q.paused += 1
        self.dispatch.freed(a, now, out)

    def unpause(self, ix: Ix, a: AgentRt) -> None:
        """R-W-6: the paused conversation gives back its slot and paused budget."""
        self.capacity.unpark(a, ix)
        q = ix.queue
        if q is not None:
            q.paused -= 1

    def on_resumed(self, ev: ConversationResumed, now: float, out: list[Decision]) -> None:
        """R-W-6: the contact wrote again: back to its agent's personal queue, else the queue."""
        ix = self.ixs.get(ev.interaction_id)
        if ix is None or ix.status is not _PAUSED:
            code = RefusalCode.UNKNOWN_INTERACTION if ix is None else RefusalCode.WRONG_STATE
            out.append(RefuseEvent("conversation_resumed", code, ev.interaction_id))
            return
        a = ix.agent
        assert a is not None
        self.unpause(ix, a)
        ix.agent = None
        out.append(RequeueInteraction(ix.id, a.id, RequeueReason.RESUMED))
        if a.presence != "offline" and not a.removed:
            ix.personal = a
            ix.status = _WAITING
            self.waiting.wait(ix, head=True)
        else:
            q = ix.queue
            assert q is not None
            self.queueing.enter_queue(ix, q, now, out, "R-W-6", ix.order_t)
        self.dispatch.freed(a, now, out)
