"""Canned messages: shortcut, text, public or private to the author, active (R-Q-11, R-P-3).

A public message belongs to the whole organization or to one queue (``queue_id``). Who reads
which is the access-rights rule "canned responses" (R-A-2), compiled into the SQL of every
list and load by :func:`guichet.queries.access.canned_where`: everyone reads the organization's
public messages and the public messages of the queues they belong to, the scope widens that to
their department's queues or every queue, and a private message is its author's alone (R-Q-11).
Managing is unchanged: the R-P-3 switches, public messages needing ``canned.manage_public``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.queues import QueueReach
from guichet.actions.text import clean_body, clean_name, first_control, name_contains
from guichet.authz import Permission
from guichet.authz.access import Subject
from guichet.errors import Forbidden, conflict, invalid
from guichet.persistence.models import CannedMessage, Queue
from guichet.queries.access import canned_where
from guichet.queries.lookups import load_visible, name_key, storable_id

RULE = "R-Q-11"
PUBLIC = "public"
PRIVATE = "private"
VISIBILITIES = (PUBLIC, PRIVATE)
MAX_SHORTCUT = 64
MAX_TITLE = 200
MAX_TEXT = 10_000


def check_shortcut(value: str) -> str:
    """R-Q-11: 1..64 characters, no whitespace and no control character."""
    shortcut = unicodedata.normalize("NFC", value)
    if not 1 <= len(shortcut) <= MAX_SHORTCUT:
        raise invalid("shortcut", f"between 1 and {MAX_SHORTCUT} characters", RULE)
    if any(ch.isspace() for ch in shortcut):
        raise invalid("shortcut", "a shortcut cannot contain spaces or line breaks", RULE)
    found = first_control(shortcut)
    if found is not None:
        raise invalid("shortcut", f"control character {found[1]} is not allowed", RULE)
    return shortcut


def check_title(value: str) -> str:
    """An optional title, at most 200 characters, no control character."""
    if not value.strip():
        return ""
    return clean_name(value, field="title", rule=RULE, max_length=MAX_TITLE)


def check_text(value: str) -> str:
    """R-Q-11: the message body, 1..10,000 characters, not blank."""
    return clean_body(value, field="text", rule=RULE, max_length=MAX_TEXT)


def check_visibility(value: str) -> str:
    """``public`` (everyone in the organization) or ``private`` (its author only)."""
    if value not in VISIBILITIES:
        raise invalid("visibility", "must be 'public' or 'private'", RULE)
    return value


def permission_for(visibility: str) -> Permission:
    """R-P-3: private messages need "manage own", public ones "manage public"."""
    return Permission.CANNED_OWN if visibility == PRIVATE else Permission.CANNED_PUBLIC


def _require(held: Collection[Permission], visibility: str) -> None:
    needed = permission_for(visibility)
    if needed not in held:
        raise Forbidden(f"{visibility} canned messages need the permission {needed.value}")


def scope_key(visibility: str, owner_id: int, queue_id: int | None = None) -> str:
    """Shortcuts are unique among the organization's public messages, among each queue's, and
    among each author's private ones (so two queues may both answer ``/hello``)."""
    if visibility == PRIVATE:
        return f"user:{owner_id}"
    return PUBLIC if queue_id is None else f"queue:{queue_id}"


async def check_queue_id(
    session: AsyncSession, *, reach: QueueReach, visibility: str, queue_id: int | None
) -> int | None:
    """The queue of a message: public messages only (R-Q-11), and a queue of the caller's
    organization they may see (R-A-2); 422 naming ``queue_id`` otherwise."""
    if queue_id is None:
        return None
    if visibility == PRIVATE:
        raise invalid(
            "queue_id",
            "a private message belongs to its author, not to a queue: send queue_id null",
            RULE,
        )
    found = None
    if storable_id(queue_id):
        found = await session.scalar(
            select(Queue.id).where(Queue.id == queue_id, reach.view_where())
        )
    if found is None:
        raise invalid("queue_id", f"no queue {queue_id} that you may see", "R-A-2")
    return queue_id


async def list_canned_messages(
    session: AsyncSession,
    *,
    subject: Subject,
    shortcut: str | None = None,
    visibility: str | None = None,
    active: bool | None = None,
    q: str | None = None,
) -> Sequence[CannedMessage]:
    """What the caller may read (R-A-2, R-Q-11): own private messages first, then queue
    messages, then the organization's, each by shortcut."""
    stmt = select(CannedMessage).where(canned_where(subject))
    if shortcut is not None:
        stmt = stmt.where(CannedMessage.shortcut_key == name_key(shortcut))
    if visibility is not None:
        stmt = stmt.where(CannedMessage.visibility == check_visibility(visibility))
    if active is not None:
        stmt = stmt.where(CannedMessage.active == active)
    if q:
        in_title = func.lower(CannedMessage.title).contains(q.lower(), autoescape=True)
        stmt = stmt.where(or_(name_contains(CannedMessage.shortcut_key, q), in_title))
    rank = case(
        (CannedMessage.visibility == PRIVATE, 0),
        (CannedMessage.queue_id.is_not(None), 1),
        else_=2,
    )
    order = (rank, CannedMessage.shortcut_key, CannedMessage.id)
    return (await session.scalars(stmt.order_by(*order))).all()


async def get_canned_message(
    session: AsyncSession, *, subject: Subject, message_id: int
) -> CannedMessage:
    """One message the caller may read (R-A-2, R-Q-11); any other is a 404."""
    return await load_visible(session, CannedMessage, message_id, canned_where(subject))


async def _check_unique(
    session: AsyncSession, *, org_id: int, scope: str, shortcut: str, exclude_id: int | None = None
) -> None:
    stmt = select(CannedMessage.id).where(
        CannedMessage.org_id == org_id,
        CannedMessage.scope_key == scope,
        CannedMessage.shortcut_key == name_key(shortcut),
    )
    if exclude_id is not None:
        stmt = stmt.where(CannedMessage.id != exclude_id)
    if await session.scalar(stmt.limit(1)) is not None:
        where = "public messages" if scope == PUBLIC else "your private messages"
        raise conflict("shortcut", f"the shortcut {shortcut!r} is taken among {where}", RULE)


async def do_create_canned_message(
    session: AsyncSession,
    *,
    reach: QueueReach,
    held: Collection[Permission],
    shortcut: str,
    text: str,
    title: str = "",
    visibility: str = PRIVATE,
    active: bool = True,
    queue_id: int | None = None,
) -> CannedMessage:
    """Add a canned message (R-Q-11) if the caller may manage that visibility (R-P-3), in a
    queue they may see (R-A-2) or for the whole organization."""
    org_id, user_id = reach.org_id, reach.subject.user_id
    _require(held, check_visibility(visibility))
    clean_shortcut = check_shortcut(shortcut)
    clean_title, clean_text = check_title(title), check_text(text)
    queue_id = await check_queue_id(session, reach=reach, visibility=visibility, queue_id=queue_id)
    row = CannedMessage(
        org_id=org_id,
        shortcut=clean_shortcut,
        shortcut_key=name_key(clean_shortcut),
        title=clean_title,
        text=clean_text,
        visibility=visibility,
        scope_key=scope_key(visibility, user_id, queue_id),
        owner_id=user_id,
        queue_id=queue_id,
        active=active,
    )
    await _check_unique(session, org_id=org_id, scope=row.scope_key, shortcut=clean_shortcut)
    session.add(row)
    await commit_or_conflict(session, field="shortcut", message="this shortcut is taken", rule=RULE)
    return row


async def do_update_canned_message(
    session: AsyncSession,
    *,
    reach: QueueReach,
    held: Collection[Permission],
    message_id: int,
    changes: dict[str, Any],
) -> CannedMessage:
    """Edit shortcut, title, text, visibility, queue or active (R-Q-11), under R-P-3.

    Making a public message private moves it to the caller's own messages (it must then leave
    its queue: ``queue_id`` null). A new queue must be one the caller may see (R-A-2).
    """
    org_id, user_id = reach.org_id, reach.subject.user_id
    row = await get_canned_message(session, subject=reach.subject, message_id=message_id)
    _require(held, row.visibility)
    visibility = row.visibility
    if changes.get("visibility") is not None:
        visibility = check_visibility(changes["visibility"])
        _require(held, visibility)
    shortcut = row.shortcut
    if changes.get("shortcut") is not None:
        shortcut = check_shortcut(changes["shortcut"])
    title = check_title(changes["title"]) if changes.get("title") is not None else row.title
    text = check_text(changes["text"]) if changes.get("text") is not None else row.text
    queue_id = changes.get("queue_id", row.queue_id)
    if queue_id != row.queue_id or visibility != row.visibility:
        queue_id = await check_queue_id(
            session, reach=reach, visibility=visibility, queue_id=queue_id
        )
    owner_id = row.owner_id if visibility == row.visibility else user_id
    scope = scope_key(visibility, owner_id if owner_id is not None else user_id, queue_id)
    await _check_unique(session, org_id=org_id, scope=scope, shortcut=shortcut, exclude_id=row.id)
    row.shortcut, row.shortcut_key = shortcut, name_key(shortcut)
    row.title, row.text = title, text
    row.visibility, row.scope_key, row.owner_id = visibility, scope, owner_id
    row.queue_id = queue_id
    if changes.get("active") is not None:
        row.active = bool(changes["active"])
    await commit_or_conflict(session, field="shortcut", message="this shortcut is taken", rule=RULE)
    return row


async def do_delete_canned_message(
    session: AsyncSession,
    *,
    subject: Subject,
    held: Collection[Permission],
    message_id: int,
) -> None:
    """Delete a canned message the caller may read and manage (R-Q-11, R-P-3, R-A-2)."""
    row = await get_canned_message(session, subject=subject, message_id=message_id)
    _require(held, row.visibility)
    await session.delete(row)
    await session.commit()
