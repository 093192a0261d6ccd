"""Staffing calculators: Erlang B and C, square-root staffing and the R-W-6 slot formula.

Erlang A (exponential abandonment) lives in `guichet.sim.erlang_a` and is re-exported here,
so `guichet.sim.erlang` is the one place to import every calculator from (R-X-2).

Every formula goes through the Erlang B recursion ``B(k) = a·B(k-1) / (k + a·B(k-1))``,
which never forms ``a**n`` or ``n!``: it stays exact and finite for thousands of agents.
Times are in seconds, rates per second unless a name says otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from guichet.sim.erlang_a import ErlangA, erlang_a, erlang_a_agents

__all__ = [
    "ErlangA",
    "ErlangC",
    "SlotRecommendation",
    "erlang_a",
    "erlang_a_agents",
    "erlang_b",
    "erlang_c",
    "erlang_c_agents",
    "erlang_c_probability",
    "halfin_whitt_beta",
    "offered_load",
    "rw6_slots",
    "square_root_staffing",
]


def offered_load(arrival_rate_per_hour: float, aht_s: float) -> float:
    """Offered traffic in Erlangs: arrivals per second times mean handle time."""
    return arrival_rate_per_hour / 3600.0 * aht_s


def erlang_b(agents: int, load: float) -> float:
    """Erlang B blocking probability for `agents` servers and `load` Erlangs (stable recursion)."""
    if agents < 0 or load < 0:
        raise ValueError("agents and load must be non-negative")
    b = 1.0
    for k in range(1, agents + 1):
        ab = load * b
        b = ab / (k + ab)
    return b


def erlang_c_probability(agents: int, load: float) -> float:
    """Erlang C probability that an arrival waits; 1.0 when the queue is unstable."""
    if agents <= load:
        return 1.0
    b = erlang_b(agents, load)
    rho = load / agents
    return b / (1.0 - rho * (1.0 - b))


@dataclass(frozen=True, slots=True)
class ErlangC:
    """Erlang C (M/M/n) predictions for one queue (R-X-2)."""

    agents: int
    load: float
    p_wait: float
    asa_s: float
    service_level: float
    occupancy: float

    def as_dict(self) -> dict[str, float]:
        """The predictions under the simulator's JSON key names."""
        return {
            "p_wait": self.p_wait,
            "asa_s": self.asa_s,
            "avg_wait_s": self.asa_s,
            "service_level": self.service_level,
            "service_level_of_answered": self.service_level,
            "service_level_with_abandons": self.service_level,
            "abandon_rate": 0.0,
            "occupancy": self.occupancy,
        }


def erlang_c(
    agents: int, arrival_rate_per_hour: float, aht_s: float, sl_threshold_s: float = 20.0
) -> ErlangC:
    """Erlang C: P(wait), ASA and service level at T for `agents` on one FIFO queue (R-X-2).

    With no abandonment the three service-level definitions of R-AN-1 coincide:
    ``SL(T) = 1 - P(wait)·exp(-(n - a)·T / AHT)``. An unstable queue (a >= n) gives
    P(wait) = 1, infinite ASA and a service level of 0.
    """
    if aht_s <= 0 or arrival_rate_per_hour < 0 or agents < 0:
        raise ValueError("aht_s must be positive, the rate and agents non-negative")
    load = offered_load(arrival_rate_per_hour, aht_s)
    if agents <= load:
        return ErlangC(agents, load, 1.0, math.inf, 0.0, 1.0)
    p = erlang_c_probability(agents, load)
    gap = agents - load
    asa = p * aht_s / gap
    sl = 1.0 - p * math.exp(-gap * sl_threshold_s / aht_s)
    return ErlangC(agents, load, p, asa, sl, load / agents)


def erlang_c_agents(
    arrival_rate_per_hour: float,
    aht_s: float,
    *,
    target_sl: float | None = None,
    sl_threshold_s: float = 20.0,
    target_asa_s: float | None = None,
    max_occupancy: float | None = None,
) -> int:
    """Fewest agents meeting every given target by Erlang C (service level, ASA, occupancy)."""
    if target_sl is None and target_asa_s is None and max_occupancy is None:
        raise ValueError("give at least one target")
    if target_sl is not None and not 0.0 < target_sl < 1.0:
        raise ValueError("target_sl must lie strictly between 0 and 1")
    load = offered_load(arrival_rate_per_hour, aht_s)
    if load == 0:
        return 0
    n = math.floor(load) + 1
    b = erlang_b(n, load)
    while True:
        p = b / (1.0 - load / n * (1.0 - b))
        gap = n - load
        ok = True
        if target_sl is not None:
            ok = 1.0 - p * math.exp(-gap * sl_threshold_s / aht_s) >= target_sl
        if ok and target_asa_s is not None:
            ok = p * aht_s / gap <= target_asa_s
        if ok and max_occupancy is not None:
            ok = load / n <= max_occupancy
        if ok:
            return n
        n += 1
        ab = load * b
        b = ab / (n + ab)


def halfin_whitt_beta(p_wait: float) -> float:
    """Safety factor β whose Halfin-Whitt limit P(wait) = 1/(1 + β·Φ(β)/φ(β)) is `p_wait`."""
    if not 0.0 < p_wait < 1.0:
        raise ValueError("p_wait must lie strictly between 0 and 1")

    def limit(beta: float) -> float:
        phi = math.exp(-beta * beta / 2.0) / math.sqrt(2.0 * math.pi)
        big_phi = 0.5 * math.erfc(-beta / math.sqrt(2.0))
        return 1.0 / (1.0 + beta * big_phi / phi)

    lo, hi = 0.0, 10.0
    for _ in range(100):  # limit() decreases from 1 to 0 as β grows
        mid = (lo + hi) / 2.0
        if limit(mid) > p_wait:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def square_root_staffing(load: float, *, beta: float | None = None, p_wait: float = 0.2) -> int:
    """Square-root staffing n = ⌈a + β·√a⌉, β given or derived from a target P(wait) (R-X-2)."""
    if load < 0:
        raise ValueError("load must be non-negative")
    b = halfin_whitt_beta(p_wait) if beta is None else beta
    return max(0, math.ceil(load + b * math.sqrt(load) - 1e-9))


@dataclass(frozen=True, slots=True)
class SlotRecommendation:
    """Conversation-queue slots for a distribution rule (R-W-6)."""

    recommended: int
    starting: int


def rw6_slots(
    agents: int, conversations_per_hour: float, off_peak_hours: float
) -> SlotRecommendation:
    """R-W-6: slots = agents × conversations per hour × off-peak hours; start at half."""
    if agents < 0 or conversations_per_hour < 0 or off_peak_hours < 0:
        raise ValueError("arguments must be non-negative")
    recommended = math.ceil(agents * conversations_per_hour * off_peak_hours - 1e-9)
    return SlotRecommendation(recommended, math.ceil(recommended / 2))
