"""Helpers every action uses: organization-scoped loading and name keys."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.errors import Conflict, NotFound


class _OrgRow(Protocol):
    id: Any
    org_id: Any


T = TypeVar("T")

# Ids are 32-bit integers on every engine; anything outside cannot exist (and PostgreSQL
# drivers refuse to bind it), so it is answered like any unknown id.
MAX_ID = 2**31 - 1


def is_valid_id(obj_id: int) -> bool:
    """True when ``obj_id`` could be a row id."""
    return 1 <= obj_id <= MAX_ID


def name_key(name: str) -> str:
    """The case-insensitive key under which names are unique (R-SK-1, R-Q-9...)."""
    return name.strip().casefold()


async def get_in_org(session: AsyncSession, model: type[T], obj_id: int, org_id: int) -> T:
    """Load one row of the caller's organization, or raise 404 (never 403: no leak)."""
    if not is_valid_id(obj_id):
        raise NotFound(f"{getattr(model, '__tablename__', 'object')} {obj_id} not found")
    table: Any = model
    row: T | None = await session.scalar(
        select(table).where(table.id == obj_id, table.org_id == org_id)
    )
    if row is None:
        raise NotFound(f"{getattr(model, '__tablename__', 'object')} {obj_id} not found")
    return row


async def exists_in_org(session: AsyncSession, model: type[Any], org_id: int, **where: Any) -> bool:
    """True when a row of the organization matches every ``column=value`` given."""
    stmt = select(model.id).where(model.org_id == org_id)
    for column, value in where.items():
        stmt = stmt.where(getattr(model, column) == value)
    return (await session.scalar(stmt.limit(1))) is not None


async def commit_or_conflict(
    session: AsyncSession, *, field: str, message: str, rule: str | None
) -> None:
    """Commit; a unique-constraint race becomes a 409 naming the field."""
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(message, field=field, rule=rule, code="duplicate") from exc
