"""Measures and replication statistics of the simulator (R-AN-1, R-X-1)."""

from __future__ import annotations

import math
from random import Random

import pytest

from guichet.sim.measures import (
    MEASURE_KEYS,
    QueueTally,
    controlled_estimate,
    estimate,
    percentile,
    summarize,
    t_quantile_995,
)


def test_r_x_1_t_quantiles_table_and_expansion() -> None:
    """Table values for small df; the expansion joins the table and tends to the normal."""
    assert t_quantile_995(4) == pytest.approx(4.604)
    assert t_quantile_995(30) == pytest.approx(2.750)
    assert t_quantile_995(31) == pytest.approx(2.744, abs=2e-3)
    assert t_quantile_995(120) == pytest.approx(2.617, abs=2e-3)
    assert t_quantile_995(100_000) == pytest.approx(2.5758, abs=1e-3)
    with pytest.raises(ValueError):
        t_quantile_995(0)


def test_r_x_1_confidence_interval_covers_the_mean() -> None:
    """A 99% interval of normal samples covers the true mean about 99 times in 100."""
    rng = Random(2)
    covered = 0
    for _ in range(1000):
        values = [rng.gauss(10.0, 2.0) for _ in range(5)]
        covered += estimate(values).contains(10.0)
    assert 975 <= covered <= 1000
    single = estimate([3.0])
    assert (single.low, single.mean, single.high) == (3.0, 3.0, 3.0)


def test_r_x_1_percentile_interpolates() -> None:
    """p90 of 0..10 is 9; an empty list gives 0."""
    assert percentile([float(x) for x in range(11)], 0.9) == pytest.approx(9.0)
    assert percentile([1.0, 2.0], 0.5) == pytest.approx(1.5)
    assert percentile([], 0.9) == 0.0


def test_r_an_1_tally_definitions() -> None:
    """Offered/handled/abandoned, ASA over the answered, SL variants, abandon rate."""
    tally = QueueTally()
    tally.offered = 10
    tally.answered = 8
    tally.abandoned = 2
    tally.waited = 5
    tally.answered_within = 6
    tally.abandoned_within = 1
    tally.wait_answered_sum = 80.0
    tally.wait_all_sum = 120.0
    tally.handle_sum = 2400.0
    tally.waits.extend(float(x) for x in range(10))
    m = tally.measures(0.75)
    assert set(m) == set(MEASURE_KEYS)
    assert m["p_wait"] == 0.5
    assert m["asa_s"] == 10.0
    assert m["avg_wait_s"] == 12.0
    assert m["service_level"] == 0.6
    assert m["service_level_of_answered"] == 0.75
    assert m["service_level_with_abandons"] == 0.7
    assert m["abandon_rate"] == 0.2
    assert m["aht_s"] == 300.0
    assert m["occupancy"] == 0.75
    assert m["p90_wait_s"] == pytest.approx(8.1)


def test_r_x_1_summarize_over_replications() -> None:
    """Every key gets a mean and an interval containing it."""
    reps = []
    for k in range(4):
        tally = QueueTally()
        tally.offered = 100 + k
        tally.answered = 100 + k
        reps.append(tally.measures(0.5))
    summary = summarize(reps)
    assert summary["offered"].mean == pytest.approx(101.5)
    assert summary["offered"].low < 101.5 < summary["offered"].high
    assert summary["occupancy"].low == summary["occupancy"].high == 0.5
    assert all(math.isfinite(e.mean) for e in summary.values())


def test_r_x_1_control_variate_tightens_the_interval() -> None:
    """A value driven by a control with a known mean: the corrected interval is tighter."""
    rng = Random(4)
    controls = [rng.gauss(100.0, 5.0) for _ in range(20)]
    values = [3.0 * x + rng.gauss(0.0, 1.0) for x in controls]
    plain = estimate(values)
    corrected = controlled_estimate(values, controls, 100.0)
    assert corrected.contains(300.0)
    assert (corrected.high - corrected.low) < (plain.high - plain.low) / 5
    with pytest.raises(ValueError):
        controlled_estimate([1.0, 2.0], [1.0, 2.0], 1.5)


def test_intervals_stay_within_possible_values() -> None:
    """Few, spread replications must not give a negative wait or a fraction above 1."""
    reps = [
        dict.fromkeys(MEASURE_KEYS, 0.0),
        {**dict.fromkeys(MEASURE_KEYS, 100.0), "p_wait": 0.99, "occupancy": 0.99},
    ]
    out = summarize(reps)
    assert all(est.low >= 0.0 for est in out.values())
    assert out["p_wait"].high <= 1.0 and out["occupancy"].high <= 1.0
    assert out["asa_s"].high > 100.0  # only the impossible side is cut
