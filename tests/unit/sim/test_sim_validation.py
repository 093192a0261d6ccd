"""Long validation runs: the simulator against Erlang C at 0.5-0.95 occupancy and Erlang A.

Marked slow (about three minutes of one core in all): `pytest -m slow tests/unit/sim`.
Each case runs 10 independent replications through the real routing engine (FIFO,
exponential service, longest idle). The checks, for every load: the Erlang value lies in
the simulation's 99% interval, and the mean is within 3% of it. Set
GUICHET_SIM_VALIDATION_SCALE (default 1) to lengthen every run by that factor.
The figures these runs produce are the validation table of docs/simulation.md.
"""

from __future__ import annotations

import os

import pytest

from guichet.sim.erlang import erlang_a, erlang_c
from guichet.sim.measures import Estimate
from guichet.sim.run import SimulationReport, simulate
from guichet.sim.scenario import single_queue

pytestmark = pytest.mark.slow

SCALE = float(os.environ.get("GUICHET_SIM_VALIDATION_SCALE", "1"))
AHT = 300.0
REPLICATIONS = 10

# occupancy -> (agents, hours per replication); n = 2 at 0.5 so that waiting is common.
# Heavier loads decorrelate more slowly and get longer runs.
LOADS = {
    0.5: (2, 4000.0),
    0.8: (10, 2500.0),
    0.9: (10, 3200.0),
    0.95: (10, 4000.0),
}


def _relative(estimate: Estimate, reference: float) -> float:
    return abs(estimate.mean - reference) / reference


def _run(agents: int, rate: float, hours: float, patience: float | None = None) -> SimulationReport:
    scenario = single_queue(
        agents=agents,
        arrival_rate_per_hour=rate,
        aht_s=AHT,
        patience_s=patience,
        hours=hours * SCALE,
        warmup_hours=20.0,
    )
    return simulate(scenario, seed=2026, replications=REPLICATIONS)


@pytest.mark.parametrize("occupancy", sorted(LOADS))
def test_r_x_1_mmc_against_erlang_c(occupancy: float) -> None:
    """P(wait) and ASA: Erlang C inside the 99% interval and within 3% of the mean."""
    agents, hours = LOADS[occupancy]
    rate = occupancy * agents * 3600.0 / AHT
    report = _run(agents, rate, hours)
    ref = erlang_c(agents, rate, AHT, 20.0)
    p_wait, asa = report.overall["p_wait"], report.overall["asa_s"]
    print(
        f"\noccupancy {occupancy}: n={agents} arrivals={report.interactions} "
        f"p_wait {p_wait.mean:.4f} [{p_wait.low:.4f}, {p_wait.high:.4f}] vs {ref.p_wait:.4f}; "
        f"asa {asa.mean:.2f} [{asa.low:.2f}, {asa.high:.2f}] vs {ref.asa_s:.2f}"
    )
    assert p_wait.contains(ref.p_wait)
    assert asa.contains(ref.asa_s)
    assert _relative(p_wait, ref.p_wait) < 0.03
    assert _relative(asa, ref.asa_s) < 0.03
    assert report.overall["service_level"].contains(ref.service_level)
    assert report.overall["occupancy"].mean == pytest.approx(occupancy, abs=0.005)


def test_r_x_1_mmc_with_patience_against_erlang_a() -> None:
    """Offered load equal to the agents (1.0) with 120 s patience: Erlang A everywhere."""
    report = _run(10, 120.0, 1500.0, patience=120.0)
    ref = erlang_a(10, 120.0, AHT, 120.0, 20.0)
    for key in ("p_wait", "abandon_rate", "asa_s", "avg_wait_s", "service_level"):
        est = report.overall[key]
        expected = getattr(ref, key)
        print(f"\n{key}: {est.mean:.4f} [{est.low:.4f}, {est.high:.4f}] vs {expected:.4f}")
        assert est.contains(expected), key
        assert _relative(est, expected) < 0.03, key
