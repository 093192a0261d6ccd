"""Traffic models of the simulator: seeded arrivals and durations (R-X-1)."""

from __future__ import annotations

import itertools
import math
import statistics
from random import Random

import pytest

from guichet.sim.traffic import (
    Constant,
    Empirical,
    Exponential,
    LogNormal,
    PoissonArrivals,
    RecordedArrivals,
)


def test_r_x_1_exponential_mean_and_seeded_repeatability() -> None:
    """Exponential draws have the requested mean; the same seed repeats them exactly."""
    draw = Exponential(300.0).sampler(Random(7))
    values = [draw() for _ in range(40_000)]
    assert statistics.fmean(values) == pytest.approx(300.0, rel=0.03)
    # Coefficient of variation of an exponential is 1.
    assert statistics.pstdev(values) / statistics.fmean(values) == pytest.approx(1.0, rel=0.05)
    again = Exponential(300.0).sampler(Random(7))
    assert [again() for _ in range(100)] == values[:100]


def test_r_x_1_lognormal_matches_mean_and_sd() -> None:
    """Log-normal parameters are chosen so the draws have the given mean and sd."""
    draw = LogNormal(240.0, 120.0).sampler(Random(3))
    values = [draw() for _ in range(60_000)]
    assert statistics.fmean(values) == pytest.approx(240.0, rel=0.03)
    assert statistics.pstdev(values) == pytest.approx(120.0, rel=0.06)
    assert min(values) > 0


def test_r_x_1_empirical_and_constant() -> None:
    """Empirical resamples recorded values only; constant never varies."""
    recorded = (30.0, 60.0, 600.0)
    draw = Empirical(recorded).sampler(Random(1))
    seen = {draw() for _ in range(300)}
    assert seen == set(recorded)
    assert Empirical(recorded).mean_s == pytest.approx(230.0)
    assert Constant(15.0).sampler(Random(1))() == 15.0
    with pytest.raises(ValueError):
        Empirical(())


def test_r_x_1_poisson_rate_and_exponential_gaps() -> None:
    """A homogeneous Poisson stream has the right count and exponential gaps."""
    times = list(PoissonArrivals((120.0,)).times(Random(5), 500 * 3600.0))
    assert len(times) == pytest.approx(60_000, rel=0.02)
    assert times == sorted(times)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert statistics.fmean(gaps) == pytest.approx(30.0, rel=0.02)
    # P(gap > mean) = exp(-1) for exponential gaps (a uniform spacing would give 0).
    assert sum(g > 30.0 for g in gaps) / len(gaps) == pytest.approx(math.exp(-1), abs=0.01)


def test_r_x_1_poisson_rate_per_interval_repeats() -> None:
    """Rates per interval apply in turn and the profile repeats."""
    process = PoissonArrivals((0.0, 600.0), interval_s=1800.0)
    times = list(process.times(Random(11), 4 * 3600.0))
    quiet = [t for t in times if (t // 1800) % 2 == 0]
    busy = [t for t in times if (t // 1800) % 2 == 1]
    assert quiet == []
    assert len(busy) == pytest.approx(4 * 300, rel=0.15)
    assert process.mean_rate_per_hour(4 * 3600.0) == pytest.approx(300.0)
    assert process.mean_rate_per_hour(2700.0) == pytest.approx(600 * 900 / 2700)


def test_r_x_1_recorded_arrivals_replay_in_order() -> None:
    """A recorded log is replayed sorted and cut at the end of the run."""
    process = RecordedArrivals((50.0, 10.0, 30.0, 7200.0))
    assert list(process.times(Random(0), 3600.0)) == [10.0, 30.0, 50.0]
    assert process.mean_rate_per_hour(3600.0) == pytest.approx(3.0)
