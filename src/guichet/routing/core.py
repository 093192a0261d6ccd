"""Engine core: state, timers, capacity and the availability heaps of routing groups (R-Q-4).

Every change to an agent's ability to take work (load, budget, capacity, presence, wrap-up,
queue membership) bumps `agent.stamp`, which invalidates the agent's heap entries; every time
an interaction leaves a waiting heap or changes groups its `wver` is bumped likewise.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from random import Random
from typing import Any

from guichet.domain.enums import Channel

from .skills import SkillTree, qualifies
from .state import AgentRt, Group, Ix, QueueRt, Requirement
from .strategies import KEYS
from .wait_tracker import WaitTracker

#: Timer kinds.
OFFER, WRAP, STEP, OVERFLOW, FLOW_WAIT, CALLBACK_CHECK = range(6)
_VOICE = Channel.VOICE


class Core:
    """State and primitive operations shared by the event handlers."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = Random(seed)
        self.seq = 0
        self.hseq = 0
        self.tseq = 0
        self.offer_seq = 0
        self.timers: list[tuple[float, int, int, Any, int]] = []
        self.agents: dict[str, AgentRt] = {}
        self.queues: dict[str, QueueRt] = {}
        self.ixs: dict[str, Ix] = {}
        self.tree = SkillTree(())
        self.costs: dict[Channel, int] = {}
        self.paused_cost = 0
        self.mixing = False
        self.keep_finished = True
        self.tracker = WaitTracker()

    # -- timers -----------------------------------------------------------------------
    def at(self, due: float, kind: int, obj: Any, token: int) -> None:
        """Schedule a timer; it is ignored when fired if `token` no longer matches."""
        self.tseq += 1
        heappush(self.timers, (due, self.tseq, kind, obj, token))

    # -- capacity (R-W-1, R-X-8) --------------------------------------------------------
    def can_take(self, a: AgentRt, ch: Channel) -> bool:
        """Whether the agent may receive one more interaction on this channel now."""
        if a.blocked:
            return False
        load = a.load
        n = load.get(ch, 0)
        if n >= a.capacity.get(ch, 0):
            return False
        # `nload != n`: the agent holds work on another channel too (no mixing, R-W-1).
        if a.nload != n and not self.mixing and (ch is _VOICE or load.get(_VOICE, 0)):
            return False
        b = a.budget
        return b is None or a.used + self.costs.get(ch, 0) <= b

    def reserve(self, a: AgentRt, ix: Ix) -> None:
        """An offer holds one slot of capacity until accepted, rejected or expired."""
        ch = ix.channel
        a.load[ch] = a.load.get(ch, 0) + 1
        a.nload += 1
        a.used += self.costs.get(ch, 0)
        a.offers[ix.id] = ix
        a.stamp += 1
        self.offer_seq += 1
        a.last_offer = self.offer_seq

    def release(self, a: AgentRt, ix: Ix, now: float) -> None:
        """Give back the slot an offer or assignment held."""
        ch = ix.channel
        a.load[ch] -= 1
        a.nload -= 1
        a.used -= self.costs.get(ch, 0)
        a.offers.pop(ix.id, None)
        a.assigned.pop(ix.id, None)
        a.stamp += 1
        if not a.offers and not a.assigned:
            a.idle_since = now

    # -- availability heaps -----------------------------------------------------------
    def relist(self, a: AgentRt) -> None:
        """Put the agent in the availability heap of every group it can take work from."""
        if a.blocked or a.listed == a.stamp:
            return
        a.listed = stamp = a.stamp
        rng = self.rng
        hseq = self.hseq
        last_ch = None
        can = False
        for g in a.groups:
            ch = g.channel
            if ch is not last_ch:
                last_ch = ch
                can = self.can_take(a, ch)
            if can:
                k1, k2 = g.keyfn(g, a, rng)
                hseq += 1
                heap = g.agents
                heappush(heap, (k1, k2, hseq, stamp, a))
                if len(heap) > g.limit:
                    self._compact(g)
        self.hseq = hseq

    def _compact(self, g: Group) -> None:
        heap = [e for e in g.agents if e[3] == e[4].stamp and not e[4].blocked]
        heapify(heap)
        g.agents = heap
        g.limit = 2 * len(g.members) + 64

    def pop_agent(self, g: Group, ix: Ix) -> tuple[Any, Any, int, int, AgentRt] | None:
        """Pop the best available agent of the group for this interaction, or None."""
        heap = g.agents
        declined = ix.declined
        skipped: list[tuple[Any, Any, int, int, AgentRt]] | None = None
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

    def get_group(self, q: QueueRt, ch: Channel, req: Requirement, overflow: bool) -> Group:
        """The routing group of a queue, channel and requirement, built on first use."""
        key = (ch, req, overflow)
        g = q.groups.get(key)
        if g is None:
            g = q.groups[key] = Group(q, ch, req, overflow)
            g.keyfn = KEYS[g.strategy]
            for a in q.members:
                if a.receiver if overflow else qualifies(a.eff, req):
                    self.join(g, a)
            g.limit = 2 * len(g.members) + 64
        return g

    def join(self, g: Group, a: AgentRt) -> None:
        """Make the agent a member of the group and list it there if it can take work."""
        g.members.add(a.idx)
        a.groups.append(g)
        if a.listed == a.stamp and self.can_take(a, g.channel):
            k1, k2 = g.keyfn(g, a, self.rng)
            self.hseq += 1
            heappush(g.agents, (k1, k2, self.hseq, a.stamp, a))
