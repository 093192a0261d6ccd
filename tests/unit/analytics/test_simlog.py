"""guichet_testing.simlog: the event log of a simulator run, the synthetic log, the bench.

The simulated log must be the one the live service writes (R-AN-8): the agent states it logs
follow the engine's own views after every engine call, wrap-up ends name their interaction,
ids and times are the live forms; the synthetic log must fold into consistent facts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from guichet.analytics import folds, metrics
from guichet.analytics.facts import LogRow
from guichet.routing import RoutingEngine
from guichet.sim.agents import agent_ids, routing_config
from guichet.sim.scenario import Scenario, scenario_from_dict
from guichet.sim.simulator import run_replication
from guichet_testing.simlog import IdStart, _AgentMirror, simulate_log, synthetic_log

START = datetime(2026, 3, 2, 7, tzinfo=UTC)
BENCH = Path(__file__).resolve().parents[3] / "bench" / "analytics.py"


def scenario() -> Scenario:
    """Two hours, voice with wrap-up and chat with two slots, breaks and a shift change."""
    return scenario_from_dict(
        {
            "hours": 2,
            "queues": [
                {"id": "voice", "channel": "voice", "wrap_up_s": 10},
                {"id": "chat", "channel": "chat"},
            ],
            "traffic": [
                {
                    "queue": "voice",
                    "arrivals": {"rate_per_hour": 90},
                    "handle": {"exponential": 120},
                    "patience": {"exponential": 60},
                },
                {
                    "queue": "chat",
                    "arrivals": {"rate_per_hour": 40},
                    "handle": {"exponential": 300},
                    "patience": {"exponential": 200},
                },
            ],
            "agents": [
                {
                    "name": "a",
                    "count": 3,
                    "queues": ["voice", "chat"],
                    "capacity": {"chat": 2},
                    "shifts": [[0, 1.5]],
                    "pauses": [[0.5, 0.6]],
                },
                {"name": "b", "count": 2, "queues": ["voice"], "shifts": [[0.75, 2]]},
            ],
        }
    )


def test_agent_states_follow_the_engine_views() -> None:
    """After every engine call of a run, the state and reason the log follows for each
    agent are the engine's own (routing.views.agent_state): replayed on a second engine with
    the same configuration and seed, which takes the same decisions."""
    sc = scenario()
    calls: list[tuple[float, Any, list[Any]]] = []
    run_replication(sc, seed=3, recorder=lambda now, ev, ds: calls.append((now, ev, list(ds))))
    names = [a for g in sc.agents for a in agent_ids(g)]
    engine = RoutingEngine(routing_config(sc), seed=3 * 1_000_003, keep_finished=False)
    mirror = _AgentMirror(names)
    states: Counter[str] = Counter()
    for now, event, decisions in calls:
        again = engine.advance(now) if event is None else engine.handle(event, now)
        assert again == decisions
        mirror.apply(event, decisions)
        for name in names:
            view = engine.agent_view(name)
            assert view is not None
            assert (mirror.state(name), mirror.reason[name]) == (view.state.value, view.reason)
            states[view.state.value] += 1
    assert {"offline", "available", "busy", "wrap_up", "paused"} <= set(states)


def test_simulated_log_has_the_live_form() -> None:
    """Ids from the given start, consecutive; times the start plus simulated seconds at
    microsecond precision; integer ids in columns and their string form in data; every
    interaction arrives and ends; a wrap-up end names the interaction its start named."""
    ids = IdStart(user=10, queue=5, interaction=100, event=1000)
    log = simulate_log(scenario(), start=START, seed=3, timezone="Europe/Paris", ids=ids)
    rows = log.rows
    assert [r.id for r in rows] == list(range(1000, 1000 + len(rows)))
    assert all(a.at_ts <= b.at_ts for a, b in pairwise(rows))
    assert rows[0].at_ts == START.timestamp()
    assert all(round(r.at_ts * 1e6) == r.at_ts * 1e6 for r in rows[:50])
    users = {a.id for a in log.agents}
    assert users == set(range(10, 15))
    assert {q.id: q.channel for q in log.queues} == {5: "voice", 6: "chat"}
    for r in rows:
        assert r.agent_id is None or r.agent_id in users
        assert r.queue_id is None or r.queue_id in (5, 6)
        if "interaction_id" in r.data and r.type != "agent.wrap_up_ended":
            assert r.data["interaction_id"] == str(r.interaction_id)
    kinds = defaultdict(set)
    for r in rows:
        if r.interaction_id is not None:
            kinds[r.interaction_id].add(r.type)
    assert sorted(kinds) == [ix[0] for ix in log.interactions]
    assert sorted(kinds) == list(range(100, 100 + len(log.interactions)))
    assert all({"interaction.arrived", "interaction.ended"} <= k for k in kinds.values())
    wrapping: dict[int, int] = {}
    ended = 0
    for r in rows:
        assert r.agent_id is not None or not r.type.startswith("agent.")
        if r.type == "agent.wrap_up_started":
            wrapping[r.agent_id or 0] = r.interaction_id or 0
        elif r.type == "agent.wrap_up_ended":
            assert r.interaction_id == wrapping.pop(r.agent_id or 0)
            assert r.data["interaction_id"] == r.interaction_id
            ended += 1
    assert ended > 20
    by_agent: dict[int, list[LogRow]] = defaultdict(list)
    for r in rows:
        if r.type == "agent.state_changed":
            by_agent[r.agent_id or 0].append(r)
    for changes in by_agent.values():
        assert changes[0].data["from"] == "offline"
        for a, b in pairwise(changes):
            assert a.data["to"] == b.data["from"] and a.data["to"] != b.data["to"]


def test_simulated_counts_equal_the_folded_log() -> None:
    """R-AN-1: offered, handled and abandoned per queue from the folded log are the
    simulator's own counts; so are ASA and the service level."""
    log = simulate_log(scenario(), start=START, seed=5)
    facts = folds.fold_log(log.rows).interactions
    for q in log.queues:
        totals = metrics.queue_totals([f for f in facts if f.queue_id == q.id], 20.0)
        counts, sim = log.counts[q.id], log.result.queues[q.name]
        assert (totals["offered"], totals["handled"], totals["abandoned"]) == (
            counts.offered,
            counts.handled,
            counts.abandoned,
        )
        assert counts.handled > 10
        assert abs(totals["asa_s"] - sim["asa_s"]) < 1e-5
        assert abs(totals["sl_offered"] - sim["service_level"]) < 1e-9


def test_synthetic_log_folds_into_consistent_facts() -> None:
    """Every interaction arrives, is offered and ends handled or abandoned (8%); rows are in
    time order with consecutive ids across days; each agent's state changes chain; wrap-up
    only on voice, a first response only on chats and messaging."""
    source = synthetic_log(3000, start=START, days=5, ids=IdStart(interaction=7, event=50))
    rows: list[LogRow] = []
    interactions = 0
    for batch in source.batches():
        interactions += len(batch.interactions)
        names = "id at_ts type interaction_id agent_id actor_id queue_id skill_id channel data"
        rows += [LogRow.from_event(dict(zip(names.split(), e, strict=True))) for e in batch.events]
    assert interactions == 3000
    assert [r.id for r in rows] == list(range(50, 50 + len(rows)))
    assert all(a.at_ts <= b.at_ts for a, b in pairwise(rows))
    assert 8 <= len(rows) / interactions <= 12
    facts = folds.fold_log(rows)
    outcomes = Counter(f.outcome for f in facts.interactions)
    assert outcomes == {"handled": 2760, "abandoned": 240}
    assert {f.interaction_id for f in facts.interactions} == set(range(7, 3007))
    for f in facts.interactions:
        assert f.offered and f.ended_ts is not None
        if f.handled:
            assert f.resolved and f.talk_s > 0 and f.offers == 1
            assert (f.wrap_s > 0) == (f.channel == "voice")
            assert (f.first_response_s is not None) == (f.channel != "voice")
    by_agent: dict[int, list[Any]] = defaultdict(list)
    for s in facts.states:
        by_agent[s.agent_id].append(s)
    for states in by_agent.values():
        states.sort(key=lambda s: (s.start_ts, s.event_id))
        for a, b in pairwise(states):
            assert a.end_ts == b.start_ts and a.state != b.state
    assert {s.state for s in facts.states} == {"available", "busy", "wrap_up", "paused", "offline"}


def test_bench_runs_small() -> None:
    """bench/analytics.py on SQLite with 2,000 interactions prints the issue's JSON shape."""
    done = subprocess.run(
        [sys.executable, str(BENCH), "--interactions", "2000", "--backends", "sqlite", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout)
    sqlite = report["sqlite"]
    assert sqlite["interactions"] == 2000
    assert set(sqlite["dashboards_s"]) == {
        "callers_in_queue",
        "agent_performance",
        "resolved_conversations",
    }
    assert all(v > 0 for v in sqlite["dashboards_s"].values())
    assert sqlite["export_rows_per_s"] > 0 and sqlite["export_peak_mem_mb"] > 0
    assert sqlite["projection_events_per_s"] > 0 and sqlite["events"] > 16000
