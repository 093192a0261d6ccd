"""The application factory."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse

from guichet import __version__
from guichet.analytics.jobs import ExportRunner
from guichet.api import docs, problems, ws
from guichet.api.deps import AppState
from guichet.api.limits import RequestBodyGate
from guichet.api.routes import ROUTERS
from guichet.api.routes import analytics as analytics_routes
from guichet.api.routes import exports as exports_routes
from guichet.api.routes.health import router as health_router
from guichet.config import Settings
from guichet.live import LiveRegistry
from guichet.live.snapshot import live_snapshot
from guichet.persistence import ownership
from guichet.persistence.db import PoolLimits, create_engine, read_session_factory, session_factory
from guichet.realtime import EventBus, default_snapshot
from guichet.realtime.tickets import TicketBook
from guichet.security import Passwords
from guichet.security_throttle import LoginThrottle

API_PREFIX = "/api/v1"


def create_app(settings: Settings) -> FastAPI:
    """Build the Guichet ASGI application for ``settings``."""
    url, schema = settings.effective_database_url, settings.database_schema
    engine = create_engine(url, search_path=schema, pool=PoolLimits.from_settings(settings))
    state = AppState(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        read_sessions=read_session_factory(engine),
        passwords=Passwords(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            threads=settings.argon2_threads,
        ),
        bus=EventBus(
            max_queue_events=settings.event_queue_max_events,
            idle_timeout_s=settings.event_queue_idle_s,
        ),
        snapshots=default_snapshot,
        tickets=TicketBook(),
        login_throttle=LoginThrottle.from_settings(settings),
    )
    state.live = LiveRegistry(
        sessions=state.sessions,
        bus=lambda: state.bus,
        max_queued=settings.routing_queue_max,
        command_timeout_s=settings.routing_command_timeout_s,
    )
    # Offers are judged expired on the routing clock (tests drive it).
    state.snapshots = live_snapshot(
        state.readers(), clock=lambda: state.live.clock() if state.live else time.time()
    )
    # CSV export jobs run in this process (R-AN-6); files under <data dir>/exports, kept 7 days.
    export_runner = ExportRunner(
        state.sessions, state.readers(), directory=settings.data_dir / "exports"
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # One routing process per database (issue 12 finding 14): refused before routing.
        owner = await ownership.acquire(url, search_path=schema)
        await export_runner.startup()
        # Recovery before the server answers: every organization with live work gets its
        # routing loop now, so timers fire without waiting for a request.
        if state.live is not None:
            await state.live.start_all()
        yield
        await export_runner.stop()
        if state.live is not None:
            await state.live.stop()
        state.bus.shutdown()
        await engine.dispose()
        state.passwords.close()
        await owner.release()

    app = FastAPI(
        title="Guichet",
        version=__version__,
        summary="Self-hosted omnichannel contact center",
        openapi_url="/api/openapi.json",
        docs_url=None,  # served by api.docs from local assets, not a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.guichet = state
    app.state.export_runner = export_runner
    problems.install(app)
    app.add_middleware(RequestBodyGate, max_bytes=settings.max_request_body_bytes)
    docs.install(app, openapi_url="/api/openapi.json")
    app.include_router(health_router)
    api = APIRouter(prefix=API_PREFIX)
    for router in ROUTERS:
        api.include_router(router)
    api.include_router(exports_routes.router)
    api.include_router(analytics_routes.router)
    api.include_router(ws.router)
    app.include_router(api)

    @app.get("/", include_in_schema=False)
    async def _root() -> RedirectResponse:
        return RedirectResponse("/api/docs")

    return app
