"""Dispositions: the outcomes agents pick from a searchable, ordered list (R-W-3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.text import clean_name, first_control, name_contains
from guichet.errors import invalid
from guichet.persistence.models import Disposition
from guichet.queries.lookups import check_name_free, get_in_org, name_key

RULE = "R-W-3"
MAX_NAME = 100
MAX_DESCRIPTION = 500
MAX_POSITION = 1_000_000


def check_name(value: str) -> str:
    """R-W-3: a disposition name, 1..100 characters, no control character."""
    return clean_name(value, field="name", rule=RULE, max_length=MAX_NAME)


def check_description(value: str) -> str:
    """An optional description, at most 500 characters; line breaks allowed, no other control."""
    text = value.strip()
    if len(text) > MAX_DESCRIPTION:
        raise invalid("description", f"at most {MAX_DESCRIPTION} characters", RULE)
    found = first_control(text, allowed=frozenset("\n\r\t"))
    if found is not None:
        raise invalid("description", f"control character {found[1]} is not allowed", RULE)
    return text


def check_position(value: int) -> int:
    """A place in the list, 0..1,000,000 (lower comes first)."""
    if not 0 <= value <= MAX_POSITION:
        raise invalid("position", f"between 0 and {MAX_POSITION}", RULE)
    return value


async def _check_unique(
    session: AsyncSession, *, org_id: int, name: str, exclude_id: int | None = None
) -> None:
    await check_name_free(
        session,
        Disposition,
        org_id=org_id,
        key=name_key(name),
        exclude_id=exclude_id,
        message=f"a disposition named {name!r} exists (case ignored)",
        rule=RULE,
    )


async def list_dispositions(
    session: AsyncSession, *, org_id: int, active: bool | None = None, q: str | None = None
) -> Sequence[Disposition]:
    """R-W-3: the list in its set order (position, then name); ``q`` searches names."""
    stmt = select(Disposition).where(Disposition.org_id == org_id)
    if active is not None:
        stmt = stmt.where(Disposition.active == active)
    if q:
        stmt = stmt.where(name_contains(Disposition.name_key, q))
    order = (Disposition.position, Disposition.name_key, Disposition.id)
    return (await session.scalars(stmt.order_by(*order))).all()


async def get_disposition(
    session: AsyncSession, *, org_id: int, disposition_id: int
) -> Disposition:
    """One disposition of the organization (404 otherwise)."""
    return await get_in_org(session, Disposition, disposition_id, org_id)


async def _next_position(session: AsyncSession, *, org_id: int) -> int:
    last = await session.scalar(
        select(func.max(Disposition.position)).where(Disposition.org_id == org_id)
    )
    return 0 if last is None else min(int(last) + 1, MAX_POSITION)


async def do_create_disposition(
    session: AsyncSession,
    *,
    org_id: int,
    name: str,
    description: str = "",
    active: bool = True,
    position: int | None = None,
) -> Disposition:
    """Add a disposition (R-W-3); without a position it goes to the end of the list."""
    clean = check_name(name)
    text = check_description(description)
    if position is not None:
        check_position(position)
    await _check_unique(session, org_id=org_id, name=clean)
    row = Disposition(
        org_id=org_id,
        name=clean,
        name_key=name_key(clean),
        description=text,
        active=active,
        position=position if position is not None else await _next_position(session, org_id=org_id),
    )
    session.add(row)
    await commit_or_conflict(
        session, field="name", message=f"a disposition named {clean!r} exists", rule=RULE
    )
    return row


async def do_update_disposition(
    session: AsyncSession, *, org_id: int, disposition_id: int, changes: dict[str, Any]
) -> Disposition:
    """Rename, describe, reorder, activate or deactivate a disposition (R-W-3)."""
    row = await get_in_org(session, Disposition, disposition_id, org_id)
    # Validate everything before changing anything.
    new_name = check_name(changes["name"]) if changes.get("name") is not None else None
    text = (
        check_description(changes["description"])
        if changes.get("description") is not None
        else None
    )
    position = check_position(changes["position"]) if changes.get("position") is not None else None
    if new_name is not None:
        await _check_unique(session, org_id=org_id, name=new_name, exclude_id=row.id)
        row.name = new_name
        row.name_key = name_key(new_name)
    if text is not None:
        row.description = text
    if position is not None:
        row.position = position
    if changes.get("active") is not None:
        row.active = bool(changes["active"])
    await commit_or_conflict(
        session, field="name", message="a disposition with this name exists", rule=RULE
    )
    return row


async def do_delete_disposition(session: AsyncSession, *, org_id: int, disposition_id: int) -> None:
    """Delete a disposition."""
    row = await get_in_org(session, Disposition, disposition_id, org_id)
    await session.delete(row)
    await session.commit()
