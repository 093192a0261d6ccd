"""The dashboards' numbers as SQL aggregates over the projection (R-AN-1..R-AN-5, R-S-1).

Each function returns exactly the shape of its pure reference in
:mod:`guichet.analytics.metrics` (the tests compare them on the same random data); only
counts, sums and groups leave the database, so a dashboard never walks rows in Python.
Day and hour buckets: the SQL groups by 15-minute UTC slots ``floor(ts / 900)`` and Python
maps each slot to the organization's local date, weekday and hour (DST-exact, portable).

Access (R-A-2, R-A-6): interaction and segment rows are limited to the conversations the
caller's statistics scope lets appear (the compiled conversation filter as a subquery on
interaction ids; nothing added for the scope ``all``), agent-state rows to the agents the scope
reaches (themself; with ``department`` the members of their department subtree).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, cast, false, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.analytics import metrics
from guichet.analytics.metrics import SLOT_S, Filters
from guichet.authz.access import Area, Scope, Subject
from guichet.errors import Forbidden
from guichet.persistence.models import (
    Disposition,
    Interaction,
    InteractionTag,
    Queue,
    Tag,
    User,
)
from guichet.persistence.models.analytics import (
    AnalyticsAgentState,
    AnalyticsInteraction,
    AnalyticsSegment,
)
from guichet.queries.access import conversation_where

AI = AnalyticsInteraction
AS = AnalyticsSegment
ST = AnalyticsAgentState


# --- Access and filters ------------------------------------------------------------------------


def require_statistics(subject: Subject) -> Scope:
    """The caller's statistics scope; 403 (R-A-2) when they have none at all."""
    scope = subject.scope(Area.STATISTICS)
    if scope is Scope.DENIED:
        raise Forbidden("this needs a statistics scope", code="forbidden", rule="R-A-2")
    return scope


def scope_where(subject: Subject, column: Any) -> ColumnElement[bool] | None:
    """``column`` (an interaction id) among the conversations the statistics scope shows;
    None when it shows all of the organization's."""
    scope = subject.scope(Area.STATISTICS)
    if scope is Scope.ALL:
        return None
    if scope is Scope.DENIED:
        return false()
    visible = select(Interaction.id).where(conversation_where(subject, Area.STATISTICS))
    inside: ColumnElement[bool] = column.in_(visible)
    return inside


def agents_where(subject: Subject, column: Any) -> ColumnElement[bool] | None:
    """``column`` (a user id) among the agents the statistics scope reaches; None for all."""
    scope = subject.scope(Area.STATISTICS)
    if scope is Scope.ALL:
        return None
    if scope is Scope.DENIED:
        return false()
    if scope is Scope.DEPARTMENT and subject.departments:
        members = select(User.id).where(
            User.org_id == subject.org_id, User.department_id.in_(sorted(subject.departments))
        )
        either: ColumnElement[bool] = or_(column == subject.user_id, column.in_(members))
        return either
    mine: ColumnElement[bool] = column == subject.user_id
    return mine


def _period(column: Any, filters: Filters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if filters.from_ts is not None:
        out.append(column >= filters.from_ts)
    if filters.to_ts is not None:
        out.append(column < filters.to_ts)
    return out


def _in(column: Any, values: frozenset[Any] | None) -> list[ColumnElement[bool]]:
    return [] if values is None else [column.in_(sorted(values))]


def interaction_where(subject: Subject, filters: Filters) -> list[ColumnElement[bool]]:
    """The interactions of the caller's organization that pass ``filters`` and the scope
    (as :meth:`guichet.analytics.metrics.Filters.match`)."""
    out = [AI.org_id == subject.org_id, *_period(AI.arrived_ts, filters)]
    out += _in(AI.queue_id, filters.queue_ids)
    out += _in(AI.channel, filters.channels)
    out += _in(AI.agent_id, filters.agent_ids)
    out += _in(AI.skill_id, filters.skill_ids)
    scoped = scope_where(subject, AI.interaction_id)
    if scoped is not None:
        out.append(scoped)
    return out


def segment_where(subject: Subject, filters: Filters) -> list[ColumnElement[bool]]:
    """The segments that pass ``filters`` (skill: their interaction's) and the scope."""
    out = [AS.org_id == subject.org_id, *_period(AS.start_ts, filters)]
    out += _in(AS.queue_id, filters.queue_ids)
    out += _in(AS.channel, filters.channels)
    out += _in(AS.agent_id, filters.agent_ids)
    if filters.skill_ids is not None:
        out.append(
            AS.interaction_id.in_(
                select(AI.interaction_id).where(
                    AI.org_id == subject.org_id, AI.skill_id.in_(sorted(filters.skill_ids))
                )
            )
        )
    scoped = scope_where(subject, AS.interaction_id)
    if scoped is not None:
        out.append(scoped)
    return out


def _slot(session: AsyncSession, column: Any) -> Any:
    """``floor(column / 900)`` on either engine (SQLite's CAST truncates; times are > 0)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(column / SLOT_S), Integer)
    return cast(column / SLOT_S, Integer)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum(column: Any, condition: ColumnElement[bool] | None = None) -> Any:
    value = column if condition is None else case((condition, column), else_=None)
    return func.coalesce(func.sum(value), 0.0)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


async def queue_thresholds(session: AsyncSession, org_id: int) -> dict[int, float]:
    """Each queue's service-level threshold (its ``service_level_s`` setting, else 20 s)."""
    rows = await session.execute(select(Queue.id, Queue.settings).where(Queue.org_id == org_id))
    return {
        qid: float((settings or {}).get("service_level_s") or metrics.DEFAULT_THRESHOLD_S)
        for qid, settings in rows
    }


# --- Callers in queue (R-AN-2) -----------------------------------------------------------------


def _answered() -> ColumnElement[bool]:
    return AI.answered_ts.is_not(None)


def _abandoned() -> ColumnElement[bool]:
    return AI.outcome == "abandoned"


def _missed() -> ColumnElement[bool]:
    return and_(AI.answered_ts.is_(None), AI.outcome.in_(("abandoned", "missed", "unrouted")))


def _totals_columns(threshold_s: float) -> tuple[Any, ...]:
    """The aggregates of :func:`_totals_dict`, in its order."""
    answered, abandoned = _answered(), _abandoned()
    waited = AI.wait_s.is_not(None)
    within = AI.wait_s <= threshold_s
    return (
        func.count(),
        _count(answered),
        _count(abandoned),
        _count(_missed()),
        _count(AI.outcome == "waiting"),
        _count(and_(answered, waited, within)),
        _count(and_(abandoned, waited, within)),
        _count(and_(answered, waited)),
        _sum(AI.wait_s, and_(answered, waited)),
        _count(and_(abandoned, waited)),
        _sum(AI.wait_s, and_(abandoned, waited)),
    )


def _totals_dict(*values: Any) -> dict[str, Any]:
    offered, handled, aband, missed, waiting, a_in, ab_in, n_h, s_h, n_a, s_a = (
        int(v) if i not in (8, 10) else float(v) for i, v in enumerate(values)
    )
    return {
        "offered": offered,
        "handled": handled,
        "abandoned": aband,
        "missed": missed,
        "waiting": waiting,
        "answered_within": a_in,
        "abandoned_within": ab_in,
        "asa_s": _ratio(s_h, n_h),
        "avg_abandon_wait_s": _ratio(s_a, n_a),
        "avg_wait_s": _ratio(s_h + s_a, n_h + n_a),
        "sl_offered": _ratio(a_in, offered),
        "sl_answered": _ratio(a_in, handled),
        "sl_abandons": _ratio(a_in + ab_in, handled + aband),
    }


async def callers_in_queue(
    session: AsyncSession,
    *,
    subject: Subject,
    filters: Filters,
    tz: str,
    threshold_s: float = metrics.DEFAULT_THRESHOLD_S,
) -> dict[str, Any]:
    """R-AN-2, as :func:`guichet.analytics.metrics.callers_in_queue`."""
    where = interaction_where(subject, filters)
    slot = _slot(session, AI.arrived_ts).label("slot")
    # One scan: every total per 15-minute slot, summed here for the period's totals.
    rows = await session.execute(
        select(slot, *_totals_columns(threshold_s))
        .where(*where, AI.queued_ts.is_not(None))
        .group_by(slot)
    )
    sums = [0.0] * 11
    days: dict[str, dict[str, Any]] = {}
    heatmap = [[0] * 24 for _ in range(7)]
    for s, *values in rows:
        for i, v in enumerate(values):
            sums[i] += v or 0
        offered, handled, abandoned, missed = (int(v) for v in values[:4])
        local = metrics.local_slot(int(s) * SLOT_S, tz)
        key = local.date().isoformat()
        day = days.get(key)
        if day is None:
            day = days[key] = {"date": key, "offered": 0, "handled": 0, "abandoned": 0, "missed": 0}
        day["offered"] += offered
        day["handled"] += handled
        day["abandoned"] += abandoned
        day["missed"] += missed
        heatmap[local.weekday()][local.hour] += offered
    totals = _totals_dict(*sums)
    return {
        "totals": totals,
        "by_day": [days[k] for k in sorted(days)],
        "heatmap": heatmap,
        "by_weekday": [sum(row) for row in heatmap],
        "by_hour": [sum(heatmap[d][h] for d in range(7)) for h in range(24)],
    }


# --- Agent performance (R-AN-3) ----------------------------------------------------------------


def _least(a: Any, b: Any) -> Any:
    return case((a < b, a), else_=b)


def _greatest(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


async def state_seconds(
    session: AsyncSession, *, subject: Subject, filters: Filters, now_ts: float
) -> dict[int, dict[str, float]]:
    """Seconds per agent and state in the period, as :func:`metrics.state_seconds`."""
    high = now_ts if filters.to_ts is None else min(filters.to_ts, now_ts)
    end = func.coalesce(ST.end_ts, now_ts)
    stop = _least(end, high)
    start = ST.start_ts if filters.from_ts is None else _greatest(ST.start_ts, filters.from_ts)
    where = [ST.org_id == subject.org_id, ST.start_ts < high, end > ST.start_ts]
    if filters.from_ts is not None:
        where.append(end > filters.from_ts)
    where += _in(ST.agent_id, filters.agent_ids)
    reach = agents_where(subject, ST.agent_id)
    if reach is not None:
        where.append(reach)
    rows = await session.execute(
        select(ST.agent_id, ST.state, func.sum(stop - start))
        .where(*where)
        .group_by(ST.agent_id, ST.state)
    )
    out: dict[int, dict[str, float]] = defaultdict(dict)
    for agent, state, seconds in rows:
        if seconds is not None and seconds > 0:
            out[int(agent)][state] = float(seconds)
    return dict(out)


def _work_columns() -> tuple[Any, ...]:
    return (
        func.count(AS.interaction_id.distinct()),
        _sum(AS.talk_s),
        _sum(AS.hold_s),
        _sum(AS.wrap_s),
    )


def _work(handled: Any, talk: Any, hold: Any, wrap: Any) -> dict[str, Any]:
    talk, hold, wrap = float(talk), float(hold), float(wrap)
    return {
        "handled": int(handled),
        "talk_s": talk,
        "hold_s": hold,
        "wrap_s": wrap,
        "handle_s": talk + hold + wrap,
        "aht_s": _ratio(talk + hold + wrap, int(handled)),
    }


WorkGroups = tuple[
    dict[int, dict[str, Any]],
    dict[str, Any],
    dict[int | None, dict[str, Any]],
    dict[str, dict[str, Any]],
]


async def _work_groups(session: AsyncSession, where: list[ColumnElement[bool]]) -> WorkGroups:
    """Work of the segments of ``where`` per agent, for the team, per queue and per channel.

    "Handled" counts distinct interactions, which sums do not give (a transferred interaction
    has segments of two agents), so each grouping is its own: on PostgreSQL one scan with
    ``GROUPING SETS``, on SQLite four."""
    if session.get_bind().dialect.name == "postgresql":
        sets = text("GROUPING SETS ((agent_id), (queue_id), (channel), ())")
        flag = func.grouping(AS.agent_id, AS.queue_id, AS.channel)
        rows = await session.execute(
            select(flag, AS.agent_id, AS.queue_id, AS.channel, *_work_columns())
            .where(*where)
            .group_by(sets)
        )
        by_agent: dict[int, dict[str, Any]] = {}
        by_queue: dict[int | None, dict[str, Any]] = {}
        by_channel: dict[str, dict[str, Any]] = {}
        team = _work(0, 0.0, 0.0, 0.0)
        for g, agent, queue, channel, *rest in rows:
            if g == 0b011:
                by_agent[int(agent)] = _work(*rest)
            elif g == 0b101:
                by_queue[queue] = _work(*rest)
            elif g == 0b110:
                by_channel[channel] = _work(*rest)
            else:
                team = _work(*rest)
        return by_agent, team, by_queue, by_channel
    by_agent = {
        int(a): _work(*rest)
        for a, *rest in await session.execute(
            select(AS.agent_id, *_work_columns()).where(*where).group_by(AS.agent_id)
        )
    }
    team = _work(*(await session.execute(select(*_work_columns()).where(*where))).one())
    by_queue = {
        q: _work(*rest)
        for q, *rest in await session.execute(
            select(AS.queue_id, *_work_columns()).where(*where).group_by(AS.queue_id)
        )
    }
    by_channel = {
        c: _work(*rest)
        for c, *rest in await session.execute(
            select(AS.channel, *_work_columns()).where(*where).group_by(AS.channel)
        )
    }
    return by_agent, team, by_queue, by_channel


async def agent_performance(
    session: AsyncSession, *, subject: Subject, filters: Filters, now_ts: float
) -> dict[str, Any]:
    """R-AN-3, as :func:`guichet.analytics.metrics.agent_performance`."""
    where = segment_where(subject, filters)
    per_state = await state_seconds(session, subject=subject, filters=filters, now_ts=now_ts)
    by_agent, team_work, by_queue, by_channel = await _work_groups(session, where)
    return metrics.agent_performance_body(per_state, by_agent, team_work, by_queue, by_channel)


# --- Resolved conversations (R-AN-4) -----------------------------------------------------------


async def reasons_of_resolved(
    session: AsyncSession, where: list[ColumnElement[bool]]
) -> list[tuple[str, int, str, int]]:
    """(kind, id, name, conversations) of the tags and dispositions on the resolved
    conversations of ``where``. Labels are not attached to interactions in this version."""
    resolved = select(AI.interaction_id).where(*where, AI.resolved.is_(True))
    tags = await session.execute(
        select(Tag.id, Tag.name, func.count())
        .join(InteractionTag, InteractionTag.tag_id == Tag.id)
        .where(InteractionTag.interaction_id.in_(resolved))
        .group_by(Tag.id, Tag.name)
    )
    out = [("tag", int(i), str(n), int(c)) for i, n, c in tags]
    dispositions = await session.execute(
        select(Disposition.id, Disposition.name, func.count())
        .join(Interaction, Interaction.disposition_id == Disposition.id)
        .where(Interaction.id.in_(resolved))
        .group_by(Disposition.id, Disposition.name)
    )
    out += [("disposition", int(i), str(n), int(c)) for i, n, c in dispositions]
    return out


async def resolved_conversations(
    session: AsyncSession, *, subject: Subject, filters: Filters, top: int = 10
) -> dict[str, Any]:
    """R-AN-4, as :func:`guichet.analytics.metrics.resolved_conversations`."""
    where = interaction_where(subject, filters)
    resolved = AI.resolved.is_(True)
    channels = [
        {"channel": c, "conversations": int(n), "resolved": int(r)}
        for c, n, r in await session.execute(
            select(AI.channel, func.count(), _count(resolved)).where(*where).group_by(AI.channel)
        )
    ]
    channels.sort(key=lambda c: c["channel"])
    by_agent = [
        {"agent_id": int(a or 0), "resolved": int(n)}
        for a, n in await session.execute(
            select(AI.agent_id, func.count())
            .where(*where, resolved, AI.agent_id.is_not(None))
            .group_by(AI.agent_id)
            .order_by(AI.agent_id)
        )
    ]
    counts = await reasons_of_resolved(session, where)
    counts.sort(key=lambda r: (-r[3], r[0], r[1]))
    return {
        "totals": {
            "conversations": sum(c["conversations"] for c in channels),
            "resolved": sum(c["resolved"] for c in channels),
        },
        "by_channel": channels,
        "by_agent": by_agent,
        "top_reasons": [{"kind": k, "id": i, "name": n, "count": c} for k, i, n, c in counts[:top]],
    }


# --- Real time (R-S-1, R-Q-6) ------------------------------------------------------------------


async def realtime(
    session: AsyncSession,
    *,
    subject: Subject,
    filters: Filters,
    now_ts: float,
    tz: str,
    thresholds: Mapping[int, float] | None = None,
    window_s: float = metrics.REALTIME_WINDOW_S,
) -> dict[str, Any]:
    """R-S-1 per queue, as :func:`guichet.analytics.metrics.realtime`: the average wait of the
    interactions answered or abandoned in the last ``window_s`` seconds (the R-Q-6 window),
    today's totals and service level, the longest current wait."""
    thresholds = thresholds or {}
    today = metrics.local_day_start(now_ts, tz)
    horizon = now_ts - window_s
    base = interaction_where(
        subject, Filters(queue_ids=filters.queue_ids, channels=filters.channels)
    )
    base.append(AI.queued_ts.is_not(None))
    # Left the queue in (horizon, now]: answered then, or never answered and abandoned then
    # (two index ranges rather than a scan of coalesce()).
    recent = and_(
        AI.wait_s.is_not(None),
        or_(
            and_(AI.answered_ts > horizon, AI.answered_ts <= now_ts),
            and_(AI.answered_ts.is_(None), AI.abandoned_ts > horizon, AI.abandoned_ts <= now_ts),
        ),
    )
    waiting = and_(AI.outcome == "waiting", AI.queued_ts.is_not(None))
    # Three cheap reads (each on an index): the recent leavers, today's arrivals, the waiting
    # ones; the queues listed are those with one of them, as the reference lists.
    figures: dict[int | None, dict[str, Any]] = {}
    for q, n, total in await session.execute(
        select(AI.queue_id, func.count(), func.sum(AI.wait_s))
        .where(*base, recent)
        .group_by(AI.queue_id)
    ):
        figures.setdefault(q, {})["recent"] = (int(n), float(total or 0.0))
    for q, n, longest in await session.execute(
        select(AI.queue_id, func.count(), func.min(AI.queued_ts))
        .where(*base, waiting)
        .group_by(AI.queue_id)
    ):
        figures.setdefault(q, {})["waiting"] = (int(n), max(0.0, now_ts - float(longest or now_ts)))
    limit_of = (
        case(
            dict(thresholds),
            value=AI.queue_id,
            else_=metrics.DEFAULT_THRESHOLD_S,
        )
        if thresholds
        else metrics.DEFAULT_THRESHOLD_S
    )
    answered = _answered()
    todays = {
        q: (int(n), int(h), int(ab), int(w))
        for q, n, h, ab, w in await session.execute(
            select(
                AI.queue_id,
                func.count(),
                _count(answered),
                _count(_abandoned()),
                _count(and_(answered, AI.wait_s.is_not(None), AI.wait_s <= limit_of)),
            )
            .where(*base, AI.arrived_ts >= today, AI.arrived_ts <= now_ts)
            .group_by(AI.queue_id)
        )
    }
    queues_seen = set(figures) | set(todays)
    out = []
    for q in sorted(queues_seen, key=lambda q: (q is None, q or 0)):
        limit = metrics.DEFAULT_THRESHOLD_S
        if q is not None:
            limit = thresholds.get(q, metrics.DEFAULT_THRESHOLD_S)
        f = figures.get(q, {})
        n_recent, sum_recent = f.get("recent", (0, 0.0))
        n_wait, longest = f.get("waiting", (0, None))
        offered, handled, abandoned, within = todays.get(q, (0, 0, 0, 0))
        out.append(
            {
                "queue_id": q,
                "avg_wait_15m_s": _ratio(sum_recent, n_recent),
                "left_15m": n_recent,
                "offered_today": offered,
                "answered_today": handled,
                "abandoned_today": abandoned,
                "answered_within_today": within,
                "threshold_s": limit,
                "sl_today": _ratio(within, offered),
                "waiting": n_wait,
                "longest_wait_s": longest,
            }
        )
    longest_all = [q["longest_wait_s"] for q in out if q["longest_wait_s"] is not None]
    return {
        "day_start_ts": today,
        "queues": out,
        "longest_wait_s": max(longest_all, default=None),
    }
