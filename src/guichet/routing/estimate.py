"""Estimated wait time and queue position for callers and visitors (R-X-6).

Formula (docs/targeting.md). With `p` the 1-based position, `I` idle agents of the queue and
`N` agents serving it, the first `I` waiting contacts are taken at once; the others wait for
`k = p - I` agents to free up. Busy agents free up at a rate `N / AHT` (each finishes on
average every AHT seconds, so `k` completions take `k x AHT / N`). When answers were counted
recently, the observed answer rate `r` (answers per second over the window) is blended in,
weighted by how many answers back it (full weight from 20): rate = w r + (1 - w) N / AHT.
The estimate is `k / rate`, never negative. O(1).
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import NamedTuple

#: Handle time assumed when none was measured yet (seconds).
DEFAULT_AHT_S = 180.0
#: Samples (answers, handle times) from which an input is fully trusted.
FULL_SAMPLES = 20
#: Fewer samples than this make the input thin.
THIN_SAMPLES = 5


class Confidence(StrEnum):
    """How much the estimate can be trusted (R-X-6)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


class WaitEstimate(NamedTuple):
    """Position (1 = next) and estimated wait in seconds; None when nobody serves the queue."""

    position: int
    wait_s: float | None
    confidence: Confidence
    #: Which data the number came from: `agent_free`, `handle_time`, `blended`, `no_agents`.
    basis: str


def estimate_wait(
    *,
    ahead: int,
    serving_agents: int,
    idle_agents: int = 0,
    aht_s: float | None = None,
    aht_samples: int = 0,
    answered_recent: int = 0,
    window_s: float = 900.0,
    default_aht_s: float = DEFAULT_AHT_S,
) -> WaitEstimate:
    """Estimated wait of a contact with `ahead` others before it in the queue (R-X-6)."""
    position = max(0, ahead) + 1
    if serving_agents <= 0:
        return WaitEstimate(position, None, Confidence.NONE, "no_agents")
    still_waiting = position - max(0, min(idle_agents, serving_agents))
    if still_waiting <= 0:
        return WaitEstimate(position, 0.0, Confidence.HIGH, "agent_free")
    measured_aht = aht_s is not None and math.isfinite(aht_s) and aht_s > 0
    aht = aht_s if measured_aht and aht_s is not None else default_aht_s
    rate = serving_agents / aht
    basis = "handle_time"
    answers = max(0, answered_recent)
    if answers and window_s > 0:
        weight = min(1.0, answers / FULL_SAMPLES)
        rate = weight * (answers / window_s) + (1.0 - weight) * rate
        basis = "blended"
    wait = max(0.0, still_waiting / rate)
    return WaitEstimate(position, wait, _confidence(measured_aht, aht_samples, answers), basis)


def _confidence(measured_aht: bool, aht_samples: int, answers: int) -> Confidence:
    aht_n = aht_samples if measured_aht else 0
    if aht_n >= FULL_SAMPLES and answers >= FULL_SAMPLES:
        return Confidence.HIGH
    if max(aht_n, answers) < THIN_SAMPLES:
        return Confidence.LOW
    return Confidence.MEDIUM


def announce_minutes(estimate: WaitEstimate) -> int | None:
    """Whole minutes to announce, rounded up (at least 1 when waiting); None if unknown."""
    if estimate.wait_s is None:
        return None
    if estimate.wait_s <= 0:
        return 0
    return max(1, math.ceil(estimate.wait_s / 60.0))
