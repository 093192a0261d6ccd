"""The engine's timers: one heap of `(due, seq, kind, obj, token)` (lazy cancellation).

A timer carries the token its object had when it was set; the object bumps that token to
cancel every timer of a kind at once, so nothing is ever removed from the heap by search.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

from guichet.domain.routing import InteractionStatus

from .decisions import Decision

#: Timer kinds: offer expiry (R-Q-4), wrap-up end (R-Q-7), routing step (R-X-7), overflow
#: (R-SK-4), flow wait or menu no-input (R-Q-5), callback condition check (R-Q-6).
OFFER, WRAP, STEP, OVERFLOW, FLOW_WAIT, CALLBACK_CHECK = range(6)

Timer = tuple[float, int, int, Any, int]
#: What a due timer calls: `(object, due, out)`; a part's method, by the timer's kind.
Fire = Callable[[Any, float, list[Decision]], None]

_OFFERED = InteractionStatus.OFFERED
_WAITING = InteractionStatus.WAITING


def is_live(t: Timer) -> bool:
    """Whether the timer still applies: its object's token did not move on since it was set."""
    kind, obj, token = t[2], t[3], t[4]
    if kind == OFFER:
        return bool(obj.offer_token == token and obj.status is _OFFERED)
    if kind == WRAP:
        return bool(obj.wrap_token == token and obj.wrap_until is not None)
    if kind == FLOW_WAIT:
        return bool(obj.flow_token == token)
    if kind == CALLBACK_CHECK:
        return bool(obj.status is _WAITING and not obj.callback_offered)
    return bool(obj.route_token == token)


class Timers:
    """Schedule timers and hand back the live ones that are due."""

    __slots__ = ("heap", "seq")

    def __init__(self) -> None:
        self.heap: list[Timer] = []
        self.seq = 0

    def at(self, due: float, kind: int, obj: Any, token: int) -> None:
        """Schedule a timer; it is ignored when fired if `token` no longer matches."""
        self.seq += 1
        heappush(self.heap, (due, self.seq, kind, obj, token))

    def fire(self, now: float, handlers: tuple[Fire, ...], out: list[Decision]) -> None:
        """Fire every live timer due at or before `now`, in due order: `handlers[kind]`."""
        heap = self.heap
        while heap and heap[0][0] <= now:
            t = heappop(heap)
            if is_live(t):
                handlers[t[2]](t[3], t[0], out)

    def next_deadline(self) -> float | None:
        """When the next live timer is due, or None (dead timers at the head are dropped)."""
        heap = self.heap
        while heap:
            if is_live(heap[0]):
                return heap[0][0]
            heappop(heap)
        return None
