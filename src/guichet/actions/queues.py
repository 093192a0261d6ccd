"""Call and chat queues: settings, extensions and members (R-Q-1, R-Q-2, R-Q-4, R-Q-6..8)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict, get_in_org, name_key, storable_id
from guichet.actions.queue_rules import (
    check_callback,
    check_members,
    check_name,
    check_ranges,
    threshold_seconds,
)
from guichet.actions.routing_config import check_routing_references
from guichet.domain import Channel, QueueKind, QueueType, Strategy
from guichet.errors import NotFound, conflict, invalid
from guichet.persistence.models import Queue, QueueMember, Skill

FIRST_EXTENSION = 1000
MAX_EXTENSION = 10**10 - 1
CHAT_CHANNELS = (Channel.CHAT, Channel.MESSAGING, Channel.SMS, Channel.EMAIL, Channel.SOCIAL)

#: What a new queue gets for every setting the caller leaves out.
DEFAULTS: dict[str, Any] = {
    "extension": None,
    "queue_type": QueueType.STANDARD.value,
    "channel_types": None,
    "strategy": Strategy.LONGEST_IDLE.value,
    "skill_id": None,
    "offer_timeout_s": 20,
    "max_no_answer": 3,
    "wrap_up_s": 30,
    "agents_may_end_wrap_up": True,
    "require_disposition": False,
    "disposition_timer_s": 0,
    "weight": 1,
    "abandon_return_s": 0,
    "callback_enabled": False,
    "callback_threshold_s": None,
    "callback_caller_id": None,
    "callback_number_types": [],
}
_COLUMNS = ("kind", "name", *DEFAULTS)


def propose_extension(taken: Iterable[str | None]) -> str:
    """R-Q-1: the number after the highest numeric extension (from 1000), skipping taken ones."""
    used = {e for e in taken if e}
    candidate = max([FIRST_EXTENSION - 1, *(int(e) for e in used if e.isdigit())]) + 1
    if candidate > MAX_EXTENSION:  # the top is used up: take the first free number instead
        candidate = FIRST_EXTENSION
    while str(candidate) in used:
        candidate += 1
    return str(candidate)


async def next_extension(session: AsyncSession, *, org_id: int) -> str:
    """The extension proposed for the organization's next call queue (R-Q-1)."""
    taken = await session.scalars(
        select(Queue.extension).where(Queue.org_id == org_id, Queue.extension.is_not(None))
    )
    return propose_extension(taken.all())


def _check_kind_settings(state: dict[str, Any]) -> None:
    """What depends on the kind: extension, type and channels (R-Q-1, R-Q-2)."""
    kind = state["kind"]
    if kind == QueueKind.CALL:
        channels = state["channel_types"] or [Channel.VOICE.value]
        if set(channels) != {Channel.VOICE.value}:
            raise invalid("channel_types", "call queues carry voice only", "R-Q-1")
        state["channel_types"] = [Channel.VOICE.value]
        if state["queue_type"] not in {t.value for t in QueueType}:
            raise invalid("queue_type", "use standard or icr", "R-Q-1")
        return
    if state["extension"] is not None:
        raise invalid("extension", "chat queues have no extension", "R-Q-2")
    if state["queue_type"] != QueueType.STANDARD:
        raise invalid("queue_type", "the queue type applies to call queues only", "R-Q-1")
    channels = [Channel.CHAT.value] if state["channel_types"] is None else state["channel_types"]
    allowed = {c.value for c in CHAT_CHANNELS}
    if not channels or not set(channels) <= allowed:
        raise invalid(
            "channel_types", f"choose one or more of {sorted(allowed)} for a chat queue", "R-Q-2"
        )
    state["channel_types"] = [c.value for c in CHAT_CHANNELS if c.value in channels]


async def check_queue(
    session: AsyncSession, *, org_id: int, state: dict[str, Any], queue_id: int | None = None
) -> dict[str, Any]:
    """Validate a queue's full settings; returns them normalised (R-Q-1, R-Q-2, R-Q-4, R-Q-6..8).

    On creation (``queue_id`` None) a call queue without an extension gets the proposed one.
    """
    if state["kind"] not in {k.value for k in QueueKind}:
        raise invalid("kind", "use call or chat", "R-Q-1")
    state["name"] = check_name(state["name"], "R-Q-1")
    if state["strategy"] not in {s.value for s in Strategy}:
        raise invalid("strategy", f"use one of {[s.value for s in Strategy]}", "R-Q-4")
    check_ranges(state)
    _check_kind_settings(state)
    check_callback(state)
    if not state["require_disposition"]:
        state["disposition_timer_s"] = 0
    others = select(Queue.id).where(Queue.org_id == org_id)
    if queue_id is not None:
        others = others.where(Queue.id != queue_id)
    if await session.scalar(others.where(Queue.name_key == name_key(state["name"])).limit(1)):
        raise conflict("name", f"a queue named {state['name']!r} exists", "R-Q-1")
    if state["kind"] == QueueKind.CALL:
        if state["extension"] is None:
            if queue_id is not None:
                raise invalid("extension", "a call queue needs an extension", "R-Q-1")
            state["extension"] = await next_extension(session, org_id=org_id)
        taken = others.where(Queue.extension == state["extension"]).limit(1)
        if await session.scalar(taken):
            raise conflict("extension", f"extension {state['extension']} is taken", "R-Q-1")
    skill_id = state["skill_id"]
    if skill_id is not None:
        found = select(Skill.id).where(Skill.id == skill_id, Skill.org_id == org_id)
        if not storable_id(skill_id) or await session.scalar(found) is None:
            raise invalid("skill_id", "unknown id in this organization", "R-Q-4")
    return state


def _with_threshold(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes with ``callback_threshold`` {value, unit} turned into seconds (R-Q-6)."""
    out = dict(changes)
    if "callback_threshold" in out:
        out["callback_threshold_s"] = threshold_seconds(out.pop("callback_threshold"))
    unknown = sorted(set(out) - set(_COLUMNS))
    if unknown:
        raise invalid(unknown[0], "unknown queue setting")
    return out


async def do_create_queue(
    session: AsyncSession,
    *,
    org_id: int,
    values: Mapping[str, Any],
    supervisor_id: int | None = None,
) -> Queue:
    """Create a queue; ``supervisor_id`` (a supervisor limited by R-P-2) becomes its supervisor."""
    given = _with_threshold(values)
    state = {**DEFAULTS, **{k: v for k, v in given.items() if v is not None}}
    state["kind"], state["name"] = given.get("kind"), given.get("name", "")
    state = await check_queue(session, org_id=org_id, state=state)
    queue = Queue(org_id=org_id, name_key=name_key(state["name"]), settings={}, **state)
    session.add(queue)
    await session.flush()
    if supervisor_id is not None:
        session.add(QueueMember(queue_id=queue.id, user_id=supervisor_id, role="supervisor"))
    await commit_or_conflict(
        session, field="name", message="name or extension already used", rule="R-Q-1"
    )
    return queue


async def do_update_queue(
    session: AsyncSession, *, queue: Queue, changes: Mapping[str, Any]
) -> Queue:
    """Change some settings (PATCH); the whole result is validated before anything is written."""
    given = _with_threshold(changes)
    if "kind" in given and given["kind"] != queue.kind:
        raise invalid("kind", "the kind of a queue cannot change", "R-Q-1")
    state = {column: getattr(queue, column) for column in _COLUMNS} | given
    state = await check_queue(session, org_id=queue.org_id, state=state, queue_id=queue.id)
    for column, value in state.items():
        setattr(queue, column, value)
    queue.name_key = name_key(state["name"])
    await commit_or_conflict(
        session, field="name", message="name or extension already used", rule="R-Q-1"
    )
    return queue


async def do_delete_queue(session: AsyncSession, *, queue: Queue) -> None:
    """Delete a queue and its memberships; refused (409) while routing still names it."""
    await check_routing_references(session, org_id=queue.org_id, queue_id=queue.id)
    await session.execute(delete(QueueMember).where(QueueMember.queue_id == queue.id))
    await session.delete(queue)
    await session.commit()


def _supervised(user_id: int) -> Any:
    """SQL condition: the queue has ``user_id`` among its supervisors (R-P-2)."""
    mine = select(QueueMember.queue_id).where(
        QueueMember.user_id == user_id, QueueMember.role == "supervisor"
    )
    return Queue.id.in_(mine)


async def list_queues(
    session: AsyncSession, *, org_id: int, supervisor_id: int | None = None, kind: str | None = None
) -> Sequence[Queue]:
    """The organization's queues by name; only those ``supervisor_id`` supervises if given."""
    stmt = select(Queue).where(Queue.org_id == org_id)
    if supervisor_id is not None:
        stmt = stmt.where(_supervised(supervisor_id))
    if kind is not None:
        stmt = stmt.where(Queue.kind == kind)
    return (await session.scalars(stmt.order_by(Queue.name_key, Queue.id))).all()


async def get_queue(
    session: AsyncSession, *, org_id: int, queue_id: int, supervisor_id: int | None = None
) -> Queue:
    """One queue of the organization; 404 when missing or outside ``supervisor_id``'s (R-P-2)."""
    if not storable_id(queue_id):
        raise NotFound(f"queues {queue_id} not found")
    queue = await get_in_org(session, Queue, queue_id, org_id)
    if supervisor_id is not None:
        found = select(Queue.id).where(Queue.id == queue.id, _supervised(supervisor_id))
        if await session.scalar(found) is None:
            raise NotFound(f"queues {queue_id} not found")
    return queue


async def queue_members(session: AsyncSession, *, queue_id: int) -> dict[str, list[int]]:
    """The queue's agents (top-down order, R-Q-4) and supervisors."""
    rows = await session.execute(
        select(QueueMember.user_id, QueueMember.role)
        .where(QueueMember.queue_id == queue_id)
        .order_by(QueueMember.position, QueueMember.user_id)
    )
    out: dict[str, list[int]] = {"agents": [], "supervisors": []}
    for user_id, role in rows:
        out[f"{role}s"].append(user_id)
    return out


async def do_set_queue_members(
    session: AsyncSession, *, queue: Queue, agents: Sequence[int], supervisors: Sequence[int]
) -> dict[str, list[int]]:
    """Replace the queue's agents (in top-down order) and supervisors (R-Q-2, R-Q-4).

    Memberships that stay keep their row (only the position moves), so per-member state that
    other features keep on it survives.
    """
    await check_members(session, org_id=queue.org_id, agents=agents, supervisors=supervisors)
    wanted = {(uid, "agent"): pos for pos, uid in enumerate(agents)}
    wanted |= {(uid, "supervisor"): pos for pos, uid in enumerate(supervisors)}
    existing = await session.scalars(select(QueueMember).where(QueueMember.queue_id == queue.id))
    for member in existing.all():
        position = wanted.pop((member.user_id, member.role), None)
        if position is None:
            await session.delete(member)
        else:
            member.position = position
    for (user_id, role), position in wanted.items():
        session.add(QueueMember(queue_id=queue.id, user_id=user_id, role=role, position=position))
    await session.commit()
    return await queue_members(session, queue_id=queue.id)
