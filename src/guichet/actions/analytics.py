"""The analytics projection brought up to date before a dashboard reads it (R-AN-1..R-AN-5).

The dashboards and the supervisor live view answer from SQL aggregates of the projection
(``analytics.queries``); the event log is folded into it first, in a writing session (on
SQLite the single writer), then the read session starts a new snapshot that sees the fold.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from guichet.analytics import store


async def do_catch_up(session: AsyncSession, writer: AsyncSession, *, org_id: int) -> None:
    """Fold the organization's event log up to now (``writer`` commits and is closed), then
    end ``session``'s transaction so that its next read sees the projection as folded."""
    await store.catch_up(writer, org_id)
    await writer.close()
    await session.commit()
