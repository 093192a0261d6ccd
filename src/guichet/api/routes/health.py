"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from guichet import __version__
from guichet.api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(session: SessionDep) -> dict[str, Any]:
    """The server answers and its database does too."""
    await session.execute(text("SELECT 1"))
    dialect = session.get_bind().dialect.name
    return {"status": "ok", "version": __version__, "database": dialect}
