"""Staffing by simulation: the fewest agents whose simulated service level meets a target (R-X-2).

Every agent count is simulated with the same seed, so the counts see the same arrivals and
handle times (common random numbers) and the search compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass

from guichet.sim.run import simulate
from guichet.sim.scenario import single_queue


@dataclass(frozen=True, slots=True)
class SimulatedStaffing:
    """The agent count found, its simulated service level, and that of one agent fewer."""

    agents: int
    service_level: float
    service_level_below: float | None


def simulated_agents(
    *,
    arrival_rate_per_hour: float,
    aht_s: float,
    patience_s: float | None,
    target_sl: float,
    sl_threshold_s: float,
    start: int,
    hours: float,
    replications: int,
    seed: int,
    max_agents: int = 100_000,
) -> SimulatedStaffing:
    """Search from `start` (an Erlang answer) for the fewest agents meeting `target_sl`."""
    levels: dict[int, float] = {}

    def level(n: int) -> float:
        if n not in levels:
            scenario = single_queue(
                agents=n,
                arrival_rate_per_hour=arrival_rate_per_hour,
                aht_s=aht_s,
                patience_s=patience_s,
                hours=hours,
                warmup_hours=min(hours * 0.05, 2.0),
                sl_threshold_s=sl_threshold_s,
            )
            report = simulate(scenario, seed=seed, replications=replications)
            levels[n] = report.overall["service_level"].mean
        return levels[n]

    n = max(1, start)
    if level(n) >= target_sl:
        while n > 1 and level(n - 1) >= target_sl:
            n -= 1
    else:
        while level(n) < target_sl:
            n += 1
            if n > max_agents:
                raise ValueError("target not reachable within max_agents")
    below = levels.get(n - 1) if n > 1 else None
    if below is None and n > 1:
        below = level(n - 1)
    return SimulatedStaffing(n, levels[n], below)
