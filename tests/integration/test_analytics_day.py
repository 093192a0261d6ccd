"""One simulated day through the whole analytics chain, on SQLite and PostgreSQL (R-AN-1..R-AN-4).

The simulator drives the real routing engine through a day of voice and chat traffic (shifts,
breaks, wrap-up, abandons); `guichet_testing.simlog` writes the event log the live service
would have written and inserts it into a fresh database; the projector folds it
(`store.catch_up`); the dashboard SQL (`queries`) must then agree with the simulator's own
counts and measures, and with the pure reference (`metrics`) over the same log folded in
Python (`folds`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.analytics import folds, metrics, queries, store
from guichet.analytics.metrics import Filters
from guichet.authz.access import Scope, Subject, grants
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.migrate import upgrade
from guichet.sim.scenario import Scenario, scenario_from_dict
from guichet_testing.simlog import SimLog, insert_log, next_ids, simulate_log
from tests.conftest import Database

TZ = "Europe/Paris"
#: Local midnight of a Tuesday; the day's slots fall on one local date.
START = datetime(2026, 6, 9, tzinfo=ZoneInfo(TZ))
THRESHOLD_S = 20.0

#: Arrivals per hour, local hours 0..23: quiet nights, a morning and an afternoon peak.
VOICE = [4, 2, 0, 0, 0, 2, 10, 60, 140, 180, 170, 150, 120, 130, 160, 170, 150, 120, 80, 40]
VOICE += [20, 10, 6, 4]
CHAT = [2, 0, 0, 0, 0, 0, 6, 30, 60, 70, 70, 60, 50, 60, 70, 70, 60, 50, 40, 30, 20, 10, 6, 2]


def day_scenario() -> Scenario:
    """Two queues (voice with wrap-up, chat with three slots), impatient callers, two shifts
    of agents with breaks, and a night agent."""
    return scenario_from_dict(
        {
            "hours": 24,
            "sl_threshold_s": THRESHOLD_S,
            "queues": [
                {"id": "voice", "channel": "voice", "wrap_up_s": 15},
                {"id": "chat", "channel": "chat"},
            ],
            "traffic": [
                {
                    "queue": "voice",
                    "arrivals": {"rates_per_hour": VOICE},
                    "handle": {"exponential": 180},
                    "patience": {"exponential": 60},
                },
                {
                    "queue": "chat",
                    "arrivals": {"rates_per_hour": CHAT},
                    "handle": {"lognormal": {"mean": 420, "sd": 200}},
                    "patience": {"exponential": 240},
                },
            ],
            "agents": [
                {
                    "name": "early",
                    "count": 12,
                    "queues": ["voice", "chat"],
                    "capacity": {"chat": 3},
                    "shifts": [[6.5, 15]],
                    "pauses": [[10, 10.25], [12, 12.5]],
                },
                {
                    "name": "late",
                    "count": 11,
                    "queues": ["voice", "chat"],
                    "capacity": {"chat": 3},
                    "shifts": [[12, 21]],
                    "pauses": [[16, 16.25]],
                    "handle_factor": 1.2,
                },
                {"name": "night", "count": 1, "queues": ["voice", "chat"], "shifts": [[0, 24]]},
            ],
        }
    )


@pytest.fixture
async def day(database: Database) -> AsyncIterator[tuple[AsyncSession, SimLog, int]]:
    """The simulated day inserted into a fresh database and projected."""
    await upgrade(database.url, search_path=database.schema)
    engine = create_engine(database.url, search_path=database.schema)
    try:
        async with session_factory(engine)() as session:
            ids = await next_ids(session)
            log = simulate_log(day_scenario(), start=START, seed=11, timezone=TZ, ids=ids)
            inserted = await insert_log(session, log.source(), slug="simulated-day")
            assert inserted.events == len(log.rows)
            folded = await store.catch_up(session, inserted.org_id)
            assert folded == len(log.rows)
            yield session, log, inserted.org_id
    finally:
        await engine.dispose()


def close(got: Any, want: Any, path: str = "") -> None:
    """Equal, floats within rounding (SQL sums in another order)."""
    if isinstance(want, float) and isinstance(got, int | float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6), path
    elif isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), (path, got, want)
        for key in want:
            close(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (path, got, want)
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            close(g, w, f"{path}[{i}]")
    else:
        assert got == want, (path, got, want)


async def test_day_is_realistic(day: tuple[AsyncSession, SimLog, int]) -> None:
    """The scenario gives what the test needs: thousands of interactions on both channels,
    abandons, waits, wrap-ups, breaks."""
    _, log, _ = day
    voice, chat = (log.counts[q.id] for q in log.queues)
    assert 1500 < voice.offered < 3000 and 600 < chat.offered < 1500
    assert voice.abandoned > 50 and chat.abandoned > 5
    types = {r.type for r in log.rows}
    assert {
        "interaction.queued",
        "interaction.abandoned",
        "agent.wrap_up_started",
        "agent.wrap_up_ended",
        "agent.state_changed",
    } <= types
    assert any(r.data.get("to") == "paused" for r in log.rows if r.type == "agent.state_changed")


async def test_dashboard_totals_equal_the_simulator(day: tuple[AsyncSession, SimLog, int]) -> None:
    """R-AN-1, R-AN-2: offered, handled and abandoned per queue and in all, from the
    projection's SQL, equal the simulator's own counts; ASA, average abandon time and the
    service level equal the simulator's measures (guichet.sim.measures)."""
    session, log, org_id = day
    subject = Subject(org_id=org_id, user_id=log.agents[0].id, scopes=grants(Scope.ALL))
    sims = {q.id: log.result.queues[q.name] for q in log.queues}
    for queue in log.queues:
        got = await queries.callers_in_queue(
            session,
            subject=subject,
            filters=Filters(queue_ids=frozenset({queue.id})),
            tz=TZ,
            threshold_s=THRESHOLD_S,
        )
        totals, sim, counts = got["totals"], sims[queue.id], log.counts[queue.id]
        assert (totals["offered"], totals["handled"], totals["abandoned"]) == (
            counts.offered,
            counts.handled,
            counts.abandoned,
        ), queue.name
        assert totals["missed"] == counts.abandoned  # every unanswered caller left
        assert totals["asa_s"] == pytest.approx(sim["asa_s"], abs=1e-5)
        assert totals["avg_wait_s"] == pytest.approx(sim["avg_wait_s"], abs=1e-5)
        assert totals["sl_offered"] == pytest.approx(sim["service_level"])
        assert totals["sl_answered"] == pytest.approx(sim["service_level_of_answered"])
        assert [d["date"] for d in got["by_day"]] == [START.date().isoformat()]
        assert sum(got["by_hour"]) == counts.offered
    everything = await queries.callers_in_queue(
        session, subject=subject, filters=Filters(), tz=TZ, threshold_s=THRESHOLD_S
    )
    assert everything["totals"]["offered"] == sum(c.offered for c in log.counts.values())
    assert everything["totals"]["handled"] == sum(c.handled for c in log.counts.values())
    assert everything["totals"]["abandoned"] == sum(c.abandoned for c in log.counts.values())
    by_hour = everything["by_hour"]
    assert by_hour[3] == 0 and by_hour[9] > by_hour[6]  # local hours: night, morning peak

    end_ts = START.timestamp() + 86400 * 2
    perf = await queries.agent_performance(
        session, subject=subject, filters=Filters(), now_ts=end_ts
    )
    team = perf["team"]
    assert team["handled"] == sum(c.handled for c in log.counts.values())
    # AHT: talk (the simulator's drawn handle time x the agent's factor) + wrap-up.
    voice = next(q for q in perf["by_queue"] if q["queue_id"] == log.queues[0].id)
    assert voice["aht_s"] == pytest.approx(sims[log.queues[0].id]["aht_s"], rel=1e-6)
    resolved = await queries.resolved_conversations(session, subject=subject, filters=Filters())
    assert resolved["totals"]["resolved"] == team["handled"]


async def test_dashboards_equal_the_pure_reference(day: tuple[AsyncSession, SimLog, int]) -> None:
    """R-AN-1..R-AN-4: every dashboard from SQL equals metrics.py over the log folded in
    Python, for the whole day and for a queue, a channel, an agent and a morning."""
    session, log, org_id = day
    subject = Subject(org_id=org_id, user_id=log.agents[0].id, scopes=grants(Scope.ALL))
    facts = folds.fold_log(log.rows)
    assert len(facts.interactions) == len(log.interactions)
    start = START.timestamp()
    now_ts = start + 20 * 3600.0  # while the late shift still works: open states count
    filter_sets = [
        Filters(),
        Filters(queue_ids=frozenset({log.queues[1].id})),
        Filters(channels=frozenset({"voice"})),
        Filters(agent_ids=frozenset({log.agents[2].id, log.agents[-1].id})),
        Filters(from_ts=start + 8 * 3600, to_ts=start + 12 * 3600),
    ]
    for flt in filter_sets:
        close(
            await queries.callers_in_queue(
                session, subject=subject, filters=flt, tz=TZ, threshold_s=THRESHOLD_S
            ),
            metrics.callers_in_queue(facts.interactions, flt, tz=TZ, threshold_s=THRESHOLD_S),
            "callers",
        )
        close(
            await queries.agent_performance(session, subject=subject, filters=flt, now_ts=now_ts),
            metrics.agent_performance(
                facts.states, facts.segments, facts.interactions, flt, now_ts=now_ts
            ),
            "agents",
        )
        close(
            await queries.resolved_conversations(session, subject=subject, filters=flt),
            metrics.resolved_conversations(facts.interactions, {}, flt),
            "resolved",
        )
