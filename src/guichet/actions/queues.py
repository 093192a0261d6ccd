"""Call and chat queues: settings, extensions and members (R-Q-1, R-Q-2, R-Q-4, R-Q-6..8).

Who reaches which queue (R-A-2, R-P-2) is one SQL condition, :meth:`QueueReach.view_where`:
the contact-center permission (``queues.view``, bounded by the R-P-2 "limit to assigned queues"
switch) OR the access-rights "channels view"/"channels edit" scope. Lists and single loads use it,
so a queue the caller may not see is absent from lists and a 404 elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.live_refs import check_queue_free, forget_queue
from guichet.actions.queue_rules import (
    check_callback,
    check_members,
    check_name,
    check_ranges,
    threshold_seconds,
)
from guichet.actions.routing_config import check_routing_references
from guichet.authz.access import Area, Scope, Subject, may_connect
from guichet.domain import Channel, QueueKind, QueueType, Strategy
from guichet.errors import Forbidden, NotFound, conflict, invalid
from guichet.persistence.models import Queue, QueueMember, Skill
from guichet.queries.access import queue_where
from guichet.queries.lookups import name_key, storable_id

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
    """Delete a queue and its memberships; refused (409) while routing still names it.

    Refused too while interactions wait in it, are offered or handled from it (R-Q-1); agents
    logged in to it are logged out of it (R-Q-12), so no stale id survives the delete.
    """
    await check_routing_references(session, org_id=queue.org_id, queue_id=queue.id)
    await check_queue_free(session, org_id=queue.org_id, queue_id=queue.id)
    await forget_queue(session, org_id=queue.org_id, queue_id=queue.id)
    await session.execute(delete(QueueMember).where(QueueMember.queue_id == queue.id))
    await session.delete(queue)
    await session.commit()


def _supervised(user_id: int) -> ColumnElement[bool]:
    """SQL condition: the queue has ``user_id`` among its supervisors (R-P-2)."""
    mine = select(QueueMember.queue_id).where(
        QueueMember.user_id == user_id, QueueMember.role == "supervisor"
    )
    return Queue.id.in_(mine)


@dataclass(frozen=True)
class QueueReach:
    """What one caller may do to queues: the two permission systems side by side.

    ``may_view`` / ``may_manage`` are the contact-center permissions ``queues.view`` /
    ``queues.manage`` (R-P-1, R-P-2); ``limited_to`` is set for a supervisor under the R-P-2
    switch "limit access to assigned queues", and bounds those two permissions to the queues
    they supervise. ``subject`` carries the access-rights scopes (R-A-2 channels view, channels
    edit, connect channels). Whatever either system allows is allowed (most permissive).
    """

    subject: Subject
    may_view: bool = False
    may_manage: bool = False
    limited_to: int | None = None

    @property
    def org_id(self) -> int:
        """The caller's organization."""
        return self.subject.org_id

    def _contact_center(self, held: bool) -> ColumnElement[bool]:
        if not held:
            return false()
        return true() if self.limited_to is None else _supervised(self.limited_to)

    def edit_where(self) -> ColumnElement[bool]:
        """SQL: queues the caller may change (``queues.manage`` within R-P-2, or channels edit)."""
        return and_(
            Queue.org_id == self.org_id,
            or_(
                self._contact_center(self.may_manage),
                queue_where(self.subject, Area.CHANNELS_EDIT),
            ),
        )

    def view_where(self) -> ColumnElement[bool]:
        """SQL: queues the caller may see: ``queues.view`` within R-P-2, channels view, or any
        queue they may change (changing a queue implies reading it, as in R-P-2)."""
        return and_(
            Queue.org_id == self.org_id,
            or_(
                self._contact_center(self.may_view or self.may_manage),
                queue_where(self.subject, Area.CHANNELS_VIEW),
                queue_where(self.subject, Area.CHANNELS_EDIT),
            ),
        )

    @property
    def views_any(self) -> bool:
        """Whether the caller may see queues at all (else every queue route is a 403)."""
        return (
            self.may_view
            or self.may_manage
            or self.subject.scope(Area.CHANNELS_VIEW) is not Scope.DENIED
            or self.subject.scope(Area.CHANNELS_EDIT) is not Scope.DENIED
        )

    @property
    def may_create(self) -> bool:
        """R-A-2 "connect channels" or ``queues.manage``: may create (connect) a queue."""
        return self.may_manage or may_connect(self.subject)

    def creator_membership(self) -> int | None:
        """The user who becomes supervisor member of a queue the caller creates, if any.

        A supervisor limited by R-P-2 supervises what they create. A non-administrator who
        creates through the "connect channels" scope ``own`` (without ``queues.manage``)
        becomes its supervisor member too: "own" channels are those one belongs to, so this
        is what lets them see (and, with channels edit ``own``, change) the channel they
        connected. Wider connect scopes add nobody: the creator then sets the members.
        """
        if self.may_manage:
            return self.limited_to
        subject = self.subject
        if not subject.administrator and subject.scope(Area.CHANNELS_CONNECT) is Scope.OWN:
            return subject.user_id
        return None

    def _deny_rule(self) -> str:
        return "R-P-2" if self.may_view or self.may_manage else "R-A-2"

    def require_view(self) -> None:
        """403 unless the caller may see some queue (R-P-2, R-A-2)."""
        if not self.views_any:
            raise Forbidden(
                "this needs the permission queues.view or a channels view scope",
                rule=self._deny_rule(),
            )

    def require_create(self) -> None:
        """403 unless the caller may create queues (R-P-2, R-A-2 connect channels)."""
        if not self.may_create:
            raise Forbidden(
                "this needs the permission queues.manage or a connect channels scope",
                rule=self._deny_rule(),
            )


async def list_queues(
    session: AsyncSession, *, reach: QueueReach, kind: str | None = None
) -> Sequence[Queue]:
    """The queues ``reach`` may see, by name (one SQL condition, R-A-2 / R-P-2)."""
    reach.require_view()
    stmt = select(Queue).where(reach.view_where())
    if kind is not None:
        stmt = stmt.where(Queue.kind == kind)
    return (await session.scalars(stmt.order_by(Queue.name_key, Queue.id))).all()


async def get_queue(
    session: AsyncSession, *, reach: QueueReach, queue_id: int, edit: bool = False
) -> Queue:
    """One queue the caller may see, else 404; with ``edit``, 403 when they may only see it.

    Both answers come from one query: the row is loaded through :meth:`QueueReach.view_where`
    with :meth:`QueueReach.edit_where` as a column (R-A-2, R-P-2).
    """
    reach.require_view()
    found = None
    if storable_id(queue_id):
        stmt = select(Queue, reach.edit_where().label("editable")).where(
            Queue.id == queue_id, reach.view_where()
        )
        found = (await session.execute(stmt)).first()
    if found is None:
        raise NotFound(f"queue {queue_id} not found")
    queue, editable = found
    if edit and not editable:
        raise Forbidden(
            f"you may see queue {queue_id} but not change it: this needs the permission "
            "queues.manage or a channels edit scope covering it",
            rule=reach._deny_rule(),
        )
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
    other features keep on it survives. A supervisor membership that stays is not checked for
    the supervisor role again: the creator of a channel connected through the "connect
    channels" scope is its supervisor member whatever their contact-center roles (R-A-2).
    """
    existing = (
        await session.scalars(select(QueueMember).where(QueueMember.queue_id == queue.id))
    ).all()
    kept = {m.user_id for m in existing if m.role == "supervisor"}
    await check_members(
        session,
        org_id=queue.org_id,
        agents=agents,
        supervisors=[uid for uid in supervisors if uid not in kept],
    )
    if len(set(supervisors)) != len(supervisors):
        raise invalid("supervisors", "a user is listed twice", "R-Q-2")
    wanted = {(uid, "agent"): pos for pos, uid in enumerate(agents)}
    wanted |= {(uid, "supervisor"): pos for pos, uid in enumerate(supervisors)}
    for member in existing:
        position = wanted.pop((member.user_id, member.role), None)
        if position is None:
            await session.delete(member)
        else:
            member.position = position
    for (user_id, role), position in wanted.items():
        session.add(QueueMember(queue_id=queue.id, user_id=user_id, role=role, position=position))
    await session.commit()
    return await queue_members(session, queue_id=queue.id)
