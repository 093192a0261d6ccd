"""The database pool (issue 12 finding 13), on SQLite and PostgreSQL: sized from settings,
an exhausted pool answers 503 with Retry-After (not a 500 after 30 s), and a burst of
concurrent requests reuses the pool's connections instead of opening new ones."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from guichet.api import create_app
from guichet.config import Settings
from guichet.persistence.db import PoolExhausted, PoolLimits, create_engine
from guichet.persistence.models import Base
from tests.api.conftest import test_settings as app_settings
from tests.conftest import Database
from tests.factories import World, problem


async def _world(database: Database, **settings: Any) -> AsyncIterator[World]:
    engine = create_engine(database.url, search_path=database.schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    base = app_settings(database).model_dump()
    app = create_app(Settings(**{**base, **settings}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield World(app=app, client=client)
    await app.state.guichet.engine.dispose()


@pytest.fixture
async def small(database: Database) -> AsyncIterator[World]:
    """The app with a pool of two connections, no overflow, and a short wait for one."""
    async for world in _world(database, db_pool_size=2, db_max_overflow=0, db_pool_timeout_s=0.3):
        yield world


@pytest.fixture
async def default(database: Database) -> AsyncIterator[World]:
    """The app with the default pool settings."""
    async for world in _world(database):
        yield world


def test_pool_limits_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUICHET_DB_POOL_SIZE", "7")
    monkeypatch.setenv("GUICHET_DB_MAX_OVERFLOW", "3")
    monkeypatch.setenv("GUICHET_DB_POOL_TIMEOUT_S", "2.5")
    limits = PoolLimits.from_settings(Settings(dev=True))
    assert limits == PoolLimits(size=7, overflow=3, timeout_s=2.5)
    engine = create_engine("sqlite+aiosqlite:////tmp/guichet-pool-test.db", pool=limits)
    pool: Any = engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (7, 3, 2.5)


async def test_an_exhausted_pool_answers_503_with_retry_after(small: World) -> None:
    org = await small.org("alpha")
    engine = small.state.engine
    held = [await engine.connect() for _ in range(2)]  # each takes a pool connection
    try:
        started = time.monotonic()
        r = await small.client.get("/api/v1/me", headers=org.admin)
        waited = time.monotonic() - started
        body = problem(r, 503)
        assert body["code"] == "database_busy"
        assert body["type"] == "urn:guichet:problem:database_busy"
        assert r.headers["retry-after"] == "1"
        assert 0.25 <= waited < 5  # the pool timeout from settings, not SQLAlchemy's 30 s
        with pytest.raises(PoolExhausted):
            await engine.connect()
    finally:
        for conn in held:
            await conn.close()
    # Once a connection is free, the same request succeeds.
    assert (await small.client.get("/api/v1/me", headers=org.admin)).status_code == 200


async def test_a_burst_of_concurrent_work_reuses_the_pool_connections(default: World) -> None:
    """Fifteen connections in use at once, three times over (fifteen requests in flight, one
    routing loop's own): after the first burst opened what it needed, the next ones open no
    new database connection. With SQLAlchemy's default of 5 + 10 overflow, each overflow
    connection was closed on hand-back and opened again by the next burst."""
    engine = default.state.engine
    opened = 0

    def count(*_args: Any) -> None:
        nonlocal opened
        opened += 1

    event.listen(engine.sync_engine, "connect", count)

    async def in_use() -> None:
        async with engine.connect():
            await asyncio.sleep(0.05)

    async def burst() -> None:
        await asyncio.gather(*(in_use() for _ in range(15)))

    await burst()
    first = opened
    assert first == 15
    await burst()
    await burst()
    assert opened == first, (first, opened)
    # And requests are answered meanwhile.
    org = await default.org("alpha")
    assert (await default.client.get("/api/v1/me", headers=org.admin)).status_code == 200
