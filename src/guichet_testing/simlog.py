"""Event logs for tests and benchmarks: from a simulator run, or synthetic (R-AN-8, R-X-1).

`simulate_log` runs a scenario through the real routing engine (`guichet.sim`) and writes
the event-log rows the live service would have written for it: the same `type`, columns
and `data` as `guichet.live.events_log` (whose functions it calls) and
`guichet.live.presence_sync` (`agent.state_changed`), in the same order (a batch's
input event, then its decisions, then the agents' state changes). Engine ids become
integers (agents are users); times are a chosen UTC start plus the simulated seconds. The
simulator's own counts come back with it, so a test can compare the analytics with them.

`synthetic_log` makes a large, plausible log without the engine (30 days, a million
interactions) for `bench/analytics.py`, one day at a time.

`insert_log` writes an organization, its users, queues, interactions and event rows into a
database with bulk inserts (SQLite `executemany`, PostgreSQL `COPY`), ids given by the log
(`next_ids` says which are free), so the analytics projector can fold them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from random import Random
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.analytics.facts import EVENT_COLUMNS, LogRow
from guichet.domain.enums import AgentState, Channel, QueueKind
from guichet.live.events_log import decision_log, event_log
from guichet.persistence.models import (
    Interaction,
    InteractionEvent,
    Organization,
    Queue,
    QueueMember,
    User,
)
from guichet.routing import (
    AbandonInteraction,
    AgentStateChanged,
    AssignInteraction,
    EndWrapUp,
    InteractionArrived,
    InteractionEnded,
    InteractionTransferred,
    OfferAccepted,
    OfferInteraction,
    OfferRejected,
    PauseAgent,
    RefuseEvent,
    RequeueInteraction,
    StartWrapUp,
    WithdrawOffer,
)
from guichet.routing.decisions import Explanation
from guichet.sim.agents import agent_ids
from guichet.sim.scenario import Scenario
from guichet.sim.simulator import RunResult, run_replication

#: (id, at_ts, type, interaction_id, agent_id, actor_id, queue_id, skill_id, channel, data JSON)
EventTuple = tuple[
    int, float, str, int | None, int | None, int | None, int | None, int | None, str | None, str
]
#: (id, channel, status, queue_id, agent_id, arrived_ts, ended_ts)
InteractionTuple = tuple[int, str, str, int | None, int | None, float, float | None]


@dataclass(frozen=True, slots=True)
class IdStart:
    """First free id of each table a log writes: the log's ids start there."""

    user: int = 1
    queue: int = 1
    interaction: int = 1
    event: int = 1


@dataclass(frozen=True, slots=True)
class AgentInfo:
    """A simulated agent: its user id, engine id and queues."""

    id: int
    name: str
    queue_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class QueueInfo:
    """A simulated queue: its id, engine id (name), channel and wrap-up."""

    id: int
    name: str
    channel: str
    wrap_up_s: float


@dataclass(frozen=True, slots=True)
class QueueCounts:
    """The simulator's own counts for one queue (guichet.sim.measures definitions)."""

    offered: int
    handled: int
    abandoned: int


@dataclass
class Batch:
    """Interactions and event rows to insert together (one simulated day, or a whole run)."""

    interactions: list[InteractionTuple]
    events: list[EventTuple]


@dataclass
class LogSource:
    """What `insert_log` writes: an organization's agents, queues and batches of rows."""

    name: str
    timezone: str
    agents: list[AgentInfo]
    queues: list[QueueInfo]
    batches: Callable[[], Iterable[Batch]]


@dataclass
class SimLog:
    """The event log of one simulator run, with the simulator's own results."""

    start: datetime
    timezone: str
    agents: list[AgentInfo]
    queues: list[QueueInfo]
    interactions: list[InteractionTuple]
    rows: list[LogRow]
    #: Per queue id: offered, handled, abandoned as the simulator counted them.
    counts: dict[int, QueueCounts]
    result: RunResult
    name: str = "Simulated"

    def source(self) -> LogSource:
        """The log as `insert_log` takes it."""
        events = [
            (
                r.id,
                r.at_ts,
                r.type,
                r.interaction_id,
                r.agent_id,
                r.actor_id,
                r.queue_id,
                r.skill_id,
                r.channel,
                json.dumps(r.data),
            )
            for r in self.rows
        ]
        batch = Batch(list(self.interactions), events)
        return LogSource(self.name, self.timezone, self.agents, self.queues, lambda: [batch])


# --- simulator run -> event log ---------------------------------------------------------


class _Ids:
    """Engine string ids -> integer ids (as strings, the live engine's form)."""

    def __init__(self, start: IdStart, agents: dict[str, int], queues: dict[str, int]) -> None:
        self.agents = agents
        self.queues = queues
        self.skills: dict[str, int] = {}
        self.first_interaction = start.interaction - 1

    def interaction(self, value: str) -> str:
        return str(self.first_interaction + int(value))

    def agent(self, value: str | None) -> str | None:
        return None if value is None else str(self.agents[value])

    def queue(self, value: str | None) -> str | None:
        return None if value is None else str(self.queues[value])

    def skill(self, value: str | None) -> str | None:
        if value is None:
            return None
        return str(self.skills.setdefault(value, len(self.skills) + 1))

    def explanation(self, e: Explanation) -> Explanation:
        return e._replace(
            queue_id=self.queue(e.queue_id),
            skill=self.skill(e.skill),
            candidates=tuple((str(self.agents[a]), s) for a, s in e.candidates),
        )


#: Fields holding engine times (POSIX seconds in the live service).
_TIMES = frozenset({"until", "expires_at", "due_at"})


def _remap(item: Any, ids: _Ids, t0: float) -> Any:
    """The decision or event with integer ids and POSIX times, as the live engine has them."""
    changes: dict[str, Any] = {}
    for name, value in zip(item._fields, item, strict=True):
        if value is None:
            continue
        if name == "interaction_id":
            changes[name] = ids.interaction(value)
        elif name in ("agent_id", "personal_agent_id", "to_agent_id"):
            changes[name] = ids.agent(value)
        elif name == "agent_ids":
            changes[name] = tuple(str(ids.agents[a]) for a in value)
        elif name in ("queue_id", "to_queue_id"):
            changes[name] = ids.queue(value)
        elif name in ("skill", "to_skill"):
            changes[name] = ids.skill(value)
        elif name == "queues":
            changes[name] = tuple(str(ids.queues[q]) for q in value)
        elif name == "explanation":
            changes[name] = ids.explanation(value)
        elif name in _TIMES:
            changes[name] = value + t0
    return item._replace(**changes) if changes else item


class _AgentMirror:
    """The agents' R-W-1 states as the engine derives them (routing.views.agent_state),
    followed from the decisions, so `agent.state_changed` rows match presence_sync's."""

    def __init__(self, names: Iterable[str]) -> None:
        self.presence: dict[str, str] = dict.fromkeys(names, "offline")
        self.reason: dict[str, str | None] = dict.fromkeys(self.presence)
        self.work: dict[str, set[str]] = {a: set() for a in self.presence}
        self.wrap: dict[str, str | None] = dict.fromkeys(self.presence)
        self.saved: dict[str, tuple[str, str | None]] = dict.fromkeys(
            self.presence, ("offline", None)
        )
        self.holder: dict[str, str] = {}
        self.offered: dict[str, set[str]] = {}

    def state(self, agent: str) -> str:
        presence = self.presence[agent]
        if presence in ("offline", "paused"):
            return presence
        if self.wrap[agent] is not None:
            return AgentState.WRAP_UP.value
        if self.work[agent]:
            return AgentState.BUSY.value
        return AgentState.AVAILABLE.value

    def _drop_offers(self, iid: str, agents: Iterable[str] | None = None) -> None:
        holders = self.offered.get(iid, set())
        for a in list(holders if agents is None else agents):
            holders.discard(a)
            if self.holder.get(iid) != a:
                self.work[a].discard(iid)

    def _release(self, iid: str) -> str | None:
        agent = self.holder.pop(iid, None)
        if agent is not None:
            self.work[agent].discard(iid)
        return agent

    def apply(self, event: Any, decisions: Sequence[Any]) -> str | None:
        """Follow one engine call; returns the agent holding an ended interaction, if any."""
        ended_by = None
        kind = type(event)
        if kind is AgentStateChanged:
            self.presence[event.agent_id] = AgentState(event.state).value
            self.reason[event.agent_id] = event.reason
        elif kind is InteractionEnded or kind is InteractionTransferred:
            ended_by = self._release(event.interaction_id)
        for d in decisions:
            kind = type(d)
            if kind is AssignInteraction:
                self._drop_offers(d.interaction_id)
                self.work[d.agent_id].add(d.interaction_id)
                self.holder[d.interaction_id] = d.agent_id
            elif kind is OfferInteraction:
                self.offered.setdefault(d.interaction_id, set()).update(d.agent_ids)
                for a in d.agent_ids:
                    self.work[a].add(d.interaction_id)
            elif kind is WithdrawOffer:
                self._drop_offers(d.interaction_id, d.agent_ids)
            elif kind is RequeueInteraction or kind is AbandonInteraction:
                self._drop_offers(d.interaction_id)
                self._release(d.interaction_id)
            elif kind is StartWrapUp:
                self.wrap[d.agent_id] = d.interaction_id
            elif kind is EndWrapUp:
                self.wrap[d.agent_id] = None
            elif kind is PauseAgent:
                self.presence[d.agent_id] = AgentState.PAUSED.value
                self.reason[d.agent_id] = d.reason
        return ended_by

    def changes(self) -> Iterator[tuple[str, str, str | None, str, str | None]]:
        """(agent, from, previous reason, to, reason) of every agent whose state changed."""
        for agent, (state, reason) in self.saved.items():
            now = (self.state(agent), self.reason[agent])
            if now != (state, reason):
                self.saved[agent] = now
                yield agent, state, reason, now[0], now[1]


#: Input events an agent sends (their actor is the agent).
_AGENT_INPUTS = (OfferAccepted, OfferRejected, AgentStateChanged)


class _Writer:
    """Collects the rows of a run: `record` is the simulator's recorder."""

    def __init__(self, ids: _Ids, mirror: _AgentMirror, t0: float, first_event: int) -> None:
        self.ids = ids
        self.mirror = mirror
        self.t0 = t0
        self.next_id = first_event
        self.rows: list[LogRow] = []
        self.arrived: dict[str, tuple[str, str | None, float]] = {}
        self.ended: dict[str, tuple[str, float, str | None]] = {}
        #: Agent -> the interaction it wraps up (live.events_log names it on wrap_up_ended).
        self.wrapping: dict[str, int] = {}

    def _add(self, ev: InteractionEvent, at_ts: float) -> None:
        self.rows.append(
            LogRow(
                id=self.next_id,
                at_ts=at_ts,
                type=ev.type,
                interaction_id=ev.interaction_id,
                agent_id=ev.agent_id,
                actor_id=ev.actor_id,
                queue_id=ev.queue_id,
                skill_id=ev.skill_id,
                channel=ev.channel,
                data=ev.data,
            )
        )
        self.next_id += 1

    def record(self, now: float, event: Any, decisions: list[Any]) -> None:
        """The simulator's recorder: log one engine call (event, decisions, state changes)."""
        if any(type(d) is RefuseEvent for d in decisions):
            raise RuntimeError(f"the engine refused {event!r}: {decisions!r}")
        ids = self.ids
        holder = self.mirror.apply(event, decisions)
        when = datetime.fromtimestamp(self.t0 + now, UTC)
        ts = when.timestamp()  # microseconds, as the database keeps it
        actor: int | None = None
        if isinstance(event, _AGENT_INPUTS):
            actor = ids.agents[event.agent_id]
        elif holder is not None:
            actor = ids.agents[holder]  # the agent hangs up or transfers; else the contact
        # As the live loop writes a batch: its input event, then the decisions it caused.
        if event is not None:
            row = event_log(_remap(event, ids, self.t0), org_id=0, actor_id=actor, at=when)
            if row is not None:
                self._add(row, ts)
        mapped = [_remap(d, ids, self.t0) for d in decisions]
        for ev in decision_log(mapped, org_id=0, actor_id=actor, at=when, wrapping=self.wrapping):
            self._add(ev, ts)
        for m in mapped:
            if type(m) is AbandonInteraction:
                self.ended[m.interaction_id] = ("abandoned", ts, None)
        if event is not None:
            if isinstance(event, InteractionArrived):
                self.arrived[ids.interaction(event.interaction_id)] = (
                    str(event.channel),
                    ids.queue(event.queue_id),
                    ts,
                )
            elif isinstance(event, InteractionEnded):
                key = ids.interaction(event.interaction_id)
                if key not in self.ended:
                    self.ended[key] = ("ended", ts, ids.agent(holder))
        for agent, old, old_reason, new, reason in sorted(
            self.mirror.changes(), key=lambda c: ids.agents[c[0]]
        ):
            self.rows.append(
                LogRow(
                    id=self.next_id,
                    at_ts=ts,
                    type="agent.state_changed",
                    agent_id=ids.agents[agent],
                    actor_id=actor,
                    data={"from": old, "to": new, "reason": reason, "previous_reason": old_reason},
                )
            )
            self.next_id += 1


def simulate_log(
    scenario: Scenario,
    *,
    start: datetime,
    seed: int = 1,
    timezone: str = "UTC",
    ids: IdStart | None = None,
) -> SimLog:
    """Run `scenario` once (warm-up ignored: every arrival counts) and log it as the live
    service would; times are `start` (aware) plus the simulated seconds."""
    ids = ids or IdStart()
    names = [a for g in scenario.agents for a in agent_ids(g)]
    agent_of = {name: ids.user + i for i, name in enumerate(names)}
    queue_of = {q.id: ids.queue + i for i, q in enumerate(scenario.queues)}
    mapper = _Ids(ids, agent_of, queue_of)
    t0 = start.timestamp()
    writer = _Writer(mapper, _AgentMirror(names), t0, ids.event)
    if scenario.warmup_s:
        scenario = replace(scenario, warmup_s=0.0)
    result = run_replication(scenario, seed=seed, recorder=writer.record)
    interactions: list[InteractionTuple] = []
    for iid, (channel, queue, arrived) in sorted(writer.arrived.items(), key=lambda x: int(x[0])):
        status, ended_ts, agent = writer.ended.get(iid, ("waiting", None, None))
        interactions.append(
            (
                int(iid),
                channel,
                status,
                None if queue is None else int(queue),
                None if agent is None else int(agent),
                arrived,
                ended_ts,
            )
        )
    counts = {
        queue_of[name]: QueueCounts(int(m["offered"]), int(m["handled"]), int(m["abandoned"]))
        for name, m in result.queues.items()
    }
    agents = [
        AgentInfo(agent_of[a], a, tuple(queue_of[q] for q in g.queues))
        for g in scenario.agents
        for a in agent_ids(g)
    ]
    queues = [
        QueueInfo(queue_of[q.id], q.id, q.channel.value, q.wrap_up_s) for q in scenario.queues
    ]
    return SimLog(start, timezone, agents, queues, interactions, writer.rows, counts, result)


# --- database -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Inserted:
    """What `insert_log` wrote."""

    org_id: int
    interactions: int
    events: int


_ID_TABLES: dict[str, Any] = {
    "user": User,
    "queue": Queue,
    "interaction": Interaction,
    "event": InteractionEvent,
}


async def next_ids(session: AsyncSession) -> IdStart:
    """The first free id of users, queues, interactions and event rows."""
    found = {}
    for name, model in _ID_TABLES.items():
        top = await session.scalar(select(func.max(model.id)))
        found[name] = (top or 0) + 1
    return IdStart(**found)


def _sqlite_time(ts: float) -> str:
    """The text SQLAlchemy stores in SQLite for an aware UTC datetime (UTCDateTime)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


_INTERACTION_COLUMNS = (
    "id",
    "org_id",
    "created_at",
    "updated_at",
    "channel",
    "status",
    "queue_id",
    "agent_id",
    "context",
    "overflow",
    "callback",
    "callback_offered",
    "notes",
    "closed",
    "ended_at",
)


async def insert_log(session: AsyncSession, source: LogSource, *, slug: str) -> Inserted:
    """Write the organization, users (the agents), queues with their members, interactions and
    event rows of `source`, with the ids the log gives; commits after each batch.

    The ids must be free (`next_ids` before generating the log). On PostgreSQL the id
    sequences are moved past the inserted ids, so later ordinary inserts do not collide.
    """
    org = Organization(name=source.name, slug=slug, timezone=source.timezone)
    session.add(org)
    await session.flush()
    org_id = org.id
    if source.agents:
        await session.execute(
            insert(User),
            [
                {
                    "id": a.id,
                    "org_id": org_id,
                    "email": f"{a.name}@{slug}.sim",
                    "display_name": a.name,
                    "roles": ["agent"],
                }
                for a in source.agents
            ],
        )
    if source.queues:
        await session.execute(
            insert(Queue),
            [
                {
                    "id": q.id,
                    "org_id": org_id,
                    "kind": QueueKind.CALL.value
                    if q.channel == Channel.VOICE.value
                    else QueueKind.CHAT.value,
                    "name": q.name,
                    "name_key": q.name.casefold(),
                    "channel_types": [q.channel],
                    "wrap_up_s": math.ceil(q.wrap_up_s),
                }
                for q in source.queues
            ],
        )
    members = [
        {"queue_id": q, "user_id": a.id, "role": "agent", "position": 0}
        for a in source.agents
        for q in a.queue_ids
    ]
    if members:
        await session.execute(insert(QueueMember), members)
    sqlite = session.get_bind().dialect.name == "sqlite"
    schema = None
    if not sqlite:
        schema = await session.scalar(text("SELECT current_schema()"))
    await session.commit()
    n_ix = n_ev = 0
    for batch in source.batches():
        conn = await session.connection()
        raw = (await conn.get_raw_connection()).driver_connection
        if sqlite:
            await _sqlite_batch(raw, org_id, batch)
        else:
            await _postgres_batch(raw, schema, org_id, batch)
        await session.commit()
        n_ix += len(batch.interactions)
        n_ev += len(batch.events)
    if not sqlite:
        for model in (User, Queue, Interaction, InteractionEvent):
            table = model.__tablename__
            await session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        await session.commit()
    return Inserted(org_id, n_ix, n_ev)


async def _sqlite_batch(raw: Any, org_id: int, batch: Batch) -> None:
    """One batch through aiosqlite's executemany, values as SQLAlchemy stores them."""
    ix_sql = (
        f"INSERT INTO interactions ({', '.join(_INTERACTION_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(_INTERACTION_COLUMNS))})"
    )
    ev_sql = (
        f"INSERT INTO interaction_events ({', '.join(EVENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"
    )
    ixs = []
    for iid, channel, status, queue, agent, arrived, ended in batch.interactions:
        created = _sqlite_time(arrived)
        done = None if ended is None else _sqlite_time(ended)
        flags = (0, 0, 0, "", 1 if ended is not None else 0, done)
        ixs.append(
            (iid, org_id, created, done or created, channel, status, queue, agent, "{}", *flags)
        )
    await raw.executemany(ix_sql, ixs)
    await raw.executemany(
        ev_sql, [(e[0], org_id, _sqlite_time(e[1]), *e[2:]) for e in batch.events]
    )


async def _postgres_batch(raw: Any, schema: str | None, org_id: int, batch: Batch) -> None:
    """One batch through asyncpg's binary COPY."""
    ixs = []
    for iid, channel, status, queue, agent, arrived, ended in batch.interactions:
        created = datetime.fromtimestamp(arrived, UTC)
        done = None if ended is None else datetime.fromtimestamp(ended, UTC)
        flags = (False, False, False, "", ended is not None, done)
        ixs.append(
            (iid, org_id, created, done or created, channel, status, queue, agent, "{}", *flags)
        )
    await raw.copy_records_to_table(
        "interactions", records=ixs, columns=_INTERACTION_COLUMNS, schema_name=schema
    )
    await raw.copy_records_to_table(
        "interaction_events",
        records=[(e[0], org_id, datetime.fromtimestamp(e[1], UTC), *e[2:]) for e in batch.events],
        columns=EVENT_COLUMNS,
        schema_name=schema,
    )


# --- synthetic log (benchmarks) ---------------------------------------------------------

#: Queues of the synthetic organization: name, channel, wrap-up seconds, mean talk seconds.
SYNTHETIC_QUEUES = (
    ("Sales", Channel.VOICE.value, 15.0, 200.0),
    ("Support", Channel.VOICE.value, 30.0, 300.0),
    ("Web chat", Channel.CHAT.value, 0.0, 360.0),
    ("Messaging", Channel.MESSAGING.value, 0.0, 420.0),
)
_DAY = 86400.0
_SHIFT_S = 8 * 3600.0
#: Handled interactions per agent and day: one every 8 minutes of the shift at most.
_PER_AGENT = 60
_ABANDON_SHARE = 0.08


def _expl(queue: int, agent: int | None, waited: float) -> str:
    cands = "[]" if agent is None else f'[{{"agent_id": "{agent}", "score": 0.0}}]'
    return (
        f'{{"rule": "R-Q-4", "queue_id": "{queue}", "step": 0, "skill": null, '
        f'"overflow": false, "strategy": "longest_idle", "candidates": {cands}, '
        f'"targeting_rule": null, "waited_s": {waited:.3f}}}'
    )


def _state(old: str, new: str, reason: str | None = None, old_reason: str | None = None) -> str:
    return json.dumps({"from": old, "to": new, "reason": reason, "previous_reason": old_reason})


@dataclass
class _Contact:
    """One synthetic interaction before it has an id."""

    arrived: float
    queue: int
    channel: str
    agent: int | None = None
    offered: float = 0.0
    answered: float = 0.0
    ended: float = 0.0
    wrap_until: float | None = None
    hold: tuple[float, float] | None = None
    first_message: float | None = None


def synthetic_log(
    interactions: int,
    *,
    start: datetime,
    days: int = 30,
    seed: int = 7,
    timezone: str = "Europe/Paris",
    ids: IdStart | None = None,
) -> LogSource:
    """A plausible event log of `interactions` interactions over `days` days, without the
    engine: agents work 8-hour shifts with a break, take one interaction at a time (offered,
    accepted, assigned, some voice calls on hold, a first agent message on chats, wrap-up on
    voice) and 8% of callers abandon. About 8 rows per handled interaction plus 3 agent state
    changes, 4 per abandon; one batch per day, rows in time order."""
    ids = ids or IdStart()
    per_day = [interactions // days + (1 if d < interactions % days else 0) for d in range(days)]
    busiest = max(per_day) if per_day else 0
    n_agents = max(len(SYNTHETIC_QUEUES), math.ceil(busiest * (1 - _ABANDON_SHARE) / _PER_AGENT))
    queues = [
        QueueInfo(ids.queue + i, name, channel, wrap)
        for i, (name, channel, wrap, _) in enumerate(SYNTHETIC_QUEUES)
    ]
    agents = [
        AgentInfo(ids.user + i, f"agent-{i + 1}", (queues[i % len(queues)].id,))
        for i in range(n_agents)
    ]
    t0 = start.timestamp()

    def batches() -> Iterator[Batch]:
        rnd = Random(seed)
        next_ix, next_ev = ids.interaction, ids.event
        for d, count in enumerate(per_day):
            batch, next_ix, next_ev = _synthetic_day(
                rnd, t0 + d * _DAY, count, agents, queues, next_ix, next_ev
            )
            yield batch

    return LogSource("Synthetic", timezone, agents, queues, batches)


#: The input events of the synthetic log (logged before the decisions of their batch).
_INPUTS = frozenset(
    {
        "interaction.arrived",
        "offer.accepted",
        "message.posted",
        "conversation.paused",
        "conversation.resumed",
        "interaction.ended",
    }
)


def _synthetic_day(
    rnd: Random,
    day0: float,
    count: int,
    agents: list[AgentInfo],
    queues: list[QueueInfo],
    next_ix: int,
    next_ev: int,
) -> tuple[Batch, int, int]:
    """One day: the interactions and the time-ordered rows; the next free ids."""
    talk_mean = {q.id: SYNTHETIC_QUEUES[i][3] for i, q in enumerate(queues)}
    channel_of = {q.id: q.channel for q in queues}
    wrap_of = {q.id: q.wrap_up_s for q in queues}
    abandons = round(count * _ABANDON_SHARE)
    handled = count - abandons
    working = agents[: max(1, min(len(agents), math.ceil(handled / _PER_AGENT)))]
    contacts: list[_Contact] = []
    # (time, order, agent, from, to, reason, previous reason)
    states: list[tuple[float, int, int, str, str, str | None, str | None]] = []
    for n, agent in enumerate(working):
        quota = handled // len(working) + (1 if n < handled % len(working) else 0)
        if not quota:
            continue
        shift = day0 + 7 * 3600.0 + (n % 8) * 900.0 + rnd.random() * 60
        slot = _SHIFT_S / quota
        queue = agent.queue_ids[0]
        channel, wrap = channel_of[queue], wrap_of[queue]
        states.append((shift, 0, agent.id, "offline", "available", None, None))
        last = shift
        for k in range(quota):
            answered = shift + 10.0 + k * slot + rnd.random() * slot * 0.1
            ring = 2.0 + rnd.random() * 4
            wait = min(rnd.expovariate(1 / 15.0), 300.0)
            c = _Contact(answered - ring - wait, queue, channel, agent.id)
            c.offered, c.answered = answered - ring, answered
            talk = max(5.0, min(rnd.expovariate(1 / talk_mean[queue]), slot * 0.6))
            c.ended = answered + talk
            if channel == Channel.VOICE.value:
                if rnd.random() < 0.1:
                    h0 = answered + talk * 0.3
                    c.hold = (h0, h0 + min(30.0, talk * 0.3))
                c.wrap_until = c.ended + wrap
            else:
                c.first_message = answered + 3 + rnd.random() * min(30.0, talk / 2)
            if k == quota // 2 and k:
                # The break: from the end of the previous work to the next offer.
                states.append((last + 1, 0, agent.id, "available", "paused", "break", None))
                states.append((c.offered - 1, 0, agent.id, "paused", "available", None, "break"))
            states.append((c.offered, 1, agent.id, "available", "busy", None, None))
            if c.wrap_until is not None:
                states.append((c.ended, 2, agent.id, "busy", "wrap_up", None, None))
                states.append((c.wrap_until, 2, agent.id, "wrap_up", "available", None, None))
                last = c.wrap_until
            else:
                states.append((c.ended, 2, agent.id, "busy", "available", None, None))
                last = c.ended
            contacts.append(c)
        states.append(
            (max(last + 1, shift + _SHIFT_S), 3, agent.id, "available", "offline", None, None)
        )
    for _ in range(abandons):
        into = queues[rnd.randrange(len(queues))]
        c = _Contact(day0 + 7 * 3600.0 + rnd.random() * _SHIFT_S, into.id, into.channel)
        c.ended = c.arrived + min(rnd.expovariate(1 / 45.0), 600.0)
        contacts.append(c)
    contacts.sort(key=lambda c: c.arrived)
    # (time, order, type, interaction, agent, actor, queue, channel, data)
    raw: list[
        tuple[float, int, str, int | None, int | None, int | None, int | None, str | None, str]
    ] = []
    add = raw.append
    interactions: list[InteractionTuple] = []
    for c in contacts:
        iid = next_ix
        next_ix += 1
        q, a, arrived = c.queue, c.agent, round(c.arrived, 3)
        status = "ended" if a is not None else "abandoned"
        interactions.append((iid, c.channel, status, q, a, arrived, round(c.ended, 3)))
        add(
            (
                arrived,
                1,
                "interaction.arrived",
                iid,
                None,
                None,
                q,
                c.channel,
                f'{{"interaction_id": "{iid}", "channel": "{c.channel}", "queue_id": "{q}", '
                '"skill": null, "steps": [], "priority": null, "contact_id": null, '
                '"caller_id": null, "context": null, "flow_id": null}',
            )
        )
        add(
            (
                arrived,
                0,
                "interaction.queued",
                iid,
                None,
                None,
                q,
                None,
                f'{{"interaction_id": "{iid}", "queue_id": "{q}", "skill": null, '
                '"personal_agent_id": null, "returned": false, '
                f'"explanation": {_expl(q, None, 0)}}}',
            )
        )
        if a is None:
            waited = c.ended - c.arrived
            add(
                (
                    c.ended,
                    0,
                    "interaction.abandoned",
                    iid,
                    None,
                    None,
                    q,
                    None,
                    f'{{"interaction_id": "{iid}", "queue_id": "{q}", "waited_s": {waited:.3f}}}',
                )
            )
            add(
                (
                    c.ended,
                    1,
                    "interaction.ended",
                    iid,
                    None,
                    None,
                    None,
                    None,
                    f'{{"interaction_id": "{iid}"}}',
                )
            )
            continue
        waited = c.offered - c.arrived
        add(
            (
                c.offered,
                0,
                "interaction.offered",
                iid,
                a,
                None,
                q,
                None,
                f'{{"interaction_id": "{iid}", "agent_ids": ["{a}"], '
                f'"expires_at": {c.offered + 20:.3f}, "outbound": false, '
                f'"explanation": {_expl(q, a, waited)}}}',
            )
        )
        add(
            (
                c.answered,
                0,
                "interaction.assigned",
                iid,
                a,
                a,
                q,
                None,
                f'{{"interaction_id": "{iid}", "agent_id": "{a}", '
                f'"explanation": {_expl(q, a, waited)}}}',
            )
        )
        add(
            (
                c.answered,
                1,
                "offer.accepted",
                iid,
                a,
                a,
                None,
                None,
                f'{{"interaction_id": "{iid}", "agent_id": "{a}"}}',
            )
        )
        if c.first_message is not None:
            add(
                (
                    c.first_message,
                    1,
                    "message.posted",
                    iid,
                    a,
                    a,
                    q,
                    c.channel,
                    f'{{"sender": "agent", "message_id": {iid}}}',
                )
            )
        if c.hold is not None:
            body = f'{{"interaction_id": "{iid}"}}'
            add((c.hold[0], 1, "conversation.paused", iid, None, a, None, None, body))
            add((c.hold[1], 1, "conversation.resumed", iid, None, None, None, None, body))
        if c.wrap_until is not None:
            add(
                (
                    c.ended,
                    0,
                    "agent.wrap_up_started",
                    iid,
                    a,
                    a,
                    None,
                    None,
                    f'{{"agent_id": "{a}", "interaction_id": "{iid}", '
                    f'"until": {c.wrap_until:.3f}}}',
                )
            )
            add(
                (
                    c.wrap_until,
                    0,
                    "agent.wrap_up_ended",
                    iid,
                    a,
                    None,
                    None,
                    None,
                    f'{{"agent_id": "{a}", "interaction_id": {iid}}}',
                )
            )
        add(
            (
                c.ended,
                1,
                "interaction.ended",
                iid,
                None,
                a,
                None,
                None,
                f'{{"interaction_id": "{iid}"}}',
            )
        )
    for ts, order, agent_id, old, new, reason, old_reason in states:
        add(
            (
                ts,
                order + 2,
                "agent.state_changed",
                None,
                agent_id,
                agent_id,
                None,
                None,
                _state(old, new, reason, old_reason),
            )
        )
    # At one time: input events first, then the decisions they caused, then state changes
    # (the live loop's order).
    raw.sort(
        key=lambda r: (
            round(r[0], 3),
            r[1] if r[2] == "agent.state_changed" else (0 if r[2] in _INPUTS else 1),
        )
    )
    events: list[EventTuple] = []
    for r in raw:
        events.append((next_ev, round(r[0], 3), r[2], r[3], r[4], r[5], r[6], None, r[7], r[8]))
        next_ev += 1
    return Batch(interactions, events), next_ix, next_ev
