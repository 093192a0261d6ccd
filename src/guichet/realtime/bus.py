"""The in-process event bus: per-client queues, per-user fan-out inside one organization.

Actions publish AFTER the database commit; a client registers a queue, takes a snapshot, then
reads the events that follow it (long-poll or WebSocket push), acknowledging what it applied.
The database stays the truth: a client whose queue is gone re-registers and takes a fresh
snapshot.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any, NamedTuple

from guichet.authz.caller import Caller
from guichet.realtime.queue import ClientQueue, Event

SnapshotProvider = Callable[[Caller], Awaitable[dict[str, Any]]]
"""Builds what a client sees on register; LIVE state providers replace the default."""


class QueueInfo(NamedTuple):
    """Who a queue belongs to and the id of the last event pushed into it."""

    org_id: int
    user_id: int
    last_event_id: int


class QueueGone(Exception):
    """The event queue is unknown, expired, overflowed or closed: register again."""

    code = "BAD_EVENT_QUEUE_ID"

    def __init__(self, queue_id: str) -> None:
        super().__init__(f"event queue {queue_id!r} is gone; register again")
        self.queue_id = queue_id


async def default_snapshot(principal: Caller) -> dict[str, Any]:
    """The snapshot used until the live runtime installs its own: who is connected."""
    return {"user_id": principal.user_id, "org_id": principal.org_id}


class EventBus:
    """Per-client event queues with monotonic ids, fed by ``publish`` and read by long-polls.

    Safe to call from any thread: state changes hold a lock, and waiters are woken on their
    own event loop.
    """

    def __init__(
        self,
        *,
        max_queue_events: int = 1000,
        idle_timeout_s: float = 600.0,
        max_queues_per_user: int = 16,
        gc_interval_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_queue_events < 1 or max_queues_per_user < 1 or idle_timeout_s <= 0:
            raise ValueError("queue limits and the idle timeout must be positive")
        self.max_queue_events = max_queue_events
        self.idle_timeout_s = idle_timeout_s
        self.max_queues_per_user = max_queues_per_user
        self.gc_interval_s = idle_timeout_s / 2 if gc_interval_s is None else gc_interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._queues: dict[str, ClientQueue] = {}
        self._by_user: dict[tuple[int, int], dict[str, ClientQueue]] = {}
        self._last_gc = clock()
        self.overflowed = 0
        self.collected = 0

    def __len__(self) -> int:
        return len(self._queues)

    def register(
        self, org_id: int, user_id: int, *, event_types: Collection[str] | None = None
    ) -> tuple[str, int]:
        """Create a queue for one client of ``user_id`` in ``org_id``: (queue id, last event id)."""
        types = None if event_types is None else frozenset(event_types)
        with self._lock:
            now = self._clock()
            self._maybe_collect(now)
            mine = self._by_user.setdefault((org_id, user_id), {})
            while len(mine) >= self.max_queues_per_user:
                # A user with too many tabs loses the one idle the longest, unread ones first.
                oldest = min(mine.values(), key=lambda q: (bool(q.waiters), q.last_touched))
                self._drop(oldest)
            queue = ClientQueue(
                queue_id=secrets.token_urlsafe(18),
                org_id=org_id,
                user_id=user_id,
                event_types=types,
                max_events=self.max_queue_events,
                now=now,
            )
            self._queues[queue.queue_id] = queue
            mine[queue.queue_id] = queue
            return queue.queue_id, queue.last_event_id

    def publish(self, org_id: int, event: dict[str, Any], *, user_ids: Collection[int]) -> None:
        """Queue ``event`` for every client of ``user_ids`` in ``org_id`` (and no other org)."""
        event_type = event.get("type")
        if not isinstance(event_type, str):
            raise ValueError("an event needs a string 'type'")
        with self._lock:
            self._maybe_collect(self._clock())
            for user_id in set(user_ids):
                mine = self._by_user.get((org_id, user_id))
                if not mine:
                    continue
                for queue in list(mine.values()):
                    if not queue.wants(event_type):
                        continue
                    if queue.push(event):
                        queue.wake()
                    else:
                        self.overflowed += 1
                        self._drop(queue)

    async def get_events(
        self, queue_id: str, last_event_id: int, *, timeout_s: float
    ) -> list[Event]:
        """Acknowledge up to ``last_event_id``, then wait up to ``timeout_s`` for what follows."""
        self.ack(queue_id, last_event_id)
        return await self.wait_events(queue_id, last_event_id, timeout_s=timeout_s)

    async def wait_events(
        self, queue_id: str, last_event_id: int, *, timeout_s: float
    ) -> list[Event]:
        """The events after ``last_event_id``, waiting up to ``timeout_s``; acknowledges nothing."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            with self._lock:
                queue = self._live(queue_id)
                events = queue.after(last_event_id)
                remaining = deadline - loop.time()
                if events or remaining <= 0:
                    return events
                waiter: asyncio.Future[None] = loop.create_future()
                queue.waiters.append(waiter)
            try:
                async with asyncio.timeout(remaining):
                    await waiter
            except TimeoutError:
                pass
            finally:
                with self._lock:
                    if waiter in queue.waiters:
                        queue.waiters.remove(waiter)
                    queue.last_touched = self._clock()

    def ack(self, queue_id: str, last_event_id: int) -> None:
        """Forget the events up to ``last_event_id``: the client has applied them."""
        with self._lock:
            self._live(queue_id).ack(last_event_id)

    def describe(self, queue_id: str) -> QueueInfo:
        """Whose a live queue is and the id of the last event it received."""
        with self._lock:
            queue = self._live(queue_id)
            return QueueInfo(queue.org_id, queue.user_id, queue.last_event_id)

    def close(self, queue_id: str) -> None:
        """Drop a queue (unknown ids are ignored); anyone waiting on it gets ``QueueGone``."""
        with self._lock:
            queue = self._queues.get(queue_id)
            if queue is not None:
                self._drop(queue)

    def collect_garbage(self) -> int:
        """Drop the queues nobody read for ``idle_timeout_s``; how many were dropped."""
        with self._lock:
            return self._collect(self._clock())

    def shutdown(self) -> None:
        """Drop every queue and wake every waiter (the app is stopping)."""
        with self._lock:
            for queue in list(self._queues.values()):
                self._drop(queue)

    # Everything below runs with the lock held.

    def _live(self, queue_id: str) -> ClientQueue:
        queue = self._queues.get(queue_id)
        if queue is None:
            raise QueueGone(queue_id)
        now = self._clock()
        if self._idle(queue, now):
            self.collected += 1
            self._drop(queue)
            raise QueueGone(queue_id)
        queue.last_touched = now
        return queue

    def _idle(self, queue: ClientQueue, now: float) -> bool:
        return not queue.waiters and now - queue.last_touched > self.idle_timeout_s

    def _maybe_collect(self, now: float) -> None:
        if now - self._last_gc >= self.gc_interval_s:
            self._collect(now)

    def _collect(self, now: float) -> int:
        self._last_gc = now
        idle = [q for q in self._queues.values() if self._idle(q, now)]
        for queue in idle:
            self._drop(queue)
        self.collected += len(idle)
        return len(idle)

    def _drop(self, queue: ClientQueue) -> None:
        self._queues.pop(queue.queue_id, None)
        key = (queue.org_id, queue.user_id)
        mine = self._by_user.get(key)
        if mine is not None:
            mine.pop(queue.queue_id, None)
            if not mine:
                del self._by_user[key]
        queue.events.clear()
        queue.wake()
