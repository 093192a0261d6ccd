"""Tags: free keywords put on interactions, searched by name (R-W-2)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.text import clean_name, name_contains
from guichet.persistence.models import Tag
from guichet.queries.lookups import check_name_free, get_in_org, name_key

RULE = "R-W-2"
MAX_NAME = 100


def check_name(value: str) -> str:
    """R-W-2: a tag name, 1..100 characters, no control character."""
    return clean_name(value, field="name", rule=RULE, max_length=MAX_NAME)


async def _check_unique(
    session: AsyncSession, *, org_id: int, name: str, exclude_id: int | None = None
) -> None:
    await check_name_free(
        session,
        Tag,
        org_id=org_id,
        key=name_key(name),
        exclude_id=exclude_id,
        message=f"a tag named {name!r} exists (case ignored)",
        rule=RULE,
    )


async def list_tags(session: AsyncSession, *, org_id: int, q: str | None = None) -> Sequence[Tag]:
    """R-W-2: the organization's tags by name; ``q`` keeps those whose name contains it."""
    stmt = select(Tag).where(Tag.org_id == org_id)
    if q:
        stmt = stmt.where(name_contains(Tag.name_key, q))
    return (await session.scalars(stmt.order_by(Tag.name_key, Tag.id))).all()


async def get_tag(session: AsyncSession, *, org_id: int, tag_id: int) -> Tag:
    """One tag of the organization (404 otherwise)."""
    return await get_in_org(session, Tag, tag_id, org_id)


async def do_create_tag(session: AsyncSession, *, org_id: int, name: str) -> Tag:
    """Add a tag; names are unique regardless of case (R-W-2)."""
    clean = check_name(name)
    await _check_unique(session, org_id=org_id, name=clean)
    row = Tag(org_id=org_id, name=clean, name_key=name_key(clean))
    session.add(row)
    await commit_or_conflict(
        session, field="name", message=f"a tag named {clean!r} exists", rule=RULE
    )
    return row


async def do_rename_tag(session: AsyncSession, *, org_id: int, tag_id: int, name: str) -> Tag:
    """Rename a tag (R-W-2)."""
    tag = await get_in_org(session, Tag, tag_id, org_id)
    clean = check_name(name)
    await _check_unique(session, org_id=org_id, name=clean, exclude_id=tag.id)
    tag.name = clean
    tag.name_key = name_key(clean)
    await commit_or_conflict(
        session, field="name", message="a tag with this name exists", rule=RULE
    )
    return tag


async def do_delete_tag(session: AsyncSession, *, org_id: int, tag_id: int) -> None:
    """Delete a tag."""
    tag = await get_in_org(session, Tag, tag_id, org_id)
    await session.delete(tag)
    await session.commit()
