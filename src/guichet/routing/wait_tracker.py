"""Rolling per-queue wait statistics for the callback condition (R-Q-6).

Amortised O(1) per call: finished waits sit in a deque with a running sum and leave it once
older than the window; calls still waiting sit in a dict with a running sum of arrival times,
so their total wait so far is `count x now - sum(arrivals)`. Sums are kept in integer
milliseconds, so they never drift however many calls pass.
"""

from __future__ import annotations

from collections import deque

#: The callback rule looks at the last 15 minutes (R-Q-6).
WINDOW_S = 900.0


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


class _QueueWaits:
    __slots__ = ("done", "done_ms", "last_arrival", "last_end", "waiting", "waiting_ms")

    def __init__(self) -> None:
        self.done: deque[tuple[float, int]] = deque()  # (left the queue at, wait in ms)
        self.done_ms = 0
        self.waiting: dict[str, int] = {}  # call id -> arrival in ms
        self.waiting_ms = 0
        self.last_arrival: float | None = None
        self.last_end = float("-inf")


class WaitTracker:
    """Per queue: waits that ended in the last `window_s` seconds and calls still waiting."""

    __slots__ = ("_queues", "window_s")

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._queues: dict[str, _QueueWaits] = {}

    def _queue(self, queue_id: str) -> _QueueWaits:
        q = self._queues.get(queue_id)
        if q is None:
            q = self._queues[queue_id] = _QueueWaits()
        return q

    def record_arrival(self, queue_id: str, call_id: str, now: float) -> None:
        """A call started waiting in the queue (R-Q-6)."""
        q = self._queue(queue_id)
        if call_id in q.waiting:
            return
        arrival = _ms(now)
        q.waiting[call_id] = arrival
        q.waiting_ms += arrival
        q.last_arrival = now

    def record_departure(self, queue_id: str, call_id: str, now: float) -> float | None:
        """The call left the queue (answered, abandoned, timed out); returns its wait."""
        q = self._queues.get(queue_id)
        arrival = q.waiting.pop(call_id, None) if q is not None else None
        if q is None or arrival is None:
            return None
        q.waiting_ms -= arrival
        wait_ms = max(0, _ms(now) - arrival)
        self._add(q, wait_ms, now)
        return wait_ms / 1000

    def record_wait(self, queue_id: str, wait_s: float, now: float) -> None:
        """A finished wait reported directly (replay, simulator) (R-Q-6)."""
        self._add(self._queue(queue_id), max(0, _ms(wait_s)), now)

    def _add(self, q: _QueueWaits, wait_ms: int, now: float) -> None:
        # Times arrive in order from the engine; clamp stragglers so the deque stays sorted.
        ended = max(now, q.last_end)
        q.last_end = ended
        q.done.append((ended, wait_ms))
        q.done_ms += wait_ms

    def _evict(self, q: _QueueWaits, now: float) -> None:
        horizon = now - self.window_s
        done = q.done
        while done and done[0][0] <= horizon:
            q.done_ms -= done.popleft()[1]

    def average_wait(
        self, queue_id: str, now: float, *, exclude_call_id: str | None = None
    ) -> float | None:
        """Average wait in seconds over the window, None when there were no calls (R-Q-6)."""
        q = self._queues.get(queue_id)
        if q is None:
            return None
        self._evict(q, now)
        count = len(q.done) + len(q.waiting)
        now_ms = _ms(now)
        total = q.done_ms + len(q.waiting) * now_ms - q.waiting_ms
        excluded = q.waiting.get(exclude_call_id) if exclude_call_id is not None else None
        if excluded is not None:
            count -= 1
            total -= now_ms - excluded
        if count == 0:
            return None
        return max(0, total) / count / 1000

    def waiting_count(self, queue_id: str) -> int:
        """Calls waiting in the queue now."""
        q = self._queues.get(queue_id)
        return len(q.waiting) if q is not None else 0

    def last_arrival(self, queue_id: str) -> float | None:
        """When the last call arrived in the queue, or None."""
        q = self._queues.get(queue_id)
        return q.last_arrival if q is not None else None
