"""Discrete-event simulator and staffing calculators (R-X-1, R-X-2); see docs/simulation.md.

Drives the real routing engine (`guichet.routing`) on a simulated clock with seeded
traffic; no I/O. Entry points: `simulate` (replications and 99% intervals),
`run_replication` (one run), `single_queue` / `parse_scenario` (scenarios), and the
calculators of `guichet.sim.erlang`.
"""

from guichet.sim.erlang import (
    ErlangA,
    ErlangC,
    erlang_a,
    erlang_a_agents,
    erlang_c,
    erlang_c_agents,
    rw6_slots,
    square_root_staffing,
)
from guichet.sim.run import SimulationReport, report_dict, simulate, single_queue_predictions
from guichet.sim.scenario import Scenario, ScenarioError, parse_scenario, single_queue
from guichet.sim.simulator import RunResult, SimulationError, run_replication

__all__ = [
    "ErlangA",
    "ErlangC",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "SimulationReport",
    "erlang_a",
    "erlang_a_agents",
    "erlang_c",
    "erlang_c_agents",
    "parse_scenario",
    "report_dict",
    "run_replication",
    "rw6_slots",
    "simulate",
    "single_queue",
    "single_queue_predictions",
    "square_root_staffing",
]
