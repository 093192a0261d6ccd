"""Independent replications of a scenario, their summary and the JSON report (R-X-1).

Replication k of seed s draws every random number from streams named after (s, k), so the
same seed gives the same report, byte for byte, and replications are independent.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from guichet.sim.erlang import erlang_a, erlang_c
from guichet.sim.measures import MEASURE_KEYS, Estimate, summarize
from guichet.sim.scenario import Scenario
from guichet.sim.simulator import RunResult, run_replication

#: progress(replication index, fraction of that replication done)
Progress = Callable[[int, float], None]


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """Every replication and the 99% intervals of their measures, overall and per queue."""

    scenario: Scenario
    seed: int
    runs: tuple[RunResult, ...]
    overall: dict[str, Estimate]
    queues: dict[str, dict[str, Estimate]]

    @property
    def interactions(self) -> int:
        """Interactions simulated over all replications (warm-up and drain included)."""
        return sum(r.interactions for r in self.runs)


def simulate(
    scenario: Scenario,
    *,
    seed: int,
    replications: int,
    trace: bool = False,
    progress: Progress | None = None,
) -> SimulationReport:
    """Run `replications` independent replications; trace only the first one (R-X-1)."""
    if replications < 1:
        raise ValueError("replications must be at least 1")
    runs = []
    for k in range(replications):
        callback = None if progress is None else _bind(progress, k)
        runs.append(
            run_replication(
                scenario, seed=seed, replication=k, trace=trace and k == 0, progress=callback
            )
        )
    queues = {q.id: summarize([r.queues[q.id] for r in runs]) for q in scenario.queues}
    return SimulationReport(
        scenario=scenario,
        seed=seed,
        runs=tuple(runs),
        overall=summarize([r.overall for r in runs]),
        queues=queues,
    )


def _bind(progress: Progress, k: int) -> Callable[[float], None]:
    return lambda fraction: progress(k, fraction)


def single_queue_predictions(
    *,
    agents: int,
    arrival_rate_per_hour: float,
    aht_s: float,
    patience_s: float | None,
    sl_threshold_s: float,
) -> dict[str, Any]:
    """Erlang C (or Erlang A with patience) predictions for the single-queue case (R-X-2).

    Erlang C does not apply to an overloaded queue (load >= agents): only the model name
    and `applies: false` come back then.
    """
    if patience_s:
        a = erlang_a(agents, arrival_rate_per_hour, aht_s, patience_s, sl_threshold_s)
        return {"model": "erlang_a", "applies": True, **a.as_dict()}
    c = erlang_c(agents, arrival_rate_per_hour, aht_s, sl_threshold_s)
    if not math.isfinite(c.asa_s):
        return {"model": "erlang_c", "applies": False}
    return {"model": "erlang_c", "applies": True, **c.as_dict()}


def _block(estimates: dict[str, Estimate]) -> dict[str, Any]:
    out: dict[str, Any] = {key: estimates[key].mean for key in MEASURE_KEYS if key in estimates}
    out["ci99"] = {
        key: [estimates[key].low, estimates[key].high] for key in MEASURE_KEYS if key in estimates
    }
    return out


def report_dict(report: SimulationReport, erlang: dict[str, Any] | None = None) -> dict[str, Any]:
    """JSON-ready report: overall means at top level, `ci99`, `queues`, optional `erlang`."""
    scenario = report.scenario
    out: dict[str, Any] = {
        "seed": report.seed,
        "replications": len(report.runs),
        "hours": scenario.duration_s / 3600.0,
        "warmup_hours": scenario.warmup_s / 3600.0,
        "sl_threshold_s": scenario.sl_threshold_s,
        "interactions": report.interactions,
    }
    out.update(_block(report.overall))
    out["queues"] = {qid: _block(est) for qid, est in report.queues.items()}
    if erlang is not None:
        out["erlang"] = erlang
    return out
