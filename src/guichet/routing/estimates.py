"""Callback offers (R-Q-6) and estimated wait (R-X-6) from the engine's live numbers."""

from __future__ import annotations

from heapq import heappop

from guichet.domain.routing import InteractionStatus

from .callback import should_offer_callback
from .decisions import Decision, OfferCallback
from .dispatch import Dispatch
from .estimate import WaitEstimate, estimate_wait
from .state import WAITING_STATUSES, Ix, QueueRt
from .wait_tracker import WINDOW_S

_WAITING = InteractionStatus.WAITING


class Estimates(Dispatch):
    """Queue-level checks that read (never change) routing state, except the offer flag."""

    def check_callback(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """R-Q-6: offer a callback once, when the queue's 15-minute conditions hold."""
        q = ix.queue
        if q is None or ix.callback_offered or ix.status is not _WAITING:
            return
        check = should_offer_callback(
            q.cfg.callback,
            self.tracker,
            q.id,
            now=now,
            available_agents=self.available_count(q, ix),
            caller_id=ix.caller_id,
            already_offered=ix.callback_offered,
            call_id=ix.id,
        )
        if not check.offer:
            return
        ix.callback_offered = True
        estimate = self.estimate(ix, now)
        out.append(
            OfferCallback(
                ix.id,
                q.id,
                None if estimate is None else estimate.wait_s,
                check.average_wait_s or 0.0,
            )
        )

    def available_count(self, q: QueueRt, ix: Ix) -> int:
        """1 when some agent of the queue can take this channel now, else 0 (R-Q-6)."""
        g = self.get_group(q, ix.channel, (), False)
        heap = g.agents
        while heap:
            e = heap[0]
            if e[3] == e[4].stamp and self.can_take(e[4], g.channel):
                return 1
            heappop(heap)
        return 0

    def estimate(self, ix: Ix, now: float) -> WaitEstimate | None:
        """R-X-6: position and estimated wait of a waiting interaction (O(queue length))."""
        q = ix.queue
        if q is None or ix.status not in WAITING_STATUSES or ix.personal is not None:
            return None
        me = (ix.order_t, ix.seq)
        ahead = sum(1 for e in q.heap if e[2] == e[3].wver and (e[0], e[1]) < me)
        serving = idle = 0
        for a in q.members:
            if a.presence != "offline" and not a.removed:
                serving += 1
                if self.can_take(a, ix.channel):
                    idle += 1
        answers = q.answers
        horizon = now - WINDOW_S
        while answers and answers[0] <= horizon:
            answers.popleft()
        return estimate_wait(
            ahead=ahead,
            serving_agents=serving,
            idle_agents=idle,
            aht_s=q.handle_s / q.handle_n if q.handle_n else None,
            aht_samples=q.handle_n,
            answered_recent=len(answers),
            window_s=WINDOW_S,
        )
