"""Who may read one conversation, and the conversation list with its search (R-A-2, R-AN-7).

Reading a conversation (the interaction and its transcript) is the union of three rights:

- the access-rights history scope, which includes CRM precedence (R-A-2 history, R-A-4);
- the operational right: it is offered to the caller now, assigned to them, waiting in their
  personal queue (R-W-5), in their wrap-up, or the caller took it in (the contact side);
- the contact-center watcher rule (R-S-1, R-P-2): an administrator, or a supervisor of the
  interaction's queue (of every queue when the organization's "limit access to assigned
  queues" switch is off).

All three compile into one SQL clause (:func:`read_where`), so one query loads the row or
answers 404. The list answers which conversations appear (R-A-2 statistics) in SQL too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.authz import CCPermissions
from guichet.authz.access import Area, Subject
from guichet.authz.cc import ADMINISTRATOR, SUPERVISOR
from guichet.domain import states
from guichet.errors import NotFound, invalid
from guichet.persistence.models import (
    AgentPresence,
    Assignment,
    Contact,
    Interaction,
    InteractionTag,
    Message,
    Offer,
    Queue,
    QueueMember,
    Tag,
    User,
)
from guichet.queries.access import conversation_where
from guichet.queries.lookups import check_ids_in_org, load_visible, storable_id

#: Statuses in which an agent handles the conversation (it can be joined, R-S-2).
HELD = states.HELD


@dataclass(frozen=True)
class Watch:
    """What the contact-center roles let the caller watch (R-S-1, R-P-2).

    ``everything`` for an administrator, and for a supervisor when the organization does not
    limit supervisors to their assigned queues; otherwise the queues they supervise.
    """

    everything: bool = False
    queues: frozenset[int] = frozenset()

    def covers(self, row: Interaction) -> bool:
        """Whether the caller watches this interaction."""
        return self.everything or (row.queue_id is not None and row.queue_id in self.queues)

    def where(self) -> ColumnElement[bool]:
        """The same rule as SQL over interactions."""
        if self.everything:
            return true()
        if not self.queues:
            return false()
        return Interaction.queue_id.in_(sorted(self.queues))


async def load_watch(session: AsyncSession, *, user: User, permissions: CCPermissions) -> Watch:
    """The caller's watch: administrators everything; supervisors per R-P-2; agents nothing."""
    if ADMINISTRATOR in user.roles:
        return Watch(everything=True)
    if SUPERVISOR not in user.roles:
        return Watch()
    if not permissions.supervisor_limit_to_assigned_queues:
        return Watch(everything=True)
    queues = await session.scalars(
        select(QueueMember.queue_id).where(
            QueueMember.user_id == user.id, QueueMember.role == "supervisor"
        )
    )
    return Watch(queues=frozenset(queues))


def operational_where(user_id: int) -> ColumnElement[bool]:
    """The conversations the caller works on or took in (operational rights, R-W-2, R-W-3)."""
    offered = exists().where(
        Offer.interaction_id == Interaction.id, Offer.agent_id == user_id, Offer.status == "open"
    )
    wrapping = exists().where(
        AgentPresence.user_id == user_id,
        AgentPresence.wrap_interaction_id == Interaction.id,
        AgentPresence.wrap_up_until.is_not(None),
    )
    return or_(
        Interaction.created_by_id == user_id,
        # agent_id names the last agent of an ended interaction too: only held ones count here.
        and_(Interaction.agent_id == user_id, Interaction.status.in_(HELD)),
        Interaction.personal_agent_id == user_id,
        offered,
        wrapping,
    )


def read_where(subject: Subject, watch: Watch) -> ColumnElement[bool]:
    """SQL for the conversations the caller may read (history, operational or watcher)."""
    return and_(
        Interaction.org_id == subject.org_id,
        or_(
            conversation_where(subject, Area.HISTORY),
            operational_where(subject.user_id),
            watch.where(),
        ),
    )


async def readable(
    session: AsyncSession, *, subject: Subject, watch: Watch, iid: int
) -> Interaction:
    """The interaction if the caller may read it (R-A-2, R-A-4, R-P-2); 404 otherwise."""
    return await load_visible(session, Interaction, iid, read_where(subject, watch))


async def sees(session: AsyncSession, *, subject: Subject, iid: int, area: Area) -> bool:
    """Whether the interaction passes ``area``'s access-rights filter for the caller (SQL)."""
    if not storable_id(iid):
        return False
    found = await session.scalar(
        select(Interaction.id).where(Interaction.id == iid, conversation_where(subject, area))
    )
    return found is not None


async def may_read(session: AsyncSession, *, subject: Subject, watch: Watch, iid: int) -> bool:
    """Whether :func:`readable` would find the interaction."""
    try:
        await readable(session, subject=subject, watch=watch, iid=iid)
    except NotFound:
        return False
    return True


# --- The conversation list (R-AN-7) -----------------------------------------------------------


@dataclass(frozen=True)
class Search:
    """The filters of the conversation list; every one given must hold."""

    channel: str | None = None
    agent_id: int | None = None
    queue_id: int | None = None
    tag_id: int | None = None
    status: str | None = None
    contact_id: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None


def utc(value: datetime | None) -> datetime | None:
    """An ISO-8601 time without an offset is read as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


async def check_search(session: AsyncSession, *, org_id: int, search: Search) -> None:
    """Every id a filter names is a row of the caller's organization (422 naming it)."""
    models: tuple[tuple[str, type[Any]], ...] = (
        ("agent_id", User),
        ("queue_id", Queue),
        ("tag_id", Tag),
        ("contact_id", Contact),
    )
    for name, model in models:
        value = getattr(search, name)
        if value is not None:
            await check_ids_in_org(session, model, org_id=org_id, ids=[value], field=name)
    start, end = utc(search.created_from), utc(search.created_to)
    if start is not None and end is not None and end <= start:
        raise invalid("created_to", "must be after created_from", "R-AN-7")


def handled_by(agent_id: int) -> ColumnElement[bool]:
    """Conversations the agent handles now or handled earlier."""
    earlier = exists().where(
        Assignment.interaction_id == Interaction.id, Assignment.agent_id == agent_id
    )
    return or_(Interaction.agent_id == agent_id, earlier)


def text_match(subject: Subject, q: str) -> ColumnElement[bool]:
    """``q`` in the contact's name, e-mail or phone; or in a message body the caller may read.

    Wildcards in ``q`` are literal (``%`` and ``_`` are escaped). Message bodies are searched
    only in conversations whose history the caller may read (R-A-2 history, R-A-4).
    """
    needle = q.strip().lower()
    contacts = select(Contact.id).where(
        Contact.org_id == subject.org_id,
        or_(
            func.lower(Contact.name).contains(needle, autoescape=True),
            func.lower(Contact.email).contains(needle, autoescape=True),
            Contact.phone.contains(q.strip(), autoescape=True),
        ),
    )
    in_bodies = exists().where(
        Message.interaction_id == Interaction.id,
        func.lower(Message.body).contains(needle, autoescape=True),
    )
    return or_(
        Interaction.contact_id.in_(contacts),
        and_(in_bodies, conversation_where(subject, Area.HISTORY)),
    )


def search_where(subject: Subject, search: Search) -> list[ColumnElement[bool]]:
    """The SQL conditions of ``search`` (the access filter is added by the caller)."""
    out: list[ColumnElement[bool]] = []
    if search.channel is not None:
        out.append(Interaction.channel == search.channel)
    if search.agent_id is not None:
        out.append(handled_by(search.agent_id))
    if search.queue_id is not None:
        out.append(Interaction.queue_id == search.queue_id)
    if search.tag_id is not None:
        out.append(
            exists().where(
                InteractionTag.interaction_id == Interaction.id,
                InteractionTag.tag_id == search.tag_id,
            )
        )
    if search.status is not None:
        out.append(Interaction.status == search.status)
    if search.contact_id is not None:
        out.append(Interaction.contact_id == search.contact_id)
    start, end = utc(search.created_from), utc(search.created_to)
    if start is not None:
        out.append(Interaction.created_at >= start)
    if end is not None:
        out.append(Interaction.created_at < end)
    if search.q is not None and search.q.strip():
        out.append(text_match(subject, search.q))
    return out


async def page(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    *,
    limit: int,
    before_id: int | None,
) -> tuple[list[Interaction], int | None]:
    """Newest first, ``limit`` rows below ``before_id``; and the cursor of the next page."""
    stmt = select(Interaction).where(*where)
    if before_id is not None:
        stmt = stmt.where(Interaction.id < before_id)
    rows = list(await session.scalars(stmt.order_by(Interaction.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


async def list_conversations(
    session: AsyncSession,
    *,
    subject: Subject,
    search: Search,
    limit: int,
    before_id: int | None,
) -> tuple[list[Interaction], int | None]:
    """R-AN-7: the conversations matching ``search`` that appear for the caller.

    Which conversations appear is the statistics scope (R-A-2), applied in SQL.
    """
    await check_search(session, org_id=subject.org_id, search=search)
    where = [conversation_where(subject, Area.STATISTICS), *search_where(subject, search)]
    return await page(session, where, limit=limit, before_id=before_id)


async def tags_of(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[int]]:
    """The tags of several interactions at once (R-W-2)."""
    out: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        rows = await session.execute(
            select(InteractionTag.interaction_id, InteractionTag.tag_id).where(
                InteractionTag.interaction_id.in_(list(ids))
            )
        )
        for iid, tid in rows:
            out[iid].append(tid)
    return out
