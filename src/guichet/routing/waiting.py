"""Waiting: the heaps of waiting interactions and which one a free agent gets (R-Q-8, R-W-5).

Each group keeps one heap per weight of `(order_t, seq, wver, ix)`, the queue one heap of
all its waiting interactions (for positions and the supervisor's view). An interaction's
`wver` changes whenever it leaves the waiting heaps or changes groups, which makes its old
entries stale; heaps are compacted once half of them is stale.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any

from guichet.domain.enums import Channel

from .capacity import Capacity
from .state import AgentRt, Ix

WaitEntry = tuple[float, int, int, Ix]


class Waiting:
    """Put interactions in and out of waiting; pick the next one for an agent."""

    __slots__ = ("can_take",)

    def __init__(self, capacity: Capacity) -> None:
        self.can_take = capacity.can_take

    def wait(self, ix: Ix, head: bool = False) -> None:
        """Put the interaction in the waiting heaps of its groups (or its personal queue)."""
        ix.wver += 1
        p = ix.personal
        if p is not None:
            if head:
                p.personal.appendleft((ix.wver, ix))
            else:
                p.personal.append((ix.wver, ix))
            return
        ent = (ix.order_t, ix.seq, ix.wver, ix)
        w = ix.weight
        for g in ix.groups:
            heap = g.waiting.get(w)
            if heap is None:
                heap = g.waiting[w] = []
            heappush(heap, ent)
            g.nwait += 1
            if len(heap) > 2 * g.nwait + 64:
                g.waiting[w] = _live(heap)
        q = ix.queue
        if q is not None:
            heap = q.heap
            heappush(heap, ent)
            q.waiting += 1
            if len(heap) > 2 * q.waiting + 64:
                q.heap = _live(heap)

    def unwait(self, ix: Ix) -> None:
        """Take the interaction out of the waiting heaps (lazily, by bumping `wver`)."""
        ix.wver += 1
        if ix.personal is not None:
            return
        for g in ix.groups:
            g.nwait -= 1
        q = ix.queue
        if q is not None:
            q.waiting -= 1

    def pick_for(self, a: AgentRt, now: float) -> tuple[Ix, float, str] | None:
        """R-W-5 then R-Q-8: personal queue first, then highest weight x seconds waited."""
        can_take = self.can_take
        dq = a.personal
        while dq:
            wver, ix = dq[0]
            if wver != ix.wver:
                dq.popleft()
                continue
            if can_take(a, ix.channel):
                dq.popleft()
                return ix, now - ix.order_t, "R-W-5"
            break
        best: tuple[float, float, int, Ix] | None = None
        ok: dict[Channel, bool] = {}
        for g in a.groups:
            if not g.nwait:
                continue
            ch = g.channel
            can = ok.get(ch)
            if can is None:
                can = ok[ch] = can_take(a, ch)
            if not can:
                continue
            for w, heap in g.waiting.items():
                e = _head_for(heap, a)
                if e is None:
                    continue
                score = w * (now - e[0])
                if (
                    best is None
                    or score > best[0]
                    or (score == best[0] and (e[0], e[1]) < (best[1], best[2]))
                ):
                    best = (score, e[0], e[1], e[3])
        if best is None:
            return None
        return best[3], best[0], "R-Q-8"


def _head_for(heap: list[WaitEntry], a: AgentRt) -> Any:
    """The first live entry of a waiting heap that this agent has not declined."""
    while heap:
        e = heap[0]
        ix = e[3]
        if e[2] != ix.wver:
            heappop(heap)
            continue
        d = ix.declined
        if d is None or d.get(a.idx) != a.epoch:
            return e
        # Rare: the head was declined by this agent; look further down, in order.
        for e2 in sorted(heap):
            ix2 = e2[3]
            d2 = ix2.declined
            if e2[2] == ix2.wver and (d2 is None or d2.get(a.idx) != a.epoch):
                return e2
        return None
    return None


def _live(heap: list[WaitEntry]) -> list[WaitEntry]:
    """Drop stale entries of a waiting heap (amortised: runs when half of it is stale)."""
    live = [e for e in heap if e[2] == e[3].wver]
    heapify(live)
    return live
