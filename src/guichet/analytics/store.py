"""The projector: folds an organization's event log into the analytics tables (R-AN-1, R-AN-8).

:func:`catch_up` reads ``interaction_events`` from the organization's cursor
(``analytics_cursors``) in batches of :data:`BATCH` rows, ordered by id:

- every interaction a batch touches is folded again from **all** its events
  (:func:`guichet.analytics.folds.fold_interaction`): its ``analytics_interactions`` row and its
  ``analytics_segments`` rows are replaced (delete + insert by primary key, in the batch's
  transaction: portable to SQLite and PostgreSQL);
- every ``agent.state_changed`` row becomes an ``analytics_agent_states`` row, and the agent's
  previous row gets its ``end_ts`` (the start of the next one);
- the cursor moves to the batch's last id, and the batch commits.

Late commits. The loop of one organization commits its rows in id order, but other writers
(the conversation actions, for instance) insert rows too: on PostgreSQL a row can become
visible after a row with a higher id was read. Each catch-up that finds new rows therefore
starts :data:`LOOKBACK` ids before the cursor and folds that window again. Folding is
idempotent, so re-reading costs time, never correctness; a late row is folded at the first
catch-up after a newer row arrives, and one that commits more than ``LOOKBACK`` ids late is
only picked up by :func:`rebuild`. A catch-up with nothing past the cursor writes nothing.
SQLite has one writer, so there rows cannot commit late.

Memory stays flat: one batch of rows, and the events of the interactions it touches, at a time.
The event loop is not held for a whole batch (routing and sockets share it): decoding, folding
and writing give it a turn every :data:`SLICE` rows or interactions (issue 12 finding 11).
A per-organization :class:`asyncio.Lock` keeps concurrent requests of this process from
folding the same rows twice; across processes, the cursor row is locked ``FOR UPDATE`` on
PostgreSQL (SQLite's writer lock does the same).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any, cast

from sqlalchemy import Table, Text, bindparam, delete, func, insert, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.analytics import folds
from guichet.analytics.facts import AgentStateFact, InteractionFact, LogRow, SegmentFact
from guichet.domain.events import EventType
from guichet.persistence.models import InteractionEvent
from guichet.persistence.models.analytics import (
    AnalyticsAgentState,
    AnalyticsCursor,
    AnalyticsInteraction,
    AnalyticsSegment,
)
from guichet.persistence.models.base import utcnow

#: Event-log rows read (and committed) at a time.
BATCH = 20_000
#: Ids before the cursor read again at each catch-up, for rows that committed late.
#: It must stay below ``BATCH``: the first batch then covers the whole window.
LOOKBACK = 2_000
#: Ids per ``IN (...)`` list (well under SQLite's bound on bound parameters).
CHUNK = 900
#: Rows (or interactions) handled between two turns given to the event loop.
SLICE = 100

_LOCKS: dict[int, asyncio.Lock] = {}

_COLUMNS = (
    InteractionEvent.id,
    InteractionEvent.org_id,
    InteractionEvent.at,
    InteractionEvent.type,
    InteractionEvent.interaction_id,
    InteractionEvent.agent_id,
    InteractionEvent.actor_id,
    InteractionEvent.queue_id,
    InteractionEvent.skill_id,
    InteractionEvent.channel,
    # The JSON text, decoded only for the rows whose data the folds read.
    sql_cast(InteractionEvent.data, Text).label("data"),
)
_INT = cast(Table, AnalyticsInteraction.__table__)
_SEG = cast(Table, AnalyticsSegment.__table__)
_STATES = cast(Table, AnalyticsAgentState.__table__)
_I_FIELDS = tuple(f.name for f in fields(InteractionFact))
_S_FIELDS = tuple(f.name for f in fields(SegmentFact))
_A_FIELDS = tuple(f.name for f in fields(AgentStateFact))


def _lock(org_id: int) -> asyncio.Lock:
    lock = _LOCKS.get(org_id)
    if lock is None:
        lock = _LOCKS[org_id] = asyncio.Lock()
    return lock


def _chunks(values: Sequence[int]) -> Iterable[list[int]]:
    for i in range(0, len(values), CHUNK):
        yield list(values[i : i + CHUNK])


async def _turn(done: int) -> None:
    """Give the event loop a turn every :data:`SLICE` items (``done`` counts them)."""
    if done % SLICE == 0:
        await asyncio.sleep(0)


async def _insert(conn: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` in slices, with a turn for the event loop between two."""
    for start in range(0, len(rows), SLICE):
        await conn.execute(insert(table), rows[start : start + SLICE])
        await asyncio.sleep(0)


def _as_dict(fact: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(fact, name) for name in names}


#: Types whose ``data`` the folds read; other rows skip decoding it (most of the log).
_NEEDS_DATA = frozenset(
    {
        EventType.INTERACTION_ARRIVED,
        EventType.INTERACTION_REQUEUED,
        EventType.MESSAGE_POSTED,
        EventType.AGENT_STATE_CHANGED,
    }
)
#: The first row of every interaction (accepted, or refused by every route).
_FIRST_ROWS = frozenset({EventType.INTERACTION_ARRIVED, EventType.INTERACTION_UNROUTED})
#: Types whose agent the folds may take from ``data`` when the column is empty.
_AGENT_TYPES = frozenset(
    {EventType.INTERACTION_ASSIGNED, EventType.AGENT_WRAP_UP_STARTED, EventType.AGENT_WRAP_UP_ENDED}
)


def _log_row(row: Any) -> LogRow:
    """A log row from the columns of :data:`_COLUMNS` (``data`` as its JSON text)."""
    eid, org_id, at, kind, iid, agent, actor, queue, skill, channel, raw = row
    data: dict[str, Any] = {}
    if raw and (kind in _NEEDS_DATA or (agent is None and kind in _AGENT_TYPES)):
        loaded = json.loads(raw) if isinstance(raw, str) else raw
        data = dict(loaded or {})
    return LogRow(
        id=eid,
        at_ts=at.timestamp(),
        type=kind,
        interaction_id=iid,
        agent_id=agent,
        actor_id=actor,
        queue_id=queue,
        skill_id=skill,
        channel=channel,
        data=data,
        org_id=org_id,
    )


async def cursor_of(session: AsyncSession, org_id: int) -> int:
    """The last event id the organization's projection has read (0 before any)."""
    value = await session.scalar(
        select(AnalyticsCursor.last_event_id).where(AnalyticsCursor.org_id == org_id)
    )
    return int(value or 0)


async def _locked_cursor(session: AsyncSession, org_id: int) -> AnalyticsCursor:
    """The cursor row, created when missing, locked for this transaction (PostgreSQL)."""
    stmt = select(AnalyticsCursor).where(AnalyticsCursor.org_id == org_id).with_for_update()
    row = await session.scalar(stmt.execution_options(populate_existing=True))
    if row is None:
        # Two processes may both find none: the second insert is a no-op on either engine.
        new = {"org_id": org_id, "last_event_id": 0, "updated_at": utcnow()}
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(pg_insert(AnalyticsCursor).values(new).on_conflict_do_nothing())
        else:
            await session.execute(
                sqlite_insert(AnalyticsCursor).values(new).on_conflict_do_nothing()
            )
        row = await session.scalar(stmt.execution_options(populate_existing=True))
        assert row is not None
    return row


async def _events_of(
    session: AsyncSession, org_id: int, interaction_ids: Sequence[int], *, up_to: int
) -> dict[int, list[LogRow]]:
    """The events of these interactions with ids up to ``up_to``, grouped by interaction.

    The WHERE names the interactions only (an interaction belongs to one organization), so
    the planner takes the ``interaction_id`` index whatever its statistics say: with the id
    range in it, SQLite took the ``(org_id, id)`` index and read the whole log before each
    batch. Later rows (the batch's own) are dropped here."""
    out: dict[int, list[LogRow]] = defaultdict(list)
    for chunk in _chunks(interaction_ids):
        rows = await session.execute(
            select(*_COLUMNS).where(InteractionEvent.interaction_id.in_(chunk))
        )
        for n, row in enumerate(rows, 1):
            await _turn(n)
            if row[0] > up_to or row[1] != org_id:
                continue
            log = _log_row(row)
            assert log.interaction_id is not None
            out[log.interaction_id].append(log)
    return out


async def _project_interactions(
    session: AsyncSession, org_id: int, batch: Sequence[LogRow], from_id: int
) -> None:
    """Fold every interaction of ``batch`` (the rows after ``from_id``, in id order) again
    from all its events up to the batch's last one, and replace its projection rows.

    The batch's own rows are in hand: only the interactions' rows before it are read. Rows
    after it belong to the next batch, which folds these interactions again.
    """
    events: dict[int, list[LogRow]] = defaultdict(list)
    for r in batch:
        if r.interaction_id is not None:
            events[r.interaction_id].append(r)
    ids = sorted(events)
    if not ids:
        return
    # An interaction's first row is its arrival (ids follow causes): when the batch holds it,
    # there is nothing earlier to read.
    started = {r.interaction_id for r in batch if r.type in _FIRST_ROWS}
    earlier = await _events_of(session, org_id, [i for i in ids if i not in started], up_to=from_id)
    for iid, rows in earlier.items():
        events[iid] = rows + events[iid]
    facts: list[dict[str, Any]] = []
    segments: list[dict[str, Any]] = []
    for n, iid in enumerate(ids, 1):
        await _turn(n)
        folded = folds.fold_interaction(events.get(iid, []))
        if folded is None:
            continue  # no arrival (yet): no row
        fact, segs = folded
        facts.append(_as_dict(fact, _I_FIELDS))
        segments.extend(_as_dict(s, _S_FIELDS) for s in segs)
    # Core statements (executemany): the ORM's bulk path costs more than the database here.
    conn = await session.connection()
    for chunk in _chunks(ids):
        await conn.execute(delete(_SEG).where(_SEG.c.interaction_id.in_(chunk)))
        await conn.execute(delete(_INT).where(_INT.c.interaction_id.in_(chunk)))
    await _insert(conn, _INT, facts)
    await _insert(conn, _SEG, segments)


async def _project_states(
    session: AsyncSession, org_id: int, rows: Sequence[LogRow], last: dict[int, int]
) -> None:
    """Project ``agent.state_changed`` rows (in id order) and close each agent's previous one.

    The rows are every state change of the organization from some id on, so within them each
    agent's next change is known; the agent's row just before the first of them (if any) ends
    where that first one starts. ``last`` (agent -> id of its latest projected row, kept
    across the batches of one catch-up) spares looking that row up again; an agent met for the
    first time costs one indexed lookup.
    """
    if not rows:
        return
    states = folds.fold_agent_states(rows)
    ids = [s.event_id for s in states]
    table = _STATES
    conn = await session.connection()
    for chunk in _chunks(ids):
        await conn.execute(delete(table).where(table.c.event_id.in_(chunk)))
    await _insert(conn, table, [_as_dict(s, _A_FIELDS) for s in states])
    first: dict[int, AgentStateFact] = {}
    newest: dict[int, int] = {}
    for s in sorted(states, key=lambda s: s.event_id):
        first.setdefault(s.agent_id, s)
        newest[s.agent_id] = s.event_id
    ends: list[dict[str, Any]] = []
    for agent, head in first.items():
        prev = last.get(agent)
        if prev is None or prev >= head.event_id:
            prev = await session.scalar(
                select(func.max(table.c.event_id)).where(
                    table.c.org_id == org_id,
                    table.c.agent_id == agent,
                    table.c.event_id < head.event_id,
                )
            )
        if prev is not None:
            ends.append({"prev": prev, "end": head.start_ts})
    if ends:
        await conn.execute(
            update(table)
            .where(table.c.event_id == bindparam("prev"))
            .values(end_ts=bindparam("end")),
            ends,
        )
    last.update(newest)


async def _batch(
    session: AsyncSession, org_id: int, from_id: int, last: dict[int, int]
) -> list[int]:
    """Fold one batch of the log after ``from_id``; the ids read, in order."""
    # Streamed in partitions: decoding 20,000 rows at once is a long stretch of the loop.
    result = await session.stream(
        select(*_COLUMNS)
        .where(InteractionEvent.org_id == org_id, InteractionEvent.id > from_id)
        .order_by(InteractionEvent.id)
        .limit(BATCH)
        .execution_options(yield_per=SLICE * 10)
    )
    rows = []
    async for part in result.partitions():
        for n, r in enumerate(part, 1):
            await _turn(n)
            rows.append(_log_row(r))
        await asyncio.sleep(0)
    await _project_interactions(session, org_id, rows, from_id)
    await _project_states(
        session, org_id, [r for r in rows if r.type == EventType.AGENT_STATE_CHANGED], last
    )
    return [r.id for r in rows]


async def _anything_new(session: AsyncSession, org_id: int) -> bool:
    """Whether the log has a row past the cursor: without one, catching up writes nothing.

    The look-back window is read again only when something new arrived, so a row that
    committed late is folded at the next new row at the latest (within ``LOOKBACK`` ids).
    """
    start = await cursor_of(session, org_id)
    newer = await session.scalar(
        select(InteractionEvent.id)
        .where(InteractionEvent.org_id == org_id, InteractionEvent.id > start)
        .limit(1)
    )
    await session.commit()
    return newer is not None


async def catch_up(session: AsyncSession, org_id: int) -> int:
    """Fold the organization's new event-log rows into the projection; the number of rows
    read past the cursor (the look-back window is read again but not counted).

    Commits after each batch: give it a writing session (on SQLite not a read-only one).
    """
    async with _lock(org_id):
        await session.commit()  # whatever the caller began: start from a fresh transaction
        if not await _anything_new(session, org_id):
            return 0
        folded = 0
        first = True
        last: dict[int, int] = {}
        while True:
            cursor = await _locked_cursor(session, org_id)
            start = cursor.last_event_id
            from_id = max(0, start - LOOKBACK) if first else start
            first = False
            ids = await _batch(session, org_id, from_id, last)
            folded += sum(1 for i in ids if i > start)
            if ids and ids[-1] > start:
                cursor.last_event_id = ids[-1]
            await session.commit()
            if len(ids) < BATCH:
                return folded


async def rebuild(session: AsyncSession, org_id: int) -> int:
    """Drop the organization's projection and fold its whole log again; rows folded."""
    async with _lock(org_id):
        await session.commit()
        await _locked_cursor(session, org_id)
        for table in (AnalyticsSegment, AnalyticsInteraction, AnalyticsAgentState):
            await session.execute(delete(table).where(table.org_id == org_id))
        await session.execute(
            update(AnalyticsCursor).where(AnalyticsCursor.org_id == org_id).values(last_event_id=0)
        )
        await session.commit()
    return await catch_up(session, org_id)
