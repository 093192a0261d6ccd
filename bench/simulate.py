"""Simulator speed through the real routing engine, with a bare M/M/c loop as the baseline.

Prints one JSON object:
{"single_queue": {"interactions_per_s": ..., ...},
 "large_day": {"agents": 1000, "interactions": ..., "seconds": ...},
 "baseline": {"bare_mmc_interactions_per_s": ...}}

Rates are per second of one core (process CPU time, best of `--repeat` runs), so other work
on the machine does not distort them; wall-clock seconds are reported alongside.
Run: `.venv/bin/python bench/simulate.py [--json]` (about half a minute; `make bench` runs it).
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import time
from collections import deque
from random import Random
from typing import Any

from guichet.sim.scenario import single_queue
from guichet.sim.simulator import RunResult, run_replication


def _timed(fn: Any, repeat: int) -> tuple[Any, float, float]:
    """Best CPU and wall seconds of `repeat` calls, and the last result."""
    best_cpu = best_wall = math.inf
    result = None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        result = fn()
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    return result, best_cpu, best_wall


def bare_mmc(agents: int, rate_per_s: float, aht_s: float, count: int, seed: int) -> int:
    """The baseline: an M/M/c FIFO loop with one event heap and nothing else."""
    rng = Random(seed)
    log, uniform = math.log, rng.random
    heap: list[tuple[float, int]] = []
    waiting: deque[float] = deque()
    free = agents
    t = 0.0
    answered = 0
    next_arrival = -log(1.0 - uniform()) / rate_per_s
    arrived = 0
    while arrived < count or heap:
        if arrived < count and (not heap or next_arrival < heap[0][0]):
            t = next_arrival
            arrived += 1
            next_arrival = t - log(1.0 - uniform()) / rate_per_s
            if free:
                free -= 1
                answered += 1
                heapq.heappush(heap, (t - aht_s * log(1.0 - uniform()), 0))
            else:
                waiting.append(t)
        else:
            t, _ = heapq.heappop(heap)
            if waiting:
                waiting.popleft()
                answered += 1
                heapq.heappush(heap, (t - aht_s * log(1.0 - uniform()), 0))
            else:
                free += 1
    return answered


def build_parser() -> argparse.ArgumentParser:
    """The command line; ``--json`` is accepted like bench/routing.py's (`make bench`)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--json", action="store_true", help="print JSON only (the only output there is)"
    )
    return parser


def main() -> None:
    """Run the three measurements and print the JSON."""
    args = build_parser().parse_args()

    single = single_queue(agents=10, arrival_rate_per_hour=100, aht_s=300, hours=400)
    run, cpu, wall = _timed(lambda: run_replication(single, seed=1), args.repeat)
    assert isinstance(run, RunResult)
    count = run.interactions

    _, base_cpu, _ = _timed(lambda: bare_mmc(10, 100 / 3600, 300, count, 1), args.repeat)

    day = single_queue(agents=1000, arrival_rate_per_hour=0.9 * 1000 * 12, aht_s=300, hours=24)
    big, big_cpu, big_wall = _timed(lambda: run_replication(day, seed=1), 1)
    assert isinstance(big, RunResult)

    print(
        json.dumps(
            {
                "single_queue": {
                    "agents": 10,
                    "interactions": count,
                    "interactions_per_s": round(count / cpu),
                    "wall_interactions_per_s": round(count / wall),
                },
                "large_day": {
                    "agents": 1000,
                    "occupancy": round(big.overall["occupancy"], 4),
                    "interactions": big.interactions,
                    "seconds": round(big_cpu, 2),
                    "wall_seconds": round(big_wall, 2),
                },
                "baseline": {"bare_mmc_interactions_per_s": round(count / base_cpu)},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
