"""Shared fixtures: every storage test runs on SQLite and, when configured, on PostgreSQL.

Set ``GUICHET_TEST_POSTGRES_URL`` (``.ci/run`` does) to add the PostgreSQL backend; each test
then runs in a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from guichet.persistence.db import create_engine

POSTGRES_URL = os.environ.get("GUICHET_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@dataclass(frozen=True)
class Database:
    """A fresh, empty database (or PostgreSQL schema) for one test."""

    backend: str
    url: str
    schema: str | None


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database on each configured backend."""
    if request.param == "sqlite":
        yield Database("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'guichet.db'}", None)
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Database("postgresql", POSTGRES_URL, schema)
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


_counts: dict[str, int] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the storage tests that passed per backend, for the closing summary."""
    if report.when == "call" and report.passed:
        for backend in ("sqlite", "postgresql"):
            if backend in report.keywords:
                _counts[backend] = _counts.get(backend, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many storage tests ran on each database."""
    parts = [f"{name}: {count} passed" for name, count in sorted(_counts.items())]
    if not POSTGRES_URL:
        parts.append("postgresql: not configured (set GUICHET_TEST_POSTGRES_URL)")
    terminalreporter.write_line("storage tests by database -> " + "; ".join(parts))
