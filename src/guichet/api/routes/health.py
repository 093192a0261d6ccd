"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from guichet import __version__
from guichet.api.deps import SessionDep
from guichet.api.schemas.health import HealthRead

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(session: SessionDep) -> HealthRead:
    """The server answers and its database does too."""
    await session.execute(text("SELECT 1"))
    dialect = session.get_bind().dialect.name
    return HealthRead(status="ok", version=__version__, database=dialect)
