"""The simulator against queueing theory, through the real routing engine (R-X-1, R-X-2).

Fast versions of the validation: sized to run in a couple of seconds, yet a model whose
P(wait) were 10% off would fall outside the 99% intervals. The long runs at 0.5-0.95
occupancy are in test_sim_validation.py (marked slow).
"""

from __future__ import annotations

import json

import pytest

import guichet.routing
from guichet.sim import simulator
from guichet.sim.erlang import erlang_a, erlang_c
from guichet.sim.run import SimulationReport, report_dict, simulate, single_queue_predictions
from guichet.sim.scenario import single_queue


def test_r_x_1_simulator_drives_the_real_routing_engine() -> None:
    """The simulator imports the engine the server uses, not a copy of its logic."""
    assert simulator.RoutingEngine is guichet.routing.RoutingEngine


@pytest.fixture(scope="module")
def mmc_80() -> SimulationReport:
    """M/M/10 at 0.8 occupancy, 10 replications of 120 hours (about 115,000 calls)."""
    scenario = single_queue(
        agents=10, arrival_rate_per_hour=96, aht_s=300, hours=120, warmup_hours=2
    )
    return simulate(scenario, seed=11, replications=10)


def test_r_x_1_mmc_agrees_with_erlang_c_at_80_percent(mmc_80: SimulationReport) -> None:
    """M/M/10 at 0.8 occupancy: P(wait), ASA and SL(20 s) inside the 99% intervals."""
    ref = erlang_c(10, 96, 300, 20)
    p_wait = mmc_80.overall["p_wait"]
    assert p_wait.contains(ref.p_wait)
    assert (p_wait.high - p_wait.low) / 2 < 0.08 * ref.p_wait  # sharp enough to catch 10%
    assert mmc_80.overall["asa_s"].contains(ref.asa_s)
    assert mmc_80.overall["service_level"].contains(ref.service_level)
    assert mmc_80.overall["occupancy"].mean == pytest.approx(0.8, abs=0.01)
    assert mmc_80.overall["aht_s"].mean == pytest.approx(300, rel=0.02)
    assert mmc_80.overall["abandoned"].mean == 0


def test_r_x_1_wrong_model_would_be_caught(mmc_80: SimulationReport) -> None:
    """The same run rejects a P(wait) 10% away from Erlang C (the test has power)."""
    p_wait = mmc_80.overall["p_wait"]
    ref = erlang_c(10, 96, 300, 20).p_wait
    assert not p_wait.contains(ref * 1.1)
    assert not p_wait.contains(ref * 0.9)


def test_r_x_1_abandonment_agrees_with_erlang_a() -> None:
    """Exponential patience (120 s): P(wait), abandonment, ASA, SL against Erlang A."""
    scenario = single_queue(
        agents=10, arrival_rate_per_hour=100, aht_s=300, patience_s=120, hours=100, warmup_hours=2
    )
    report = simulate(scenario, seed=5, replications=8)
    ref = erlang_a(10, 100, 300, 120, 20)
    for key in ("p_wait", "abandon_rate", "asa_s", "avg_wait_s", "service_level", "occupancy"):
        assert report.overall[key].contains(getattr(ref, key)), key
    for key in ("service_level_of_answered", "service_level_with_abandons"):
        assert report.overall[key].contains(getattr(ref, key)), key
    offered = report.overall["offered"].mean
    handled = report.overall["handled"].mean
    assert handled + report.overall["abandoned"].mean == pytest.approx(offered)


def test_r_x_1_same_seed_gives_byte_identical_json() -> None:
    """Determinism: the same seed gives the same JSON, byte for byte; another seed differs."""

    def run(seed: int) -> str:
        scenario = single_queue(
            agents=4, arrival_rate_per_hour=40, aht_s=300, patience_s=90, hours=20
        )
        report = simulate(scenario, seed=seed, replications=3)
        erlang = single_queue_predictions(
            agents=4, arrival_rate_per_hour=40, aht_s=300, patience_s=90, sl_threshold_s=20
        )
        return json.dumps(report_dict(report, erlang))

    first = run(3)
    assert run(3) == first
    assert run(4) != first


def test_r_x_1_json_report_shape() -> None:
    """Plain numbers for the means, [low, high] pairs under ci99, per-queue blocks."""
    scenario = single_queue(agents=3, arrival_rate_per_hour=20, aht_s=300, hours=10)
    data = report_dict(simulate(scenario, seed=1, replications=2))
    for key in (
        "offered",
        "handled",
        "abandoned",
        "p_wait",
        "asa_s",
        "avg_wait_s",
        "p90_wait_s",
        "service_level",
        "abandon_rate",
        "aht_s",
        "occupancy",
    ):
        assert isinstance(data[key], float), key
        low, high = data["ci99"][key]
        assert low <= data[key] <= high
    assert set(data["queues"]) == {"q1"}
    assert data["replications"] == 2
    assert "erlang" not in data


def test_r_x_2_erlang_predictions_only_where_they_apply() -> None:
    """Erlang C is not applied to an overloaded queue; Erlang A always applies."""
    over = single_queue_predictions(
        agents=5, arrival_rate_per_hour=100, aht_s=300, patience_s=None, sl_threshold_s=20
    )
    assert over == {"model": "erlang_c", "applies": False}
    with_patience = single_queue_predictions(
        agents=5, arrival_rate_per_hour=100, aht_s=300, patience_s=60, sl_threshold_s=20
    )
    assert with_patience["model"] == "erlang_a"
    assert 0 < with_patience["abandon_rate"] < 1


def test_r_x_1_progress_reaches_the_end() -> None:
    """The progress callback is told about each replication and ends at 1."""
    seen: list[tuple[int, float]] = []
    scenario = single_queue(agents=10, arrival_rate_per_hour=300, aht_s=100, hours=20)
    simulate(scenario, seed=1, replications=2, progress=lambda k, f: seen.append((k, f)))
    assert seen[-1] == (1, 1.0)
    assert any(k == 0 and 0 < f < 1 for k, f in seen)
    assert all(0 <= f <= 1 for _, f in seen)
