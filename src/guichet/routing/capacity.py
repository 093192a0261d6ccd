"""Capacity: whether an agent may take one more interaction, and the slots work holds.

R-W-1 (per-channel capacity, no mixing of voice with other channels unless allowed), R-X-8
(a cost per channel within the agent's budget; a paused conversation costs `paused_cost`).
Every change to what an agent holds bumps `agent.stamp`, which invalidates its entries in the
availability heaps (`availability.py`).
"""

from __future__ import annotations

from guichet.domain.enums import Channel

from .state import AgentRt, Ix

_VOICE = Channel.VOICE


class Capacity:
    """Channel costs and the mixing rule of the configuration, and the slot bookkeeping."""

    __slots__ = ("costs", "mixing", "offer_seq", "paused_cost")

    def __init__(self) -> None:
        self.costs: dict[Channel, int] = {}
        self.paused_cost = 0
        self.mixing = False
        #: Counts offers, for round-robin's "offered longest ago" (R-Q-4).
        self.offer_seq = 0

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

    def hold(self, a: AgentRt, ch: Channel) -> None:
        """Count one more interaction of this channel against the agent's capacity."""
        a.load[ch] = a.load.get(ch, 0) + 1
        a.nload += 1
        a.used += self.costs.get(ch, 0)
        self.offer_seq += 1
        a.last_offer = self.offer_seq

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

    def reprice(self, a: AgentRt) -> None:
        """R-X-8: the budget the agent's work uses, at the costs in force (after they change)."""
        costs = self.costs
        used = sum(costs.get(ch, 0) * n for ch, n in a.load.items())
        a.used = used + self.paused_cost * len(a.paused_convs)

    def park(self, a: AgentRt, ix: Ix, now: float) -> None:
        """R-W-6: a paused conversation gives back its slot and costs `paused_cost`."""
        self.release(a, ix, now)
        a.used += self.paused_cost
        a.paused_convs[ix.id] = ix

    def unpark(self, a: AgentRt, ix: Ix) -> None:
        """R-W-6: the paused conversation ends or resumes: its paused cost is given back."""
        a.used -= self.paused_cost
        del a.paused_convs[ix.id]
        a.stamp += 1
