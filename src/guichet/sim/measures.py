"""Measures of one simulated run and their confidence intervals over replications (R-AN-1).

Definitions (the same as the analytics, see docs/simulation.md):
- offered: arrivals in the measured window; handled: those answered by an agent;
  abandoned: those who left while waiting. Every offered contact ends one way or the other
  (the run drains the queue after the window closes).
- p_wait: fraction of the offered who found no agent free (later abandons included).
- asa_s: mean wait of the answered; avg_wait_s / p90_wait_s: time in queue of every offered
  contact (an abandon counts its time until it left).
- service_level: answered within T / offered; service_level_of_answered: answered within T /
  answered; service_level_with_abandons: (answered + abandoned within T) / offered.
- aht_s: talk plus wrap-up of the handled; occupancy: time agents spent busy (handling or in
  wrap-up) / time they were staffed (logged in and not paused).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist

#: Keys every measure dictionary carries, in display order.
MEASURE_KEYS: tuple[str, ...] = (
    "offered",
    "handled",
    "abandoned",
    "p_wait",
    "asa_s",
    "avg_wait_s",
    "p90_wait_s",
    "service_level",
    "service_level_of_answered",
    "service_level_with_abandons",
    "abandon_rate",
    "aht_s",
    "occupancy",
    "max_queue_length",
)

#: Measures that are fractions; every measure is non-negative. Intervals are clipped to these
#: ranges: a t-interval from few replications can reach past them (a negative wait).
FRACTION_KEYS = frozenset(
    {
        "p_wait",
        "service_level",
        "service_level_of_answered",
        "service_level_with_abandons",
        "abandon_rate",
        "occupancy",
    }
)

# Two-sided 99% Student-t quantiles t(0.995, df) for df = 1..30 (standard tables).
_T995 = (
    63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169,
    3.106, 3.055, 3.012, 2.977, 2.947, 2.921, 2.898, 2.878, 2.861, 2.845,
    2.831, 2.819, 2.807, 2.797, 2.787, 2.779, 2.771, 2.763, 2.756, 2.750,
)  # fmt: skip


def t_quantile_995(df: int) -> float:
    """Upper 0.995 quantile of Student's t with `df` degrees of freedom (99% two-sided)."""
    if df < 1:
        raise ValueError("df must be at least 1")
    if df <= len(_T995):
        return _T995[df - 1]
    # Cornish-Fisher expansion around the normal quantile; < 1e-3 off beyond 30 df.
    z = NormalDist().inv_cdf(0.995)
    z3, z5 = z**3, z**5
    return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) of sorted values, linear between order statistics."""
    if not sorted_values:
        return 0.0
    pos = q * (len(sorted_values) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(sorted_values) - 1)
    frac = pos - low
    return sorted_values[low] * (1.0 - frac) + sorted_values[high] * frac


class QueueTally:
    """Running counters of one queue (or of all queues) during one replication."""

    __slots__ = (
        "abandoned",
        "abandoned_within",
        "answered",
        "answered_within",
        "handle_sum",
        "max_queue_length",
        "offered",
        "queue_length",
        "wait_all_sum",
        "wait_answered_sum",
        "waited",
        "waits",
        "work_offered",
    )

    def __init__(self) -> None:
        self.offered = 0
        self.answered = 0
        self.abandoned = 0
        self.waited = 0
        self.answered_within = 0
        self.abandoned_within = 0
        self.wait_answered_sum = 0.0
        self.wait_all_sum = 0.0
        self.handle_sum = 0.0
        #: Talk + wrap-up drawn for every offered contact (answered or not): the realized load.
        self.work_offered = 0.0
        self.queue_length = 0
        self.max_queue_length = 0
        #: Every time in queue, as packed doubles (8 bytes each, long runs stay small).
        self.waits = array("d")

    def measures(self, occupancy: float) -> dict[str, float]:
        """The R-AN-1 measures of this tally."""
        offered = self.offered
        answered = self.answered
        waits = sorted(self.waits)
        within = self.answered_within
        return {
            "offered": float(offered),
            "handled": float(answered),
            "abandoned": float(self.abandoned),
            "p_wait": _ratio(self.waited, offered),
            "asa_s": _ratio(self.wait_answered_sum, answered),
            "avg_wait_s": _ratio(self.wait_all_sum, offered),
            "p90_wait_s": percentile(waits, 0.9),
            "service_level": _ratio(within, offered),
            "service_level_of_answered": _ratio(within, answered),
            "service_level_with_abandons": _ratio(within + self.abandoned_within, offered),
            "abandon_rate": _ratio(self.abandoned, offered),
            "aht_s": _ratio(self.handle_sum, answered),
            "occupancy": occupancy,
            "max_queue_length": float(self.max_queue_length),
        }


def merge_tallies(tallies: Iterable[QueueTally]) -> QueueTally:
    """One tally for several queues: counts and sums added, waits pooled.

    `max_queue_length` is left at the largest single-queue value; the simulator replaces it
    with the largest number waiting in all queues at once.
    """
    total = QueueTally()
    for t in tallies:
        for name in _SUMMED:
            setattr(total, name, getattr(total, name) + getattr(t, name))
        total.waits.extend(t.waits)
        total.max_queue_length = max(total.max_queue_length, t.max_queue_length)
    return total


_SUMMED = (
    "offered",
    "answered",
    "abandoned",
    "waited",
    "answered_within",
    "abandoned_within",
    "wait_answered_sum",
    "wait_all_sum",
    "handle_sum",
    "work_offered",
    "queue_length",
)


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


@dataclass(frozen=True, slots=True)
class Estimate:
    """Mean over replications with a 99% Student-t confidence interval."""

    mean: float
    low: float
    high: float

    def contains(self, value: float) -> bool:
        """Whether `value` lies inside the interval."""
        return self.low <= value <= self.high


def estimate(values: Sequence[float]) -> Estimate:
    """Mean and 99% confidence interval of independent replication values."""
    if not values:
        raise ValueError("no values")
    k = len(values)
    mean = math.fsum(values) / k
    if k == 1:
        return Estimate(mean, mean, mean)
    var = math.fsum((v - mean) ** 2 for v in values) / (k - 1)
    half = t_quantile_995(k - 1) * math.sqrt(var / k)
    return Estimate(mean, mean - half, mean + half)


def controlled_estimate(
    values: Sequence[float], controls: Sequence[float], control_mean: float
) -> Estimate:
    """Control-variate estimate: values corrected by a control whose true mean is known.

    The realized offered load of each replication is the usual control (its expectation is
    the configured load): ``y - β·(x - E[x])`` with β fitted by least squares, and a 99%
    interval from the regression residuals with k - 2 degrees of freedom (needs k >= 3).
    """
    k = len(values)
    if k != len(controls) or k < 3:
        raise ValueError("need at least 3 paired values")
    my = math.fsum(values) / k
    mx = math.fsum(controls) / k
    sxx = math.fsum((x - mx) ** 2 for x in controls)
    if sxx == 0:
        return estimate(values)
    beta = math.fsum((x - mx) * (y - my) for x, y in zip(controls, values, strict=True)) / sxx
    mean = my - beta * (mx - control_mean)
    resid = math.fsum(
        (y - my - beta * (x - mx)) ** 2 for x, y in zip(controls, values, strict=True)
    )
    var = resid / (k - 2) * (1.0 / k + (mx - control_mean) ** 2 / sxx)
    half = t_quantile_995(k - 2) * math.sqrt(var)
    return Estimate(mean, mean - half, mean + half)


def clipped(est: Estimate, key: str) -> Estimate:
    """The interval cut to the measure's possible values (>= 0, and <= 1 for fractions)."""
    top = 1.0 if key in FRACTION_KEYS else math.inf
    return Estimate(est.mean, min(max(est.low, 0.0), top), min(max(est.high, 0.0), top))


def summarize(replications: Sequence[Mapping[str, float]]) -> dict[str, Estimate]:
    """Estimate every measure key across replications (intervals within possible values)."""
    keys = [key for key in MEASURE_KEYS if all(key in rep for rep in replications)]
    return {key: clipped(estimate([rep[key] for rep in replications]), key) for key in keys}
