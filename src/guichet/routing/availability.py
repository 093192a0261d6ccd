"""Availability: the routing groups of a queue and their heaps of available agents (R-Q-4).

A group is the agents of one queue and channel who meet one requirement (or, for overflow,
who receive overflow, R-SK-4). Its heap is ordered by the queue's strategy key
(`strategies.py`); entries are `(key, tiebreak, seq, stamp, agent)` and go stale when the
agent's `stamp` moves on, so listing again is cheap and nothing is searched for removal.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from random import Random
from typing import Any

from guichet.domain.enums import Channel

from .capacity import Capacity
from .skills import qualifies
from .state import AgentRt, Group, Ix, QueueRt, Requirement
from .strategies import KEYS

Entry = tuple[Any, Any, int, int, AgentRt]


class Availability:
    """Build routing groups, list agents in them, pop the best one for an interaction."""

    __slots__ = ("can_take", "hseq", "rng")

    def __init__(self, capacity: Capacity, seed: int) -> None:
        self.can_take = capacity.can_take
        #: The random strategy's draws (R-Q-4): seeded, so decisions are reproducible.
        self.rng = Random(seed)
        self.hseq = 0

    def relist(self, a: AgentRt) -> None:
        """Put the agent in the availability heap of every group it can take work from."""
        if a.blocked or a.listed == a.stamp:
            return
        a.listed = stamp = a.stamp
        rng = self.rng
        hseq = self.hseq
        can_take = self.can_take
        last_ch = None
        can = False
        for g in a.groups:
            ch = g.channel
            if ch is not last_ch:
                last_ch = ch
                can = can_take(a, ch)
            if can:
                k1, k2 = g.keyfn(g, a, rng)
                hseq += 1
                heap = g.agents
                heappush(heap, (k1, k2, hseq, stamp, a))
                if len(heap) > g.limit:
                    _compact(g)
        self.hseq = hseq

    def pop_agent(self, g: Group, ix: Ix) -> Entry | None:
        """Pop the best available agent of the group for this interaction, or None.

        Agents who declined the interaction and have not been away since (R-Q-4) are
        skipped and put back.
        """
        heap = g.agents
        declined = ix.declined
        skipped: list[Entry] | None = None
        found = None
        while heap:
            e = heap[0]
            a = e[4]
            # A live stamp means the agent could take this channel when listed, and nothing
            # that changes that (load, budget, capacity, presence, wrap-up) happened since.
            if e[3] != a.stamp:
                heappop(heap)
                continue
            if declined is not None and declined.get(a.idx) == a.epoch:
                if skipped is None:
                    skipped = []
                skipped.append(heappop(heap))
                continue
            found = heappop(heap)
            break
        if skipped:
            for e in skipped:
                heappush(heap, e)
        return found

    def group(self, q: QueueRt, ch: Channel, req: Requirement, overflow: bool) -> Group:
        """The routing group of a queue, channel and requirement, built on first use."""
        key = (ch, req, overflow)
        g = q.groups.get(key)
        if g is None:
            g = q.groups[key] = Group(q, ch, req, overflow)
            g.keyfn = keyfn = KEYS[g.strategy]
            # `join` for every qualified member, with the heap built once at the end: the
            # entries are totally ordered (`hseq` is unique), so the pops are the same.
            members = g.members
            heap = g.agents
            can_take = self.can_take
            rng = self.rng
            hseq = self.hseq
            for a in q.members:
                if overflow:
                    if not a.receiver:
                        continue
                elif req and not qualifies(a.eff, req):
                    continue
                members.add(a.idx)
                a.groups.append(g)
                if a.listed == a.stamp and can_take(a, ch):
                    k1, k2 = keyfn(g, a, rng)
                    hseq += 1
                    heap.append((k1, k2, hseq, a.stamp, a))
            heapify(heap)
            self.hseq = hseq
            g.limit = 2 * len(members) + 64
        return g

    def join(self, g: Group, a: AgentRt) -> None:
        """Make the agent a member of the group and list it there if it can take work."""
        g.members.add(a.idx)
        a.groups.append(g)
        if a.listed == a.stamp and self.can_take(a, g.channel):
            k1, k2 = g.keyfn(g, a, self.rng)
            self.hseq += 1
            heappush(g.agents, (k1, k2, self.hseq, a.stamp, a))

    def available_count(self, q: QueueRt, ch: Channel) -> int:
        """1 when some agent of the queue can take this channel now, else 0 (R-Q-6)."""
        g = self.group(q, ch, (), False)
        heap = g.agents
        while heap:
            e = heap[0]
            if e[3] == e[4].stamp and self.can_take(e[4], g.channel):
                return 1
            heappop(heap)
        return 0


def _compact(g: Group) -> None:
    """Drop stale entries of an agent heap (amortised: when it outgrows twice its members)."""
    heap = [e for e in g.agents if e[3] == e[4].stamp and not e[4].blocked]
    heapify(heap)
    g.agents = heap
    g.limit = 2 * len(g.members) + 64
