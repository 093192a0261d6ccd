"""One client's event queue: monotonic ids, an acknowledgement point and a size cap."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterable
from typing import Any

Event = dict[str, Any]


class ClientQueue:
    """The events waiting for one registered client (one browser tab, one socket).

    Ids start at 1 and grow by one per event pushed into this queue, so a client that
    remembers the last id it applied can ask for exactly what follows. Events stay until the
    client acknowledges them; more than ``max_events`` unacknowledged events overflow the queue,
    and the bus then drops it (the client re-registers and takes a fresh snapshot).
    """

    __slots__ = (
        "event_types",
        "events",
        "last_event_id",
        "last_touched",
        "max_events",
        "org_id",
        "queue_id",
        "user_id",
        "waiters",
    )

    def __init__(
        self,
        *,
        queue_id: str,
        org_id: int,
        user_id: int,
        event_types: frozenset[str] | None,
        max_events: int,
        now: float,
    ) -> None:
        self.queue_id = queue_id
        self.org_id = org_id
        self.user_id = user_id
        self.event_types = event_types
        self.max_events = max_events
        self.events: deque[Event] = deque()
        self.last_event_id = 0
        self.last_touched = now
        self.waiters: list[asyncio.Future[None]] = []

    def wants(self, event_type: str) -> bool:
        """Whether the client registered for ``event_type`` (no filter means everything)."""
        return self.event_types is None or event_type in self.event_types

    def push(self, event: Event) -> bool:
        """Append a copy of ``event`` with the next id; False when the queue overflowed."""
        self.last_event_id += 1
        stamped = dict(event)
        stamped["id"] = self.last_event_id
        self.events.append(stamped)
        return len(self.events) <= self.max_events

    def ack(self, last_event_id: int) -> None:
        """Forget the events the client says it applied (ids up to ``last_event_id``)."""
        events = self.events
        while events and events[0]["id"] <= last_event_id:
            events.popleft()

    def after(self, last_event_id: int) -> list[Event]:
        """The events with an id above ``last_event_id``, oldest first."""
        if not self.events or last_event_id >= self.last_event_id:
            return []
        first_id: int = self.events[0]["id"]
        # Ids in the deque are consecutive, so the cut is an index, not a scan.
        skip = max(0, last_event_id - first_id + 1)
        if skip == 0:
            return list(self.events)
        return [self.events[i] for i in range(skip, len(self.events))]

    def wake(self) -> None:
        """Resolve every pending waiter, from any thread."""
        waiters, self.waiters = self.waiters, []
        _resolve(waiters)


def _resolve(waiters: Iterable[asyncio.Future[None]]) -> None:
    try:
        current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        current = None
    for fut in waiters:
        loop = fut.get_loop()
        if loop is current:
            _set_done(fut)
            continue
        # A closed loop has nobody left to wake.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_set_done, fut)


def _set_done(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
