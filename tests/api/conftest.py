"""API fixtures: the app on a fresh database, reached through the ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from guichet.api import create_app
from guichet.config import Settings
from guichet.persistence.db import create_engine
from guichet.persistence.models import Base
from tests.conftest import Database
from tests.factories import Org, World
from tests.live.invariants import check_app


def pytest_configure(config: pytest.Config) -> None:
    """The marker of tests whose live rows are synthetic (written by hand, not by routing)."""
    config.addinivalue_line(
        "markers",
        "synthetic_rows: the test writes interactions and assignments by hand (e.g. a random "
        "analytics log), not through routing; its world skips the issue-12 invariant check",
    )


def test_settings(database: Database) -> Settings:
    """Dev settings on the test database, with cheap password hashing."""
    return Settings(
        dev=True,
        database_url=database.url,
        database_schema=database.schema,
        argon2_time_cost=1,
        argon2_memory_kib=8,
    )


@pytest.fixture
async def world(database: Database, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    """The app with its tables created, and an HTTP client on it; afterwards what routing
    left must hold every invariant (tests/live/invariants.py), unless the test's rows are
    synthetic (`synthetic_rows`)."""
    engine = create_engine(database.url, search_path=database.schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    app = create_app(test_settings(database))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield World(app=app, client=client)
        # Issue 12: what routing left holds every invariant (tests/live/invariants.py).
        if request.node.get_closest_marker("synthetic_rows") is None:
            await check_app(app.state.guichet)
    await app.state.guichet.engine.dispose()


@pytest.fixture
async def org_a(world: World) -> Org:
    """Organization A with its administrator."""
    return await world.org("alpha")


@pytest.fixture
async def org_b(world: World) -> Org:
    """Organization B, to prove nothing crosses organizations."""
    return await world.org("bravo")
