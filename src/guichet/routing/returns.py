"""Abandon-and-return (R-X-9): a contact who abandons and comes back gets their place back.

When an interaction is abandoned in a queue whose return window is above zero, we remember the
contact's original arrival time and priority, keyed by (contact identity, queue). If the same
identity arrives in the same queue within the window, `claim` hands back a ticket, once. The
expiry is fixed when the abandon is remembered. Expired entries leave through a heap with lazy
deletion, so every operation is amortised O(log n) and memory stays bounded.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import NamedTuple

#: Entries kept at most; beyond it the soonest-expiring entries are dropped first.
DEFAULT_MAX_ENTRIES = 100_000


class ReturnTicket(NamedTuple):
    """The place an abandoned interaction held: give it back to the returning contact."""

    contact_key: str
    queue_id: str
    arrived_at: float
    priority: float | None
    abandoned_at: float
    interaction_id: str | None


class _Entry(NamedTuple):
    ticket: ReturnTicket
    expires_at: float
    seq: int


class ReturnMemory:
    """Remembered abandons by (contact, queue), each claimable once within its window."""

    __slots__ = ("_entries", "_heap", "_seq", "_windows", "default_window_s", "max_entries")

    def __init__(
        self,
        windows: Mapping[str, float] | None = None,
        *,
        default_window_s: float = 0.0,
        max_entries: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        self._windows: dict[str, float] = dict(windows or {})
        self.default_window_s = default_window_s
        self.max_entries = max_entries
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._heap: list[tuple[float, int, tuple[str, str]]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._entries)

    def set_window(self, queue_id: str, seconds: float) -> None:
        """Set the queue's return window in seconds; 0 turns the feature off (R-X-9)."""
        self._windows[queue_id] = max(0.0, seconds)

    def window(self, queue_id: str) -> float:
        """The queue's return window in seconds (R-X-9)."""
        return self._windows.get(queue_id, self.default_window_s)

    def remember(
        self,
        contact_key: str | None,
        queue_id: str,
        *,
        arrived_at: float,
        abandoned_at: float,
        priority: float | None = None,
        interaction_id: str | None = None,
    ) -> bool:
        """Remember an abandon; False when there is no identity or the window is 0 (R-X-9).

        A newer abandon by the same contact in the same queue replaces the older one.
        """
        window = self.window(queue_id)
        if not contact_key or window <= 0:
            return False
        key = (contact_key, queue_id)
        self._seq += 1
        ticket = ReturnTicket(
            contact_key, queue_id, arrived_at, priority, abandoned_at, interaction_id
        )
        entry = _Entry(ticket, abandoned_at + window, self._seq)
        self._entries[key] = entry
        heapq.heappush(self._heap, (entry.expires_at, entry.seq, key))
        while len(self._entries) > self.max_entries:
            self._pop_head()
        if len(self._heap) > 2 * len(self._entries) + 1024:
            # Claims and replacements leave stale heap items; rebuild before they pile up.
            self._heap = [(e.expires_at, e.seq, k) for k, e in self._entries.items()]
            heapq.heapify(self._heap)
        return True

    def claim(self, contact_key: str | None, queue_id: str, now: float) -> ReturnTicket | None:
        """The returning contact's former place, at most once and within the window (R-X-9)."""
        self.expire(now)
        if not contact_key:
            return None
        entry = self._entries.pop((contact_key, queue_id), None)
        # The heap item stays behind; its sequence number no longer matches, so it is skipped.
        return entry.ticket if entry is not None else None

    def forget(self, contact_key: str, queue_id: str) -> None:
        """Drop a remembered abandon (the contact was served another way)."""
        self._entries.pop((contact_key, queue_id), None)

    def expire(self, now: float) -> int:
        """Drop entries whose window ended before `now`; returns how many (R-X-9)."""
        dropped = 0
        heap = self._heap
        while heap and heap[0][0] < now:
            dropped += self._pop_head()
        return dropped

    def _pop_head(self) -> int:
        _, seq, key = heapq.heappop(self._heap)
        entry = self._entries.get(key)
        if entry is not None and entry.seq == seq:
            del self._entries[key]
            return 1
        return 0
