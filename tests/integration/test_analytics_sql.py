"""The analytics projection and its SQL aggregates, on SQLite and PostgreSQL (R-AN-1..R-AN-5).

A seeded random contact-center log (arrivals, queueing, offers that expire, answers, holds,
transfers, wrap-ups, abandons, missed and unrouted contacts, agent state changes) is written
to ``interaction_events`` for organizations in several time zones, DST changes included.
The projection kept by :mod:`guichet.analytics.store` must equal the pure fold of the same
rows (:mod:`guichet.analytics.folds`), incrementally as after a rebuild, and the dashboards'
SQL (:mod:`guichet.analytics.queries`) must give what the pure reference
(:mod:`guichet.analytics.metrics`) computes over the same facts.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from guichet.actions.orgs import do_create_organization
from guichet.actions.queues import do_create_queue
from guichet.actions.users import do_create_user
from guichet.analytics import folds, store
from guichet.analytics.facts import AgentStateFact, InteractionFact, LogRow, SegmentFact
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.migrate import upgrade
from guichet.persistence.models import Interaction, InteractionEvent
from guichet.persistence.models.analytics import (
    AnalyticsAgentState,
    AnalyticsInteraction,
    AnalyticsSegment,
)
from guichet.security import Passwords
from tests.conftest import Database

PASSWORDS = Passwords(time_cost=1, memory_kib=8)
CHANNELS = ("voice", "chat", "email", "messaging")


# --- A random log ------------------------------------------------------------------------------


@dataclass
class Log:
    """Event-log rows being written, with ids in time order."""

    org_id: int
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, ts: float, kind: str, **cols: Any) -> None:
        data = cols.pop("data", {})
        self.rows.append(
            {
                "org_id": self.org_id,
                "at": datetime.fromtimestamp(round(ts, 3), UTC),
                "type": kind,
                "interaction_id": cols.get("interaction_id"),
                "agent_id": cols.get("agent_id"),
                "actor_id": cols.get("actor_id"),
                "queue_id": cols.get("queue_id"),
                "skill_id": cols.get("skill_id"),
                "channel": cols.get("channel"),
                "data": data,
            }
        )


def interaction_log(
    rnd: random.Random,
    log: Log,
    *,
    iid: int,
    t0: float,
    channel: str,
    queues: list[int],
    agents: list[int],
    skills: list[int | None],
) -> None:
    """The events of one interaction arriving at ``t0``: every outcome of docs/metrics.md."""
    queue = rnd.choice(queues)
    skill = rnd.choice(skills)
    common = {"interaction_id": iid, "channel": channel}
    log.add(t0, "interaction.arrived", queue_id=queue, data={"channel": channel}, **common)
    fate = rnd.random()
    if fate < 0.05:
        log.add(t0, "interaction.unrouted", **common)
        return
    t = t0 + rnd.uniform(0, 3)
    log.add(t, "interaction.queued", queue_id=queue, skill_id=skill, **common)
    if fate < 0.25:  # abandoned, sometimes after an offer that expired
        if rnd.random() < 0.3:
            agent = rnd.choice(agents)
            t += rnd.uniform(1, 10)
            log.add(t, "interaction.offered", agent_id=agent, queue_id=queue, **common)
            t += rnd.uniform(5, 20)
            log.add(t, "offer.expired", agent_id=agent, **common)
            log.add(t, "interaction.requeued", agent_id=agent, data={"reason": "expired"}, **common)
        t += rnd.expovariate(1 / 40)
        log.add(t, "interaction.abandoned", queue_id=queue, **common)
        return
    if fate < 0.30:  # still waiting
        return
    if fate < 0.35:  # missed: ended without an answer
        t += rnd.expovariate(1 / 30)
        log.add(t, "interaction.ended", **common)
        return
    agent = rnd.choice(agents)
    t += rnd.expovariate(1 / 25)
    log.add(t, "interaction.offered", agent_id=agent, queue_id=queue, **common)
    t += rnd.uniform(0, 8)
    log.add(t, "offer.accepted", agent_id=agent, **common)
    log.add(t, "interaction.assigned", agent_id=agent, queue_id=queue, skill_id=skill, **common)
    if channel != "voice" and rnd.random() < 0.8:
        log.add(t + rnd.uniform(1, 60), "message.posted", agent_id=agent,
                data={"sender": "agent"}, **common)  # fmt: skip
    t += rnd.uniform(30, 400)
    if rnd.random() < 0.2:
        log.add(t, "conversation.paused", agent_id=agent, **common)
        t += rnd.uniform(5, 120)
        log.add(t, "conversation.resumed", agent_id=agent, **common)
        t += rnd.uniform(5, 100)
    if rnd.random() < 0.15:
        other = rnd.choice([a for a in agents if a != agent] or agents)
        log.add(t, "interaction.transferred", agent_id=agent,
                data={"to_agent_id": other}, **common)  # fmt: skip
        t += rnd.uniform(1, 5)
        log.add(t, "interaction.assigned", agent_id=other, queue_id=queue, **common)
        agent = other
        t += rnd.uniform(20, 200)
    if rnd.random() < 0.1:
        return  # still in conversation
    log.add(t, "interaction.ended", agent_id=agent, **common)
    if rnd.random() < 0.7:
        log.add(t, "agent.wrap_up_started", agent_id=agent, **common)
        t += rnd.uniform(2, 90)
        log.add(t, "agent.wrap_up_ended", agent_id=agent, **common)


STATES = ("available", "busy", "wrap_up", "paused", "offline")


def state_log(rnd: random.Random, log: Log, *, agent: int, start: float, end: float) -> None:
    """An agent's R-W-1 state changes from ``start`` to ``end``."""
    t = start + rnd.uniform(0, 3600)
    state = "offline"
    while t < end:
        new = rnd.choice([s for s in STATES if s != state])
        reason = "lunch" if new == "paused" and rnd.random() < 0.5 else None
        log.add(t, "agent.state_changed", agent_id=agent,
                data={"from": state, "to": new, "reason": reason})  # fmt: skip
        state = new
        t += rnd.expovariate(1 / 1800)


# --- The world ---------------------------------------------------------------------------------


@dataclass
class Org:
    """One organization of the test world."""

    id: int
    timezone: str
    agents: list[int]
    queues: list[int]
    interactions: list[int] = field(default_factory=list)


@dataclass
class World:
    """An engine, a session factory and the organizations built."""

    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    orgs: list[Org]
    next_event_id: int = 1


@pytest.fixture
async def engine(database: Database) -> AsyncIterator[AsyncEngine]:
    """A migrated database."""
    await upgrade(database.url, search_path=database.schema)
    eng = create_engine(database.url, search_path=database.schema)
    try:
        yield eng
    finally:
        await eng.dispose()


async def make_org(
    session: AsyncSession, *, slug: str, timezone: str, agents: int = 4, queues: int = 2
) -> Org:
    """An organization with agents and queues."""
    org = await do_create_organization(session, name=slug, slug=slug, timezone=timezone)
    agent_ids = []
    for i in range(agents):
        user = await do_create_user(
            session,
            passwords=PASSWORDS,
            org_id=org.id,
            email=f"a{i}@{slug}.test",
            display_name=f"a{i}",
            password=None,
            roles=["agent"],
        )
        agent_ids.append(user.id)
    queue_ids = []
    for i in range(queues):
        queue = await do_create_queue(
            session, org_id=org.id, values={"kind": "chat", "name": f"q{i}"}
        )
        queue_ids.append(queue.id)
    await session.commit()
    return Org(org.id, timezone, agent_ids, queue_ids)


async def write_log(
    world: World,
    org: Org,
    *,
    seed: int,
    count: int,
    start: float,
    days: float,
    skills: Iterable[int | None] = (None,),
) -> list[dict[str, Any]]:
    """``count`` random interactions of ``org`` over ``days`` from ``start``, with the agents'
    state changes, written in time order; the rows written."""
    rnd = random.Random(seed)
    skill_list = list(skills)
    end = start + days * 86400
    async with world.factory() as session:
        rows = [
            Interaction(org_id=org.id, channel=rnd.choice(CHANNELS), status="new")
            for _ in range(count)
        ]
        session.add_all(rows)
        await session.flush()
        log = Log(org.id)
        for row in rows:
            org.interactions.append(row.id)
            interaction_log(
                rnd,
                log,
                iid=row.id,
                t0=rnd.uniform(start, end),
                channel=row.channel,
                queues=org.queues,
                agents=org.agents,
                skills=skill_list,
            )
        for agent in org.agents:
            state_log(rnd, log, agent=agent, start=start, end=end)
        log.rows.sort(key=lambda r: r["at"])
        for r in log.rows:
            r["id"] = world.next_event_id
            world.next_event_id += 1
        await insert_events(session, log.rows)
        await session.commit()
    return log.rows


async def insert_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Write event-log rows (with their ids)."""
    for i in range(0, len(rows), 2000):
        await session.execute(insert(InteractionEvent), rows[i : i + 2000])


async def log_rows(session: AsyncSession, org_id: int) -> list[LogRow]:
    """The organization's log as the projector reads it."""
    result = await session.execute(
        select(InteractionEvent).where(InteractionEvent.org_id == org_id)
    )
    return [LogRow.from_event(e) for e in result.scalars()]


async def projection(
    session: AsyncSession, org_id: int
) -> tuple[list[InteractionFact], list[SegmentFact], list[AgentStateFact]]:
    """The organization's projection tables as facts, in key order."""

    def cols(model: Any, fact: Any) -> list[Any]:
        return [getattr(model, f) for f in fact.__dataclass_fields__]

    ix = await session.execute(
        select(*cols(AnalyticsInteraction, InteractionFact))
        .where(AnalyticsInteraction.org_id == org_id)
        .order_by(AnalyticsInteraction.interaction_id)
    )
    seg = await session.execute(
        select(*cols(AnalyticsSegment, SegmentFact))
        .where(AnalyticsSegment.org_id == org_id)
        .order_by(AnalyticsSegment.interaction_id, AnalyticsSegment.seq)
    )
    st = await session.execute(
        select(*cols(AnalyticsAgentState, AgentStateFact))
        .where(AnalyticsAgentState.org_id == org_id)
        .order_by(AnalyticsAgentState.event_id)
    )
    return (
        [InteractionFact(*r) for r in ix],
        [SegmentFact(*r) for r in seg],
        [AgentStateFact(*r) for r in st],
    )


def expected(rows: list[LogRow]) -> tuple[list[Any], list[Any], list[Any]]:
    """The pure fold of the rows, in the projection's key order."""
    facts = folds.fold_log(rows)
    return (
        sorted(facts.interactions, key=lambda f: f.interaction_id),
        sorted(facts.segments, key=lambda s: (s.interaction_id, s.seq)),
        sorted(facts.states, key=lambda s: s.event_id),
    )


@pytest.fixture
async def world(engine: AsyncEngine) -> World:
    """Two organizations: Paris (DST on 2026-03-29) and Kathmandu (+05:45)."""
    factory = session_factory(engine)
    async with factory() as session:
        paris = await make_org(session, slug="paris", timezone="Europe/Paris")
        ktm = await make_org(session, slug="ktm", timezone="Asia/Kathmandu", agents=3, queues=1)
    return World(engine, factory, [paris, ktm])


MARCH = datetime(2026, 3, 27, tzinfo=UTC).timestamp()


# --- The projection ----------------------------------------------------------------------------


async def test_catch_up_equals_the_pure_fold_incrementally_and_after_rebuild(world: World) -> None:
    """R-AN-1, R-AN-8: projection == fold of the log; two catch-ups with rows added between
    them give what one rebuild gives; a catch-up with nothing new folds nothing."""
    paris, ktm = world.orgs
    await write_log(world, paris, seed=1, count=120, start=MARCH, days=4)
    await write_log(world, ktm, seed=2, count=40, start=MARCH, days=4)
    async with world.factory() as session:
        assert await store.catch_up(session, paris.id) > 0
        first = await projection(session, paris.id)
        assert first == expected(await log_rows(session, paris.id))
        assert await store.catch_up(session, paris.id) == 0
        assert await projection(session, paris.id) == first
    # More rows, some for interactions already folded (their later events).
    added = await write_log(world, paris, seed=3, count=80, start=MARCH + 86400, days=3)
    async with world.factory() as session:
        assert await store.catch_up(session, paris.id) == len(added)
        incremental = await projection(session, paris.id)
        assert incremental == expected(await log_rows(session, paris.id))
        await store.rebuild(session, paris.id)
        assert await projection(session, paris.id) == incremental
        # The other organization was never touched, then folds on its own.
        assert await projection(session, ktm.id) == ([], [], [])
        await store.catch_up(session, ktm.id)
        assert await projection(session, ktm.id) == expected(await log_rows(session, ktm.id))


async def test_catch_up_in_small_batches(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches split interactions and agents' state runs: the result is the same."""
    paris = world.orgs[0]
    await write_log(world, paris, seed=4, count=60, start=MARCH, days=2)
    monkeypatch.setattr(store, "BATCH", 37)
    monkeypatch.setattr(store, "LOOKBACK", 10)
    async with world.factory() as session:
        await store.catch_up(session, paris.id)
        assert await projection(session, paris.id) == expected(await log_rows(session, paris.id))


async def test_late_commit_within_the_lookback_is_folded(world: World) -> None:
    """A row that becomes visible after rows with higher ids were folded (another writer's
    late commit) is picked up by the next catch-up when within LOOKBACK ids."""
    paris = world.orgs[0]
    rows = await write_log(world, paris, seed=5, count=30, start=MARCH, days=1)
    # Hold back a few rows, as if their transactions had not committed yet.
    late_ids = {r["id"] for r in rows[-40::7]}
    async with world.factory() as session:
        await session.execute(
            InteractionEvent.__table__.delete().where(InteractionEvent.id.in_(late_ids))
        )
        await session.commit()
        await store.catch_up(session, paris.id)
        assert await store.cursor_of(session, paris.id) == max(
            r["id"] for r in rows if r["id"] not in late_ids
        )
        assert await projection(session, paris.id) == expected(await log_rows(session, paris.id))
        await insert_events(session, [r for r in rows if r["id"] in late_ids])
        await session.commit()
        await store.catch_up(session, paris.id)
        assert await projection(session, paris.id) == expected(await log_rows(session, paris.id))
