"""Live fixtures: the app with a routing registry on a clock the test drives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from guichet.api import create_app
from guichet.live import LiveRegistry
from guichet.persistence.db import create_engine
from guichet.persistence.models import Base
from tests.api.conftest import test_settings
from tests.conftest import Database
from tests.factories import Org, World
from tests.live.invariants import check_app

START = 1_800_000_000.0


class FakeClock:
    """Engine time that only moves when the test says so."""

    def __init__(self, t: float = START) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.t += seconds


class LiveWorld(World):
    """A `World` with the routing registry on a fake clock and an event recorder."""

    clock: FakeClock
    #: Set by `final_check`: the test body ran the invariants as its last step, so the
    #: fixture does not run them a second time (an xfail reproduction fails in its body).
    checked_in_body: bool = False

    @property
    def live(self) -> LiveRegistry:
        """The routing registry."""
        live = self.state.live
        assert live is not None
        return live

    async def tick(self, org: Org, seconds: float = 0.0) -> None:
        """Advance the clock and let the organization's loop fire its timers."""
        self.clock.advance(seconds)
        await (await self.live.router(org.id)).tick()

    def register(self, org: Org, user_id: int) -> str:
        """A bus queue for one user (what a WebSocket client gets on register)."""
        queue_id, _ = self.state.bus.register(org.id, user_id, event_types=None)
        return queue_id

    async def events(self, queue_id: str) -> list[dict[str, Any]]:
        """Every event queued so far (no waiting)."""
        got: list[dict[str, Any]] = await self.state.bus.get_events(queue_id, -1, timeout_s=0)
        return got


async def check_world(world: World, now: float | None = None) -> None:
    """Issue 12: after the test body, every invariant of tests/live/invariants.py holds on
    the test's database (fails the test with the list of violations)."""
    await check_app(world.state, now=now)


async def final_check(world: LiveWorld) -> None:
    """Run the invariants now, as the test's last step, instead of after it."""
    world.checked_in_body = True
    await check_world(world)


@pytest.fixture
async def world(database: Database) -> AsyncIterator[LiveWorld]:
    """The app on a fresh database with a driven clock."""
    engine = create_engine(database.url, search_path=database.schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    app = create_app(test_settings(database))
    clock = FakeClock()
    state = app.state.guichet
    state.live = LiveRegistry(sessions=state.sessions, bus=lambda: state.bus, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        w = LiveWorld(app=app, client=client)
        w.clock = clock
        yield w
        if not w.checked_in_body:
            await check_world(w)
    await state.live.stop()
    await state.engine.dispose()


@pytest.fixture
async def org_a(world: LiveWorld) -> Org:
    """Organization A with its administrator."""
    return await world.org("alpha")


@pytest.fixture
async def org_b(world: LiveWorld) -> Org:
    """Organization B, to prove nothing crosses organizations."""
    return await world.org("bravo")
