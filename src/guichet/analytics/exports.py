"""Export row streams (R-AN-6, R-AN-8): the projection as CSV rows, under the caller's scope.

Every export reads the analytics projection (``guichet.analytics.store`` folds the event log
into it first: :func:`prepare`), limited to what the caller's statistics scope lets appear
(R-A-2, R-A-6: the conversation filter as a subquery on interaction ids; for agent-state rows
the agents the scope reaches) and to the R-AN-5 filters. Rows come in keyset pages, each read
in a short session of its own, so memory stays flat at a million rows and no transaction is
held open while a client downloads. Every :data:`SLICE` rows the stream gives the event loop a
turn (routing and sockets share it; issue 12 finding 11): a page is not turned into records,
and those into CSV, in one stretch.

Kinds: ``interactions`` (one row per interaction), ``agent_states`` (one row per agent state
change, R-AN-8) and one per dashboard (``callers_in_queue``, ``agent_performance``,
``resolved_conversations``: the dashboard's figures from :mod:`guichet.analytics.queries`, one
row per line of the dashboard). Columns: docs/api/exports.md.
"""

from __future__ import annotations

import asyncio
import time as time_module
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from guichet.analytics import metrics, queries, store
from guichet.analytics.csv import Timestamp
from guichet.analytics.period import period
from guichet.authz.access import Scope, Subject
from guichet.persistence.models import (
    AnalyticsAgentState,
    AnalyticsInteraction,
    Disposition,
    Interaction,
    InteractionTag,
    Organization,
    Queue,
    Skill,
    Tag,
    User,
)
from guichet.queries.lookups import check_ids_in_org

AI = AnalyticsInteraction
AS = AnalyticsAgentState
#: Rows per keyset page. Reading and decoding one page is one stretch of the event loop (tens
#: of milliseconds); smaller pages would cost more scans (docs/performance.md).
PAGE = 2000
#: Rows streamed between two turns given to the event loop.
SLICE = 200
Row = dict[str, Any]
#: A record of an export: a row by column name, or its values in column order.
Record = Row | list[Any]
Sessions = async_sessionmaker[AsyncSession]

INTERACTION_COLUMNS = (
    "interaction_id",
    "channel",
    "queue_id",
    "queue_name",
    "skill_id",
    "skill_name",
    "agent_id",
    "agent_name",
    "first_agent_id",
    "first_agent_name",
    "arrived_at",
    "queued_at",
    "answered_at",
    "abandoned_at",
    "ended_at",
    "wait_s",
    "talk_s",
    "hold_s",
    "wrap_s",
    "handle_s",
    "first_response_s",
    "offers",
    "no_answers",
    "transfers",
    "overflowed",
    "callback",
    "outcome",
    "resolved",
    "tags",
    "disposition",
)
AGENT_STATE_COLUMNS = (
    "event_id",
    "agent_id",
    "agent_name",
    "state",
    "reason",
    "start_at",
    "end_at",
    "duration_s",
)
#: Tag names in the ``tags`` cell are joined with this.
TAG_SEPARATOR = "|"


@dataclass(frozen=True)
class ExportFilters:
    """The R-AN-5 filters: arrival (or state start) in [from_ts, to_ts), and ids/channels."""

    from_ts: float | None = None
    to_ts: float | None = None
    queue_ids: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    agent_ids: tuple[int, ...] = ()
    skill_ids: tuple[int, ...] = ()
    #: The service-level threshold T of the dashboards (None: the queue setting or 20 s).
    service_level_s: float | None = None

    def to_params(self) -> dict[str, Any]:
        """JSON for ``export_jobs.params``."""
        return {
            "from_ts": self.from_ts,
            "to_ts": self.to_ts,
            "queue_ids": list(self.queue_ids),
            "channels": list(self.channels),
            "agent_ids": list(self.agent_ids),
            "skill_ids": list(self.skill_ids),
            "service_level_s": self.service_level_s,
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ExportFilters:
        """The filters stored by :meth:`to_params`."""

        def floats(name: str) -> float | None:
            value = params.get(name)
            return None if value is None else float(value)

        return cls(
            from_ts=floats("from_ts"),
            to_ts=floats("to_ts"),
            queue_ids=tuple(int(v) for v in params.get("queue_ids") or ()),
            channels=tuple(str(v) for v in params.get("channels") or ()),
            agent_ids=tuple(int(v) for v in params.get("agent_ids") or ()),
            skill_ids=tuple(int(v) for v in params.get("skill_ids") or ()),
            service_level_s=floats("service_level_s"),
        )


async def resolve_filters(
    session: AsyncSession,
    org_id: int,
    *,
    start: str | None = None,
    end: str | None = None,
    queue_ids: Iterable[int] = (),
    channels: Iterable[str] = (),
    agent_ids: Iterable[int] = (),
    skill_ids: Iterable[int] = (),
    service_level_s: float | None = None,
    dashboard: bool = False,
) -> ExportFilters:
    """The filters as given by a caller, checked (R-AN-5): the period in the organization's
    time zone (:func:`guichet.analytics.period.period`; a dashboard export reads it as the
    dashboard does: the last 30 days by default, at most 366), every id a row of the
    organization (422 naming the field: ``from``, ``to``, ``queue_id``, ``agent_id``,
    ``skill_id``)."""
    org = await session.get(Organization, org_id)
    tz = ZoneInfo(org.timezone if org is not None and org.timezone else "UTC")
    from_ts, to_ts = period(start, end, tz, dashboard=dashboard, now=time_module.time())
    queues = await check_ids_in_org(session, Queue, org_id=org_id, ids=queue_ids, field="queue_id")
    agents = await check_ids_in_org(session, User, org_id=org_id, ids=agent_ids, field="agent_id")
    skills = await check_ids_in_org(session, Skill, org_id=org_id, ids=skill_ids, field="skill_id")
    return ExportFilters(
        from_ts=from_ts,
        to_ts=to_ts,
        queue_ids=tuple(queues),
        channels=tuple(sorted(set(channels))),
        agent_ids=tuple(agents),
        skill_ids=tuple(skills),
        service_level_s=service_level_s,
    )


@dataclass(frozen=True)
class Request:
    """Who exports what: the caller's access rights and the filters."""

    subject: Subject
    filters: ExportFilters = field(default_factory=ExportFilters)

    @property
    def org_id(self) -> int:
        """The caller's organization."""
        return self.subject.org_id


def statistics_scope(subject: Subject) -> Scope:
    """The caller's statistics scope; 403 (R-A-2) when they have none at all."""
    return queries.require_statistics(subject)


def metric_filters(f: ExportFilters) -> metrics.Filters:
    """The same filters as the dashboards read them (:class:`guichet.analytics.metrics.Filters`)."""

    def ids(values: tuple[Any, ...]) -> frozenset[Any] | None:
        return frozenset(values) if values else None

    return metrics.Filters(
        from_ts=f.from_ts,
        to_ts=f.to_ts,
        queue_ids=ids(f.queue_ids),
        channels=ids(f.channels),
        agent_ids=ids(f.agent_ids),
        skill_ids=ids(f.skill_ids),
    )


def interaction_where(req: Request) -> list[ColumnElement[bool]]:
    """The WHERE of the ``interactions`` export: the dashboards' own (organization, statistics
    scope, R-AN-5 filters with ``agent_id`` the agent holding it last), docs/metrics.md."""
    statistics_scope(req.subject)
    return queries.interaction_where(req.subject, metric_filters(req.filters))


def agent_state_where(req: Request) -> list[ColumnElement[bool]]:
    """The WHERE of the ``agent_states`` export: state periods of the agents the scope reaches
    (and ``agent_id`` names) that overlap the period; other filters do not apply to states."""
    statistics_scope(req.subject)
    f = req.filters
    out: list[ColumnElement[bool]] = [AS.org_id == req.org_id]
    reach = queries.agents_where(req.subject, AS.agent_id)
    if reach is not None:
        out.append(reach)
    if f.to_ts is not None:
        out.append(AS.start_ts < f.to_ts)
    if f.from_ts is not None:
        out.append(or_(AS.end_ts.is_(None), AS.end_ts > f.from_ts))
    if f.agent_ids:
        out.append(AS.agent_id.in_(f.agent_ids))
    return out


async def _names(session: AsyncSession, model: Any, org_id: int, column: Any) -> dict[int, str]:
    rows = await session.execute(select(model.id, column).where(model.org_id == org_id))
    return {int(i): str(n) for i, n in rows.all()}


async def _tags(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    rows = await session.execute(
        select(InteractionTag.interaction_id, Tag.name)
        .join(Tag, Tag.id == InteractionTag.tag_id)
        .where(InteractionTag.interaction_id.in_(ids))
        .order_by(InteractionTag.interaction_id, Tag.name)
    )
    out: dict[int, list[str]] = {}
    for iid, name in rows.all():
        out.setdefault(int(iid), []).append(str(name))
    return {iid: TAG_SEPARATOR.join(names) for iid, names in out.items()}


def _ts(value: float | None) -> Timestamp | None:
    return None if value is None else Timestamp(value)


async def count_interactions(session: AsyncSession, req: Request) -> int:
    """How many rows the ``interactions`` export has."""
    total = await session.scalar(
        select(func.count()).select_from(AI).where(*interaction_where(req))
    )
    return int(total or 0)


async def count_agent_states(session: AsyncSession, req: Request) -> int:
    """How many rows the ``agent_states`` export has."""
    total = await session.scalar(
        select(func.count()).select_from(AS).where(*agent_state_where(req))
    )
    return int(total or 0)


async def interaction_rows(
    sessions: Sessions, req: Request, page: int = PAGE
) -> AsyncIterator[list[Any]]:
    """One row per interaction (its values in the order of :data:`INTERACTION_COLUMNS`), by
    arrival time then id (keyset pages of ``page`` rows). Plain columns, not ORM objects: this
    is the export that runs over millions of rows."""
    async with sessions() as s:
        queues = await _names(s, Queue, req.org_id, Queue.name)
        skills = await _names(s, Skill, req.org_id, Skill.name)
        users = await _names(s, User, req.org_id, User.display_name)
        dispositions = await _names(s, Disposition, req.org_id, Disposition.name)
    where = interaction_where(req)
    columns = (
        AI.interaction_id,
        AI.channel,
        AI.queue_id,
        AI.skill_id,
        AI.agent_id,
        AI.first_agent_id,
        AI.arrived_ts,
        AI.queued_ts,
        AI.answered_ts,
        AI.abandoned_ts,
        AI.ended_ts,
        AI.wait_s,
        AI.talk_s,
        AI.hold_s,
        AI.wrap_s,
        AI.first_response_s,
        AI.offers,
        AI.no_answers,
        AI.transfers,
        AI.overflowed,
        AI.callback,
        AI.outcome,
        AI.resolved,
        Interaction.disposition_id,
    )
    last: tuple[float, int] | None = None
    get_q, get_s, get_u, get_d = queues.get, skills.get, users.get, dispositions.get
    while True:
        stmt = select(*columns).join(Interaction, Interaction.id == AI.interaction_id)
        stmt = stmt.where(*where)
        if last is not None:
            ts, iid = last
            stmt = stmt.where(
                or_(AI.arrived_ts > ts, and_(AI.arrived_ts == ts, AI.interaction_id > iid))
            )
        stmt = stmt.order_by(AI.arrived_ts, AI.interaction_id).limit(page)
        async with sessions() as s:
            batch: list[Any] = list((await s.execute(stmt)).all())
            tags = await _tags(s, [r[0] for r in batch]) if batch else {}
        for n, r in enumerate(batch, 1):
            if n % SLICE == 0:
                await asyncio.sleep(0)
            (iid, channel, qid, sid, aid, fid, arrived, queued, answered, abandoned, ended) = r[:11]
            wait, talk, hold, wrap, first_response = r[11:16]
            yield [
                iid,
                channel,
                qid,
                None if qid is None else get_q(qid),
                sid,
                None if sid is None else get_s(sid),
                aid,
                None if aid is None else get_u(aid),
                fid,
                None if fid is None else get_u(fid),
                Timestamp(arrived),
                None if queued is None else Timestamp(queued),
                None if answered is None else Timestamp(answered),
                None if abandoned is None else Timestamp(abandoned),
                None if ended is None else Timestamp(ended),
                wait,
                talk,
                hold,
                wrap,
                talk + hold + wrap,
                first_response,
                *r[16:23],
                tags.get(iid, ""),
                None if r[23] is None else get_d(r[23]),
            ]
        if len(batch) < page:
            return
        last = (batch[-1][6], batch[-1][0])


async def agent_state_rows(
    sessions: Sessions, req: Request, page: int = PAGE
) -> AsyncIterator[Row]:
    """One row per agent state change (R-AN-8), by start time then event id."""
    async with sessions() as s:
        users = await _names(s, User, req.org_id, User.display_name)
    where = agent_state_where(req)
    last: tuple[float, int] | None = None
    while True:
        stmt = select(AS).where(*where)
        if last is not None:
            ts, eid = last
            stmt = stmt.where(or_(AS.start_ts > ts, and_(AS.start_ts == ts, AS.event_id > eid)))
        stmt = stmt.order_by(AS.start_ts, AS.event_id).limit(page)
        async with sessions() as s:
            batch = list(await s.scalars(stmt))
        for n, r in enumerate(batch, 1):
            if n % SLICE == 0:
                await asyncio.sleep(0)
            yield {
                "event_id": r.event_id,
                "agent_id": r.agent_id,
                "agent_name": users.get(r.agent_id),
                "state": r.state,
                "reason": r.reason,
                "start_at": Timestamp(r.start_ts),
                "end_at": _ts(r.end_ts),
                "duration_s": None if r.end_ts is None else r.end_ts - r.start_ts,
            }
        if len(batch) < page:
            return
        last = (batch[-1].start_ts, batch[-1].event_id)


# --- Dashboards as rows (R-AN-6: "CSV export of each dashboard's data") ------------------------

#: The dashboards' period when neither ``from`` nor ``to`` is given: the last 30 days, as the
#: dashboard API answers (docs/api/analytics.md).
DASHBOARD_DEFAULT_DAYS = 30
#: Agent states with a ``<state>_s`` column in the agent-performance export.
STATES = ("available", "busy", "wrap_up", "paused", "offline")
TOTALS = (
    "offered",
    "handled",
    "abandoned",
    "missed",
    "waiting",
    "answered_within",
    "abandoned_within",
    "asa_s",
    "avg_abandon_wait_s",
    "avg_wait_s",
    "sl_offered",
    "sl_answered",
    "sl_abandons",
)
CALLERS_COLUMNS = ("section", "date", "weekday", "hour", *TOTALS, "service_level_s", "timezone")
WORK = ("handled", "talk_s", "hold_s", "wrap_s", "handle_s", "aht_s")
PERFORMANCE_COLUMNS = (
    "section",
    "agent_id",
    "agent_name",
    "queue_id",
    "queue_name",
    "channel",
    *WORK,
    "occupancy",
    *(f"{state}_s" for state in STATES),
)
RESOLVED_COLUMNS = (
    "section",
    "channel",
    "agent_id",
    "agent_name",
    "reason_kind",
    "reason_id",
    "reason_name",
    "conversations",
    "resolved",
    "count",
)
#: Every top reason is exported (the dashboard shows the first ten).
ALL_REASONS = 10_000


@dataclass(frozen=True)
class Dashboard:
    """A dashboard request as the dashboard API checks it: zone, filters, threshold, now."""

    tz: str
    filters: metrics.Filters
    threshold_s: float
    now_ts: float


async def dashboard_of(session: AsyncSession, req: Request) -> Dashboard:
    """The dashboard API's reading of the filters: the last 30 days when no period is given,
    the service-level threshold of the one queue filtered on, else 20 s (R-AN-1, R-AN-5)."""
    org = await session.get(Organization, req.org_id)
    tz = org.timezone if org is not None and org.timezone else "UTC"
    now = time_module.time()
    f = req.filters
    end = now if f.to_ts is None else f.to_ts
    start = end - DASHBOARD_DEFAULT_DAYS * 86400.0 if f.from_ts is None else f.from_ts
    threshold = f.service_level_s
    if threshold is None:
        threshold = metrics.DEFAULT_THRESHOLD_S
        if len(f.queue_ids) == 1:  # one queue: its own setting
            own = await queries.queue_thresholds(session, req.org_id)
            threshold = own.get(f.queue_ids[0], threshold)
    filters = metric_filters(ExportFilters(**{**f.to_params(), "from_ts": start, "to_ts": end}))
    return Dashboard(tz, filters, float(threshold), now)


async def callers_in_queue_rows(session: AsyncSession, req: Request) -> list[Row]:
    """R-AN-2 as rows: ``total``, one ``day`` per local date, one ``weekday_hour`` per cell
    (weekday 0 = Monday, offered only)."""
    d = await dashboard_of(session, req)
    body = await queries.callers_in_queue(
        session, subject=req.subject, filters=d.filters, tz=d.tz, threshold_s=d.threshold_s
    )
    out: list[Row] = [
        {"section": "total", **body["totals"], "service_level_s": d.threshold_s, "timezone": d.tz}
    ]
    out += [{"section": "day", **day} for day in body["by_day"]]
    for weekday, hours in enumerate(body["heatmap"]):
        out += [
            {"section": "weekday_hour", "weekday": weekday, "hour": hour, "offered": n}
            for hour, n in enumerate(hours)
        ]
    return out


def _states(seconds: Mapping[str, float]) -> Row:
    return {f"{state}_s": float(seconds.get(state, 0.0)) for state in STATES}


async def agent_performance_rows(session: AsyncSession, req: Request) -> list[Row]:
    """R-AN-3 as rows: one ``agent`` each, the ``team``, one per ``queue`` and ``channel``."""
    d = await dashboard_of(session, req)
    body = await queries.agent_performance(
        session, subject=req.subject, filters=d.filters, now_ts=d.now_ts
    )
    users = await _names(session, User, req.org_id, User.display_name)
    queue_names = await _names(session, Queue, req.org_id, Queue.name)
    out: list[Row] = []
    for a in body["agents"]:
        work = {k: a[k] for k in WORK}
        out.append(
            {
                "section": "agent",
                "agent_id": a["agent_id"],
                "agent_name": users.get(a["agent_id"]),
                **work,
                "occupancy": a["occupancy"],
                **_states(a["states"]),
            }
        )
    team = body["team"]
    out.append(
        {
            "section": "team",
            **{k: team[k] for k in WORK},
            "occupancy": team["occupancy"],
            **_states(team["states"]),
        }
    )
    for q in body["by_queue"]:
        qid = q["queue_id"]
        name = None if qid is None else queue_names.get(qid)
        row = {"section": "queue", "queue_id": qid, "queue_name": name}
        out.append(row | {k: q[k] for k in WORK})
    for c in body["by_channel"]:
        out.append({"section": "channel", "channel": c["channel"], **{k: c[k] for k in WORK}})
    return out


async def resolved_conversations_rows(session: AsyncSession, req: Request) -> list[Row]:
    """R-AN-4 as rows: ``total``, one per ``channel``, ``agent`` and ``reason`` (every one)."""
    d = await dashboard_of(session, req)
    body = await queries.resolved_conversations(
        session, subject=req.subject, filters=d.filters, top=ALL_REASONS
    )
    users = await _names(session, User, req.org_id, User.display_name)
    out: list[Row] = [{"section": "total", **body["totals"]}]
    out += [{"section": "channel", **c} for c in body["by_channel"]]
    out += [
        {"section": "agent", **a, "agent_name": users.get(a["agent_id"])} for a in body["by_agent"]
    ]
    out += [
        {
            "section": "reason",
            "reason_kind": r["kind"],
            "reason_id": r["id"],
            "reason_name": r["name"],
            "count": r["count"],
        }
        for r in body["top_reasons"]
    ]
    return out


Build = Callable[[AsyncSession, Request], Awaitable[list[Row]]]


def _dashboard_count(build: Build) -> Callable[[AsyncSession, Request], Awaitable[int]]:
    async def count(session: AsyncSession, req: Request) -> int:
        return len(await build(session, req))

    return count


def _dashboard_rows(build: Build) -> Callable[[Sessions, Request], AsyncIterator[Row]]:
    async def rows(sessions: Sessions, req: Request) -> AsyncIterator[Row]:
        async with sessions() as s:
            out = await build(s, req)
        for n, row in enumerate(out, 1):
            if n % SLICE == 0:
                await asyncio.sleep(0)
            yield row

    return rows


@dataclass(frozen=True)
class Export:
    """One kind of export: its columns, how many rows it has, and its rows."""

    kind: str
    columns: tuple[str, ...]
    count: Callable[[AsyncSession, Request], Awaitable[int]]
    rows: Callable[[Sessions, Request], AsyncIterator[Record]]


def _dashboard(kind: str, columns: tuple[str, ...], build: Build) -> Export:
    return Export(kind, columns, _dashboard_count(build), _dashboard_rows(build))


EXPORTS: dict[str, Export] = {
    "interactions": Export(
        "interactions", INTERACTION_COLUMNS, count_interactions, interaction_rows
    ),
    "agent_states": Export(
        "agent_states", AGENT_STATE_COLUMNS, count_agent_states, agent_state_rows
    ),
    "callers_in_queue": _dashboard("callers_in_queue", CALLERS_COLUMNS, callers_in_queue_rows),
    "agent_performance": _dashboard(
        "agent_performance", PERFORMANCE_COLUMNS, agent_performance_rows
    ),
    "resolved_conversations": _dashboard(
        "resolved_conversations", RESOLVED_COLUMNS, resolved_conversations_rows
    ),
}


async def prepare(session: AsyncSession, org_id: int) -> None:
    """Fold the event log into the projection up to now (``store.catch_up``), and commit."""
    await store.catch_up(session, org_id)
    await session.commit()


#: The exports of a dashboard: their period is read as the dashboard reads it (R-AN-5).
DASHBOARD_KINDS = frozenset({"callers_in_queue", "agent_performance", "resolved_conversations"})
