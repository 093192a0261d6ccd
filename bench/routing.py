"""Routing engine benchmark: events/s, decisions/s, latency and memory at three sizes.

    python bench/routing.py --json

Drives the engine with a seeded mixed workload (arrivals with skills over queues of every
strategy but ring-all, offers accepted after a short delay, handle times, wrap-up timers,
abandons, agent pauses) and, in the same run, the straightforward baseline of
`bench/routing_baseline.py` on the same workload; prints JSON. Each size runs in its own
process so peak memory (max RSS) belongs to that size alone. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from guichet.domain.enums import AgentState, Channel, Strategy
from guichet.routing import (
    AgentConfig,
    AgentStateChanged,
    AssignInteraction,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    OfferInteraction,
    QueueConfig,
    QueueInteraction,
    RoutingConfig,
    RoutingEngine,
    SkillConfig,
)
from routing_baseline import NaiveRouter

SIZES: dict[str, dict[str, int]] = {
    "small": {
        "agents": 100,
        "skills": 10,
        "queues": 5,
        "warm": 3_000,
        "events": 40_000,
        "base_warm": 3_000,
        "base_events": 20_000,
    },
    "medium": {
        "agents": 5_000,
        "skills": 200,
        "queues": 100,
        "warm": 20_000,
        "events": 100_000,
        "base_warm": 2_000,
        "base_events": 4_000,
    },
    "large": {
        "agents": 50_000,
        "skills": 1_000,
        "queues": 500,
        "warm": 50_000,
        "events": 100_000,
        "base_warm": 500,
        "base_events": 1_500,
    },
}
STRATEGIES = [s for s in Strategy if s is not Strategy.RING_ALL]
AHT_S = 60.0
SKILLS_PER_QUEUE = 8


def build_config(size: dict[str, int], seed: int) -> RoutingConfig:
    """A seeded organization: a skill forest, queues with skills, agents in 1-3 queues."""
    rng = random.Random(seed)
    n_sk, n_q, n_a = size["skills"], size["queues"], size["agents"]
    skills = []
    for i in range(n_sk):
        parent = f"s{rng.randrange(i)}" if i and rng.random() < 0.5 else None
        skills.append(SkillConfig(f"s{i}", parent=parent))
    queue_skills = [rng.sample(range(n_sk), min(SKILLS_PER_QUEUE, n_sk)) for _ in range(n_q)]
    queues = []
    for i in range(n_q):
        voice = i % 10 < 7
        queues.append(
            QueueConfig(
                f"q{i}",
                strategy=STRATEGIES[i % len(STRATEGIES)],
                channels=(Channel.VOICE,) if voice else (Channel.CHAT,),
                offer_timeout_s=15.0,
                wrap_up_s=rng.choice((0.0, 5.0, 10.0)),
                weight=rng.choice((1.0, 1.0, 2.0)),
                auto_accept=i % 4 == 0,
            )
        )
    agents = []
    for i in range(n_a):
        member = rng.sample(range(n_q), rng.randint(1, min(3, n_q)))
        pool = sorted({s for q in member for s in queue_skills[q]})
        held = {
            f"s{s}": rng.randint(1, 5) for s in rng.sample(pool, min(len(pool), rng.randint(2, 4)))
        }
        agents.append(AgentConfig(f"a{i}", held, tuple(f"q{q}" for q in member)))
    return RoutingConfig(skills=tuple(skills), agents=tuple(agents), queues=tuple(queues))


ARRIVE, ACCEPT, END, ABANDON, PAUSE, RESUME = range(6)


def drive(router: Any, config: RoutingConfig, seed: int, warm: int, events: int) -> dict[str, Any]:
    """Run the workload; time only the router calls made after `warm` events."""
    rng = random.Random(seed + 1)
    queues = config.queues
    queue_skills: list[list[str | None]] = []
    members: dict[str, set[str]] = {}
    for a in config.agents:
        for q in a.queues:
            members.setdefault(q, set()).update(a.skills)
    for q in queues:
        queue_skills.append([None, *sorted(members.get(q.id, ()))[:SKILLS_PER_QUEUE]])
    n_agents = len(config.agents)
    agent_ids = [a.id for a in config.agents]
    rate = 0.92 * n_agents / (AHT_S + 8.0)
    for aid in agent_ids:
        router.handle(AgentStateChanged(aid, AgentState.AVAILABLE), 0.0)
    plan: list[tuple[float, int, int, Any]] = []
    pseq = 0

    def at(t: float, kind: int, payload: Any) -> None:
        nonlocal pseq
        pseq += 1
        heapq.heappush(plan, (t, pseq, kind, payload))

    at(rng.expovariate(rate), ARRIVE, None)
    at(1.0, PAUSE, None)
    state: dict[str, int] = {}  # 0 waiting, 1 offered, 2 assigned
    busy: dict[str, int] = {}
    holders: dict[str, str] = {}
    paused: set[str] = set()
    count = 0
    n_decisions = 0
    lat: list[int] = []
    clock = time.perf_counter_ns
    started = 0
    cpu_started = 0.0
    total = warm + events
    while count < total and plan:
        deadline = router.next_deadline()
        if deadline is not None and deadline <= plan[0][0]:
            t = deadline
            t0 = clock()
            out = router.advance(t)
            dt = clock() - t0
        else:
            t, _, kind, payload = heapq.heappop(plan)
            if kind == ARRIVE:
                qi = rng.randrange(len(queues))
                q = queues[qi]
                iid = f"i{pseq}"
                ev: Any = InteractionArrived(iid, q.channels[0], q.id, rng.choice(queue_skills[qi]))
                at(t + rng.expovariate(rate), ARRIVE, None)
                at(t + rng.expovariate(1 / 90.0), ABANDON, iid)
            elif kind == ACCEPT:
                if state.get(payload[0]) != 1:
                    continue
                ev = OfferAccepted(*payload)
            elif kind in (END, ABANDON):
                st = state.get(payload)
                if st is None or (kind == ABANDON and st != 0):
                    continue
                ev = InteractionEnded(payload)
                del state[payload]
                holder = holders.pop(payload, None)
                if holder is not None:
                    busy[holder] -= 1
            elif kind == PAUSE:
                at(t + 2.0, PAUSE, None)
                aid = agent_ids[rng.randrange(n_agents)]
                if busy.get(aid) or aid in paused:
                    continue
                paused.add(aid)
                at(t + 30.0, RESUME, aid)
                ev = AgentStateChanged(aid, AgentState.PAUSED, "break")
            else:
                paused.discard(payload)
                ev = AgentStateChanged(payload, AgentState.AVAILABLE)
            t0 = clock()
            out = router.handle(ev, t)
            dt = clock() - t0
        count += 1
        if count == warm:
            started = clock()
            cpu_started = time.process_time()
            n_decisions = 0
            lat = []
        elif count > warm:
            lat.append(dt)
            n_decisions += len(out)
        for d in out:
            if isinstance(d, OfferInteraction):
                state[d.interaction_id] = 1
                holders[d.interaction_id] = d.agent_ids[0]
                busy[d.agent_ids[0]] = busy.get(d.agent_ids[0], 0) + 1
                at(t + rng.uniform(1.0, 4.0), ACCEPT, (d.interaction_id, d.agent_ids[0]))
            elif isinstance(d, AssignInteraction):
                if state.get(d.interaction_id) != 1:
                    holders[d.interaction_id] = d.agent_id
                    busy[d.agent_id] = busy.get(d.agent_id, 0) + 1
                state[d.interaction_id] = 2
                at(t + rng.expovariate(1 / AHT_S), END, d.interaction_id)
            elif isinstance(d, QueueInteraction):
                state[d.interaction_id] = 0
    wall = (clock() - started) / 1e9
    cpu = time.process_time() - cpu_started
    measured = len(lat)
    engine_s = sum(lat) / 1e9
    # On a shared machine a call may be preempted; scale the process's CPU time by the share
    # of wall time spent inside the router to get the router's CPU seconds.
    engine_cpu_s = min(engine_s, cpu * engine_s / wall) if wall else engine_s
    lat.sort()
    return {
        "events": measured,
        "engine_s": round(engine_s, 4),
        "engine_cpu_s": round(engine_cpu_s, 4),
        "wall_s": round(wall, 3),
        "events_per_s": round(measured / engine_cpu_s) if engine_cpu_s else None,
        "events_per_s_wall": round(measured / engine_s) if engine_s else None,
        "decisions_per_s": round(n_decisions / engine_cpu_s) if engine_cpu_s else None,
        "decisions": n_decisions,
        "p50_us": round(lat[measured // 2] / 1000, 2) if lat else None,
        "p99_us": round(lat[min(measured - 1, int(measured * 0.99))] / 1000, 2) if lat else None,
    }


def run_size(name: str, seed: int) -> dict[str, Any]:
    """Engine then baseline on one size, in this process."""
    size = SIZES[name]
    config = build_config(size, seed)
    engine = RoutingEngine(config, seed=seed, keep_finished=False)
    result = drive(engine, config, seed, size["warm"], size["events"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base = drive(NaiveRouter(config), config, seed, size["base_warm"], size["base_events"])
    return {
        "agents": size["agents"],
        "skills": size["skills"],
        "queues": size["queues"],
        **result,
        "peak_mem_mb": round(peak_mb, 1),
        "baseline_events": base["events"],
        "baseline_events_per_s": base["events_per_s"],
        "baseline_p99_us": base["p99_us"],
        "ratio": round(result["events_per_s"] / base["events_per_s"], 1),
    }


def build_parser() -> argparse.ArgumentParser:
    """The command line (`make bench` passes ``--json``)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--size", choices=sorted(SIZES), action="append")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser


def main() -> None:
    """Run every size in a child process and print the JSON report."""
    args = build_parser().parse_args()
    if args.child:
        print(json.dumps(run_size(args.child, args.seed)))
        return
    started = time.perf_counter()
    sizes: dict[str, Any] = {}
    for name in args.size or list(SIZES):
        cmd = [sys.executable, __file__, "--child", name, "--seed", str(args.seed)]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        sizes[name] = json.loads(done.stdout)
        if not args.json:
            print(f"{name}: {sizes[name]}", file=sys.stderr)
    report = {
        "benchmark": "routing",
        "seed": args.seed,
        "python": sys.version.split()[0],
        "total_s": round(time.perf_counter() - started, 1),
        "sizes": sizes,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
