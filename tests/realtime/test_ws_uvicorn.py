"""The socket over a real server: uvicorn on 127.0.0.1 and a websockets client, on SQLite
and PostgreSQL. Close codes, push, drop and resume, and a server stop with sockets open.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from guichet.actions.orgs import do_create_organization
from guichet.actions.users import do_create_user
from guichet.api import create_app
from guichet.api.deps import AppState
from guichet.config import Settings
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.models import Base
from guichet.realtime import default_snapshot
from guichet.security import Passwords
from tests.conftest import Database
from tests.factories import PASSWORD
from tests.live.invariants import assert_invariants


@dataclass
class Served:
    """A running server, its state, and one logged-in agent."""

    base: str
    state: AppState
    org_id: int
    user_id: int
    headers: dict[str, str]
    server: uvicorn.Server
    stopped: threading.Event

    async def ticket(self) -> str:
        async with httpx.AsyncClient(base_url=f"http://{self.base}") as client:
            r = await client.post("/api/v1/ws/tickets", headers=self.headers)
        assert r.status_code == 201, r.text
        ticket: str = r.json()["ticket"]
        return ticket

    async def socket(self) -> ClientConnection:
        return await connect(f"ws://{self.base}/api/v1/ws?ticket={await self.ticket()}")

    def stop(self) -> None:
        """Ask uvicorn to stop, as on SIGTERM."""
        self.server.should_exit = True

    def publish(self, event: dict[str, Any]) -> None:
        self.state.bus.publish(self.org_id, event, user_ids=[self.user_id])


async def next_frame(ws: ClientConnection, op: str) -> dict[str, Any]:
    """The next frame with ``op``, skipping heartbeats; fails after 5 s."""
    async with asyncio.timeout(5):
        while True:
            got: dict[str, Any] = json.loads(await ws.recv())
            if got["op"] == op:
                return got


async def close_code(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as info:
        async with asyncio.timeout(5):
            while True:
                await ws.recv()
    return info.value.rcvd.code if info.value.rcvd else None


@pytest.fixture
async def served(database: Database) -> AsyncIterator[Served]:
    """Uvicorn in a thread (its own event loop) on a free port, with one agent."""
    engine = create_engine(database.url, search_path=database.schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with session_factory(engine)() as session:
        org = await do_create_organization(session, name="Alpha", slug="alpha")
        user = await do_create_user(
            session,
            passwords=Passwords(time_cost=1, memory_kib=8),
            org_id=org.id,
            email="alice@alpha.test",
            display_name="Alice Agent",
            password=PASSWORD,
            roles=["agent"],
        )
        org_id, user_id = org.id, user.id
    await engine.dispose()
    settings = Settings(
        dev=True,
        database_url=database.url,
        database_schema=database.schema,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        ws_heartbeat_s=0.2,
    )
    app = create_app(settings)
    app.state.guichet.snapshots = default_snapshot
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    stopped = threading.Event()

    def run() -> None:
        try:
            server.run()
        finally:
            stopped.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        await asyncio.sleep(0.02)
    base = f"127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=f"http://{base}") as client:
        r = await client.post(
            "/api/v1/auth/login", json={"email": "alice@alpha.test", "password": PASSWORD}
        )
    assert r.status_code == 200, r.text
    headers = {"authorization": f"Bearer {r.json()['access_token']}"}
    try:
        yield Served(base, app.state.guichet, org_id, user_id, headers, server, stopped)
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
    # Issue 12: what routing left holds every invariant (tests/live/invariants.py); the
    # server's loops are gone with its thread, so the rows are read on an engine of our own.
    engine = create_engine(database.url, search_path=database.schema)
    try:
        await assert_invariants(engine, now=time.time())
    finally:
        await engine.dispose()


async def test_socket_over_uvicorn_push_drop_resume_and_close_codes(served: Served) -> None:
    bad = await connect(f"ws://{served.base}/api/v1/ws?ticket=gwt_forged")
    assert await close_code(bad) == 4001

    ws = await served.socket()
    await ws.send(json.dumps({"op": "register"}))
    registered = await next_frame(ws, "registered")
    queue_id = registered["queue_id"]
    assert registered["snapshot"] == {"user_id": served.user_id, "org_id": served.org_id}
    served.publish({"type": "offer", "n": 1})
    assert (await next_frame(ws, "events"))["events"] == [{"type": "offer", "n": 1, "id": 1}]
    assert await next_frame(ws, "heartbeat") == {"op": "heartbeat"}
    await ws.close()

    served.publish({"type": "offer", "n": 2})
    ws = await served.socket()
    await ws.send(json.dumps({"op": "resume", "queue_id": queue_id, "last_event_id": 1}))
    assert [e["n"] for e in (await next_frame(ws, "events"))["events"]] == [2]
    await ws.send("x" * 70_000)
    assert await close_code(ws) == 4400


async def test_server_stop_closes_open_sockets_and_drops_queues(served: Served) -> None:
    ws = await served.socket()
    await ws.send(json.dumps({"op": "register"}))
    await next_frame(ws, "registered")
    served.stop()
    assert await close_code(ws) in (1001, 1012)
    await asyncio.to_thread(served.stopped.wait, 10)
    assert served.stopped.is_set() and len(served.state.bus) == 0
