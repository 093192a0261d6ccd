"""Estimated wait and position of a waiting interaction (R-X-6), from the engine's live numbers.

The formula is `estimate.py`'s (pure); this part gathers its inputs: the places ahead in the
queue, the agents serving it and those free now, the average handle time and recent answers.
"""

from __future__ import annotations

from .capacity import Capacity
from .estimate import WaitEstimate, estimate_wait
from .state import WAITING_STATUSES, Ix
from .wait_tracker import WINDOW_S


class Estimates:
    """Read-only: never changes routing state (old answers are dropped from the window)."""

    __slots__ = ("capacity",)

    def __init__(self, capacity: Capacity) -> None:
        self.capacity = capacity

    def estimate(self, ix: Ix, now: float) -> WaitEstimate | None:
        """R-X-6: position and estimated wait of a waiting interaction (O(queue length))."""
        q = ix.queue
        if q is None or ix.status not in WAITING_STATUSES or ix.personal is not None:
            return None
        me = (ix.order_t, ix.seq)
        ahead = sum(1 for e in q.heap if e[2] == e[3].wver and (e[0], e[1]) < me)
        serving = idle = 0
        can_take = self.capacity.can_take
        for a in q.members:
            if a.presence != "offline" and not a.removed:
                serving += 1
                if can_take(a, ix.channel):
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
