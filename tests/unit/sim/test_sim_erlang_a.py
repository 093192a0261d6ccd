"""Erlang A (M/M/n+M) calculator, checked by a second, independent method (R-X-2).

The calculator uses the Beta / negative-binomial closed form of the wait distribution
(as in Mandelbaum and Zeltyn, "The Palm/Erlang-A queue, with applications to call centers",
2007). The tests rebuild the same measures differently: the birth-death chain by
plain products, mean queue lengths with Little's law, and the tagged arrival's wait law by
uniformization of its Markov chain (no Beta functions involved).
"""

from __future__ import annotations

import math

import pytest

from guichet.sim.erlang import erlang_a, erlang_a_agents, erlang_c


def _chain(n: int, lam: float, mu: float, theta: float, depth: int = 400) -> list[float]:
    """Stationary law of the number in system, by products of birth/death ratios."""
    weights = [1.0]
    for k in range(1, n + depth):
        death = min(k, n) * mu + max(k - n, 0) * theta
        weights.append(weights[-1] * lam / death)
    total = math.fsum(weights)
    return [w / total for w in weights]


def _tagged(
    n: int, lam: float, mu: float, theta: float, t: float, depth: int = 400
) -> tuple[float, float]:
    """P(answered within t) and P(abandoned within t) by uniformizing the tagged arrival.

    Stage m = customers ahead + 1; it advances at rate nμ + (m-1)θ and abandons at rate θ.
    """
    probs = _chain(n, lam, mu, theta, depth)
    stages = [0.0] + [probs[n + m - 1] for m in range(1, depth)]
    rate = n * mu + depth * theta
    served = abandoned = 0.0
    steps = int(rate * t + 12 * math.sqrt(rate * t) + 40)
    poisson = math.exp(-rate * t)
    acc_served = acc_aband = 0.0
    for k in range(steps + 1):
        acc_served += poisson * served
        acc_aband += poisson * abandoned
        nxt = [0.0] * len(stages)
        served += stages[1] * n * mu / rate
        for m in range(1, len(stages)):
            v = stages[m]
            if v == 0.0:
                continue
            adv = n * mu + (m - 1) * theta
            abandoned += v * theta / rate
            nxt[m] += v * (1.0 - (adv + theta) / rate)
            if m > 1:
                nxt[m - 1] += v * adv / rate
        stages = nxt
        poisson *= rate * t / (k + 1)
    return acc_served, acc_aband


CASES = [
    (10, 100.0, 300.0, 120.0, 20.0),
    (10, 130.0, 300.0, 60.0, 30.0),
    (25, 280.0, 240.0, 180.0, 20.0),
    (4, 60.0, 180.0, 45.0, 10.0),
]


@pytest.mark.parametrize(("n", "rate", "aht", "patience", "t"), CASES)
def test_r_x_2_erlang_a_state_measures_match_chain(
    n: int, rate: float, aht: float, patience: float, t: float
) -> None:
    """P(wait), abandonment and mean time in queue from the explicit birth-death chain."""
    lam, mu, theta = rate / 3600, 1 / aht, 1 / patience
    probs = _chain(n, lam, mu, theta)
    p_wait = math.fsum(probs[n:])
    queue = math.fsum((k - n) * p for k, p in enumerate(probs) if k > n)
    result = erlang_a(n, rate, aht, patience, t)
    assert result.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert result.abandon_rate == pytest.approx(theta * queue / lam, rel=1e-9)
    assert result.avg_wait_s == pytest.approx(queue / lam, rel=1e-9)  # Little's law
    busy = math.fsum(min(k, n) * p for k, p in enumerate(probs))
    assert result.occupancy == pytest.approx(busy / n, rel=1e-9)


@pytest.mark.parametrize(("n", "rate", "aht", "patience", "t"), CASES)
def test_r_x_2_erlang_a_service_levels_match_uniformization(
    n: int, rate: float, aht: float, patience: float, t: float
) -> None:
    """The three R-AN-1 service levels agree with the uniformized tagged chain."""
    lam, mu, theta = rate / 3600, 1 / aht, 1 / patience
    served_by_t, aband_by_t = _tagged(n, lam, mu, theta, t)
    result = erlang_a(n, rate, aht, patience, t)
    no_wait = 1 - result.p_wait
    answered = 1 - result.abandon_rate
    assert result.service_level == pytest.approx(no_wait + served_by_t, rel=1e-7)
    assert result.service_level_of_answered == pytest.approx(
        (no_wait + served_by_t) / answered, rel=1e-7
    )
    assert result.service_level_with_abandons == pytest.approx(
        no_wait + served_by_t + aband_by_t, rel=1e-7
    )


def test_r_x_2_erlang_a_tends_to_erlang_c_with_infinite_patience() -> None:
    """Patient callers: Erlang A gives back Erlang C's worked case (0.488, 87.8 s, 0.564)."""
    a = erlang_a(10, 100, 300, 1e9, 20)
    c = erlang_c(10, 100, 300, 20)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert a.asa_s == pytest.approx(c.asa_s, rel=1e-5)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert a.abandon_rate < 1e-6


def test_r_x_2_erlang_a_overload_and_no_agents() -> None:
    """Overloaded queues stay finite; with no agent everybody abandons."""
    big = erlang_a(1000, 1000 * 1.2 * 12, 300, 60, 20)
    assert big.p_wait > 0.99
    assert big.abandon_rate == pytest.approx(1 - 1 / 1.2, rel=0.01)
    none = erlang_a(0, 100, 300, 60, 20)
    assert (none.p_wait, none.abandon_rate, none.service_level) == (1.0, 1.0, 0.0)
    assert none.service_level_with_abandons == pytest.approx(1 - math.exp(-20 / 60))


def test_r_x_2_erlang_a_stable_for_hundreds_of_agents() -> None:
    """500 agents near full load: finite, and abandonment lowers P(wait) below Erlang C."""
    a = erlang_a(500, 500 * 0.98 * 12, 300, 120, 20)
    c = erlang_c(500, 500 * 0.98 * 12, 300, 20)
    assert 0 < a.p_wait < c.p_wait < 1
    assert math.isfinite(a.asa_s) and a.asa_s < c.asa_s


def test_r_x_2_erlang_a_agents_for_target() -> None:
    """Smallest agent count reaching 80/20; abandonment means no more agents than Erlang C."""
    n = erlang_a_agents(100, 300, 120, target_sl=0.8, sl_threshold_s=20)
    assert erlang_a(n, 100, 300, 120, 20).service_level >= 0.8
    assert erlang_a(n - 1, 100, 300, 120, 20).service_level < 0.8
    assert n <= 12
