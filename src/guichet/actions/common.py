"""What every writing action shares: a commit that turns a unique-constraint race into 409."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.errors import Conflict


async def commit_or_conflict(
    session: AsyncSession, *, field: str, message: str, rule: str | None
) -> None:
    """Commit; a unique-constraint race becomes a 409 naming the field."""
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(message, field=field, rule=rule, code="duplicate") from exc
