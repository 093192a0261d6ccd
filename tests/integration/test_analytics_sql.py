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
from collections import defaultdict
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
from guichet.analytics import folds, metrics, queries, store
from guichet.analytics.facts import AgentStateFact, InteractionFact, LogRow, SegmentFact
from guichet.analytics.metrics import Filters
from guichet.authz.access import Scope, Subject, grants
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.migrate import upgrade
from guichet.persistence.models import (
    Assignment,
    Disposition,
    Interaction,
    InteractionEvent,
    InteractionTag,
    Tag,
)
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
        holders: dict[int, list[int]] = {}
        for r in log.rows:
            if r["type"] == "interaction.assigned":
                holders.setdefault(r["interaction_id"], []).append(r["agent_id"])
        for row in rows:  # the live tables the statistics scope is judged on (R-A-2)
            agents = holders.get(row.id, [])
            row.agent_id = agents[-1] if agents else None
            for i, agent in enumerate(agents):
                last = i == len(agents) - 1
                session.add(
                    Assignment(org_id=org.id, interaction_id=row.id, agent_id=agent, active=last)
                )
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
    late commit) is picked up by the next catch-up that finds a newer row, when within
    LOOKBACK ids; a catch-up with nothing past the cursor writes nothing."""
    paris = world.orgs[0]
    rows = await write_log(world, paris, seed=5, count=30, start=MARCH, days=1)
    # Hold back a few rows, as if their transactions had not committed yet, and the newest
    # row, written after them.
    late_ids = {r["id"] for r in rows[-40::7]} | {rows[-1]["id"]}
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
        assert await store.catch_up(session, paris.id) == 0
        await insert_events(session, [r for r in rows if r["id"] in late_ids])
        await session.commit()
        await store.catch_up(session, paris.id)
        assert await projection(session, paris.id) == expected(await log_rows(session, paris.id))


# --- Dashboards: SQL == the pure reference -----------------------------------------------------


def close(got: Any, want: Any, path: str = "") -> None:
    """Equal, floats within rounding (SQL sums in another order than ``math.fsum``)."""
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


async def add_reasons(world: World, org: Org, seed: int) -> dict[int, list[tuple[str, int, str]]]:
    """Tags and dispositions on some interactions; the reference's ``reasons`` mapping."""
    rnd = random.Random(seed)
    out: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
    async with world.factory() as session:
        tags = [Tag(org_id=org.id, name=f"t{i}", name_key=f"t{i}") for i in range(4)]
        disps = [Disposition(org_id=org.id, name=f"d{i}", name_key=f"d{i}") for i in range(3)]
        session.add_all([*tags, *disps])
        await session.flush()
        for iid in org.interactions:
            for tag in rnd.sample(tags, rnd.randint(0, 2)):
                session.add(InteractionTag(interaction_id=iid, tag_id=tag.id))
                out[iid].append(("tag", tag.id, tag.name))
            if rnd.random() < 0.5:
                disp = rnd.choice(disps)
                row = await session.get(Interaction, iid)
                assert row is not None
                row.disposition_id = disp.id
                out[iid].append(("disposition", disp.id, disp.name))
        await session.commit()
    return out


def everyone(org: Org) -> Subject:
    """A subject whose statistics scope is all (a Director)."""
    return Subject(org_id=org.id, user_id=org.agents[0], scopes=grants(Scope.ALL))


def filter_sets(org: Org, start: float) -> list[Filters]:
    """No filter, periods across the DST change, and each id filter."""
    day = 86400.0
    return [
        Filters(),
        Filters(from_ts=start + day, to_ts=start + 3 * day),
        Filters(from_ts=start + 1.5 * day),
        Filters(to_ts=start + 2.25 * day),
        Filters(queue_ids=frozenset(org.queues[:1])),
        Filters(channels=frozenset({"chat", "voice"})),
        Filters(agent_ids=frozenset(org.agents[1:3])),
        Filters(skill_ids=frozenset({1})),
        Filters(
            from_ts=start + 0.5 * day,
            to_ts=start + 3.5 * day,
            queue_ids=frozenset(org.queues),
            channels=frozenset({"chat", "email", "messaging"}),
            agent_ids=frozenset(org.agents),
            skill_ids=frozenset({1, 2}),
        ),
    ]


async def compare_dashboards(
    session: AsyncSession,
    subject: Subject,
    org: Org,
    facts: tuple[list[InteractionFact], list[SegmentFact], list[AgentStateFact]],
    reasons: dict[int, list[tuple[str, int, str]]],
    flt: Filters,
    *,
    now_ts: float,
) -> None:
    """Every dashboard through SQL equals the reference over ``facts``."""
    ix, segs, states = facts
    for threshold in (20.0, 45.0):
        close(
            await queries.callers_in_queue(
                session, subject=subject, filters=flt, tz=org.timezone, threshold_s=threshold
            ),
            metrics.callers_in_queue(ix, flt, tz=org.timezone, threshold_s=threshold),
            "callers",
        )
    close(
        await queries.agent_performance(session, subject=subject, filters=flt, now_ts=now_ts),
        metrics.agent_performance(states, segs, ix, flt, now_ts=now_ts),
        "agents",
    )
    close(
        await queries.resolved_conversations(session, subject=subject, filters=flt, top=5),
        metrics.resolved_conversations(ix, reasons, flt, top=5),
        "resolved",
    )
    thresholds = {org.queues[0]: 30.0}
    for now in (now_ts, MARCH + 2.2 * 86400):
        close(
            await queries.realtime(
                session,
                subject=subject,
                filters=flt,
                now_ts=now,
                tz=org.timezone,
                thresholds=thresholds,
            ),
            metrics.realtime(ix, flt, now_ts=now, tz=org.timezone, thresholds=thresholds),
            "realtime",
        )


async def test_dashboards_equal_the_reference(world: World) -> None:
    """R-AN-1..R-AN-5: callers in queue, agent performance, resolved conversations and the
    real-time figures from SQL equal metrics.py on the same facts, for every filter, in
    Europe/Paris across the 2026-03-29 DST change and in Asia/Kathmandu (+05:45)."""
    now_ts = MARCH + 4 * 86400 + 3600
    for n, org in enumerate(world.orgs):
        await write_log(
            world, org, seed=10 + n, count=150, start=MARCH, days=4, skills=(None, 1, 2)
        )
        reasons = await add_reasons(world, org, seed=20 + n)
        async with world.factory() as session:
            await store.catch_up(session, org.id)
            facts = await projection(session, org.id)
            for flt in filter_sets(org, MARCH):
                await compare_dashboards(
                    session, everyone(org), org, facts, reasons, flt, now_ts=now_ts
                )


async def test_statistics_scope_limits_every_figure(world: World) -> None:
    """R-A-2, R-A-6: a Manager's dashboards count only the conversations they handled and
    their own state time; another organization's caller sees none of these rows."""
    paris, ktm = world.orgs
    await write_log(world, paris, seed=30, count=120, start=MARCH, days=3)
    reasons = await add_reasons(world, paris, seed=31)
    manager = paris.agents[1]
    subject = Subject(
        org_id=paris.id, user_id=manager, scopes=grants(Scope.DENIED, statistics=Scope.OWN)
    )
    now_ts = MARCH + 3 * 86400
    async with world.factory() as session:
        await store.catch_up(session, paris.id)
        ix, segs, states = await projection(session, paris.id)
        mine = {s.interaction_id for s in segs if s.agent_id == manager}
        assert mine and len(mine) < len(ix)
        facts = (
            [f for f in ix if f.interaction_id in mine],
            [s for s in segs if s.interaction_id in mine],
            [s for s in states if s.agent_id == manager],
        )
        for flt in filter_sets(paris, MARCH)[:3]:
            await compare_dashboards(session, subject, paris, facts, reasons, flt, now_ts=now_ts)
        stranger = everyone(ktm)
        empty = ([], [], [])
        await compare_dashboards(session, stranger, ktm, empty, {}, Filters(), now_ts=now_ts)
