"""Erlang A: the M/M/n+M queue, where waiting contacts abandon at exponential patience (R-X-2).

The stationary law of the birth-death chain is built in log space from the Erlang B value,
so hundreds of agents and heavy overload stay finite. An arrival that finds ``j`` contacts
waiting is served with probability ``nμ/(nμ + (j+1)θ)``; given that, its wait is a sum of
exponentials with rates ``nμ + iθ`` (i = 1..j+1), and ``exp(-θ·wait)`` then follows a
Beta(nμ/θ + 1, j + 1) law. Its tail is a negative-binomial sum, which gives the service
level in closed form (no numerical integration).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErlangA:
    """Erlang A predictions for one queue, in the simulator's terms (R-AN-1)."""

    agents: int
    load: float
    #: Fraction of arrivals that find every agent busy (those who later abandon included).
    p_wait: float
    #: Fraction of arrivals that abandon.
    abandon_rate: float
    #: Mean wait of the answered contacts (zero waits included).
    asa_s: float
    #: Mean time in queue of every arrival, answered or abandoned.
    avg_wait_s: float
    #: Answered within T / offered.
    service_level: float
    #: Answered within T / answered.
    service_level_of_answered: float
    #: (Answered within T + abandoned within T) / (answered + abandoned).
    service_level_with_abandons: float
    #: Busy agents / agents.
    occupancy: float

    def as_dict(self) -> dict[str, float]:
        """The predictions under the simulator's JSON key names."""
        return {
            "p_wait": self.p_wait,
            "asa_s": self.asa_s,
            "avg_wait_s": self.avg_wait_s,
            "service_level": self.service_level,
            "service_level_of_answered": self.service_level_of_answered,
            "service_level_with_abandons": self.service_level_with_abandons,
            "abandon_rate": self.abandon_rate,
            "occupancy": self.occupancy,
        }


def _log_erlang_b(agents: int, load: float) -> float:
    """log of Erlang B, by the recursion on 1/B so that tiny values do not underflow."""
    # 1/B(k) = 1 + (k/a)·(1/B(k-1)); carried as a logarithm.
    log_inv = 0.0
    for k in range(1, agents + 1):
        log_inv = math.log1p(math.exp(math.log(k / load) + log_inv))
    return -log_inv


def _nb_log_pmf(k: int, alpha: float, log_x: float, log_1mx: float) -> float:
    """log P(K = k) for K negative binomial with real `alpha` and success probability x."""
    return (
        math.lgamma(alpha + k)
        - math.lgamma(alpha)
        - math.lgamma(k + 1)
        + alpha * log_x
        + k * log_1mx
    )


def erlang_a(
    agents: int,
    arrival_rate_per_hour: float,
    aht_s: float,
    patience_s: float,
    sl_threshold_s: float = 20.0,
) -> ErlangA:
    """Erlang A predictions: P(wait), abandonment, ASA, mean wait, the three R-AN-1 SLs."""
    if aht_s <= 0 or patience_s <= 0 or arrival_rate_per_hour < 0 or agents < 0:
        raise ValueError("aht_s and patience_s must be positive, the rest non-negative")
    lam = arrival_rate_per_hour / 3600.0
    mu = 1.0 / aht_s
    theta = 1.0 / patience_s
    load = lam / mu
    if lam == 0:
        return ErlangA(agents, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0)
    serve = agents * mu

    # Stationary weights relative to state n (all agents busy, nobody waiting): states below
    # n weigh 1/B - 1 in total; state n + j weighs prod_{i<=j} λ/(nμ + iθ).
    log_below = -math.inf
    if agents > 0:
        log_inv_b = -_log_erlang_b(agents, load)
        if log_inv_b > 0:
            log_below = log_inv_b + math.log(-math.expm1(-log_inv_b))
    log_q = [0.0]
    peak = 0.0
    j = 0
    while True:
        j += 1
        step = math.log(lam / (serve + j * theta))
        value = log_q[-1] + step
        log_q.append(value)
        peak = max(peak, value)
        if step < 0 and value < max(peak, log_below) - 45.0:
            break
    top = max(peak, log_below)
    weights = [math.exp(v - top) for v in log_q]
    total = math.exp(log_below - top) + math.fsum(weights)
    probs = [w / total for w in weights]

    threshold = max(sl_threshold_s, 0.0)
    log_x = -theta * threshold
    log_1mx = math.log(-math.expm1(log_x)) if threshold > 0 else -math.inf
    alpha_served = serve / theta + 1.0  # exp(-θ·W) given served ~ Beta(α, j + 1)
    alpha_offered = serve / theta  # exp(-θ·V), V the offered wait ~ Beta(α - 1, j + 1)
    cdf_served = 0.0  # P(K <= j) for K ~ NB(alpha_served, x) = P(W > T | served, j)
    cdf_offered = 0.0  # same for the offered wait V
    p_wait = p_served_waiting = p_aband = wait_served = 0.0
    served_by_t = abandoned_by_t = 0.0
    harmonic = 0.0
    keep_t = math.exp(log_x)
    for j, p in enumerate(probs):
        if threshold > 0:
            cdf_served += math.exp(_nb_log_pmf(j, alpha_served, log_x, log_1mx))
            if alpha_offered > 0:
                cdf_offered += math.exp(_nb_log_pmf(j, alpha_offered, log_x, log_1mx))
            else:
                cdf_offered = 1.0  # no agent: the offered wait never ends
        else:
            cdf_served = cdf_offered = 1.0
        harmonic += 1.0 / (serve + (j + 1) * theta)
        served = serve / (serve + (j + 1) * theta)
        p_wait += p
        p_served_waiting += p * served
        p_aband += p * (1.0 - served)
        wait_served += p * served * harmonic
        in_time = p * served * (1.0 - min(cdf_served, 1.0))
        served_by_t += in_time
        left_by_t = 1.0 - keep_t * min(cdf_offered, 1.0)
        abandoned_by_t += max(p * left_by_t - in_time, 0.0)

    p_no_wait = 1.0 - p_wait
    p_answered = p_no_wait + p_served_waiting
    service_level = p_no_wait + served_by_t
    return ErlangA(
        agents=agents,
        load=load,
        p_wait=p_wait,
        abandon_rate=p_aband,
        asa_s=wait_served / p_answered if p_answered > 0 else 0.0,
        avg_wait_s=p_aband / theta,
        service_level=service_level,
        service_level_of_answered=service_level / p_answered if p_answered > 0 else 0.0,
        service_level_with_abandons=service_level + abandoned_by_t,
        occupancy=lam * p_answered / serve if serve > 0 else 0.0,
    )


def erlang_a_agents(
    arrival_rate_per_hour: float,
    aht_s: float,
    patience_s: float,
    *,
    target_sl: float,
    sl_threshold_s: float = 20.0,
    max_agents: int = 100_000,
) -> int:
    """Fewest agents whose Erlang A service level (answered within T / offered) meets target."""
    if not 0.0 < target_sl < 1.0:
        raise ValueError("target_sl must lie strictly between 0 and 1")
    load = arrival_rate_per_hour / 3600.0 * aht_s
    n = max(0, math.floor(load * 0.5))
    while n <= max_agents:
        result = erlang_a(n, arrival_rate_per_hour, aht_s, patience_s, sl_threshold_s)
        if result.service_level >= target_sl:
            # The loop may have started above the answer for light loads: step back.
            while n > 0:
                prev = erlang_a(n - 1, arrival_rate_per_hour, aht_s, patience_s, sl_threshold_s)
                if prev.service_level < target_sl:
                    break
                n -= 1
            return n
        n += 1
    raise ValueError("target not reachable within max_agents")
