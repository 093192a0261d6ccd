"""Recovery after SIGKILL: the server runs in a subprocess, is killed, and restarts."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import func, select

from guichet.actions.orgs import do_create_organization
from guichet.actions.users import do_create_user
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.models import Assignment, Base, Interaction
from guichet.security import Passwords
from tests.conftest import Database
from tests.factories import PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@asynccontextmanager
async def server(database: Database, tmp_path: Path, log: Path) -> AsyncIterator[str]:
    """A Guichet server in a subprocess; yields its base URL; SIGKILLed on exit."""
    port = _free_port()
    env = {
        **os.environ,
        "GUICHET_DATABASE_URL": database.url,
        "GUICHET_DEV": "1",
        "GUICHET_AUTO_MIGRATE": "0",
        "GUICHET_ARGON2_TIME_COST": "1",
        "GUICHET_ARGON2_MEMORY_KIB": "8",
        "GUICHET_DATA_DIR": str(tmp_path),
    }
    if database.schema:
        env["GUICHET_DATABASE_SCHEMA"] = database.schema
    out = _open_log(log)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "guichet.cli",
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            for _ in range(200):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(_read(log))
        yield base
    finally:
        proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 10)
        out.close()


def _open_log(log: Path) -> IO[bytes]:
    return log.open("ab")


def _read(log: Path) -> str:
    return log.read_text()


async def seed(database: Database) -> dict[str, str]:
    """An organization with an administrator and two agents; their e-mails by name."""
    engine = create_engine(database.url, search_path=database.schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    sessions = session_factory(engine)
    passwords = Passwords(time_cost=1, memory_kib=8)
    emails = {}
    async with sessions() as s:
        org = await do_create_organization(s, name="Kill", slug="kill")
        for name, roles in (
            ("ada", ["administrator", "supervisor"]),
            ("ann", ["agent"]),
            ("bob", ["agent"]),
        ):
            email = f"{name}@kill.test"
            await do_create_user(
                s,
                passwords=passwords,
                org_id=org.id,
                email=email,
                display_name=name,
                password=PASSWORD,
                roles=roles,
                capacity={"chat": 1},
            )
            emails[name] = email
    await engine.dispose()
    return emails


async def login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    """Bearer headers for ``email``."""
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['access_token']}"}


async def call(
    client: httpx.AsyncClient, method: str, url: str, h: dict[str, str], body: Any = None
) -> Any:
    """One request that must succeed; returns the JSON body."""
    r = await client.request(method, url, json=body, headers=h)
    assert r.status_code in (200, 201), (url, r.text)
    return r.json()


async def test_sigkill_recovery_nothing_lost_nothing_assigned_twice(
    database: Database, tmp_path: Path
) -> None:
    """Waiting keep their place, the offer in flight is made again, the assignment stays."""
    emails = await seed(database)
    log = tmp_path / "server.log"
    async with (
        server(database, tmp_path, log) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as c,
    ):
        ada, ann, bob = [await login(c, emails[n]) for n in ("ada", "ann", "bob")]
        q = await call(
            c,
            "POST",
            "/api/v1/queues",
            ada,
            {
                "kind": "chat",
                "name": "Web",
                "channel_types": ["chat"],
                "wrap_up_s": 0,
                "offer_timeout_s": 300,
                "strategy": "top_down",
            },
        )
        ann_id = (await call(c, "GET", "/api/v1/me", ann))["id"]
        bob_id = (await call(c, "GET", "/api/v1/me", bob))["id"]
        await call(
            c,
            "PUT",
            f"/api/v1/queues/{q['id']}/members",
            ada,
            {"agents": [ann_id, bob_id], "supervisors": []},
        )
        for h in (ann, bob):
            await call(c, "PUT", "/api/v1/agent/queues", h, {"queue_ids": [q["id"]]})
            await call(c, "PUT", "/api/v1/agent/state", h, {"state": "available"})
        body = {"channel": "chat", "queue_id": q["id"]}
        held = await call(c, "POST", "/api/v1/interactions", ada, body)
        assert held["status"] == "offered"
        await call(c, "POST", f"/api/v1/agent/offers/{held['id']}/accept", ann)
        flying = await call(c, "POST", "/api/v1/interactions", ada, body)
        assert flying["status"] == "offered"
        waiting = [await call(c, "POST", "/api/v1/interactions", ada, body) for _ in range(3)]
        assert {w["status"] for w in waiting} == {"waiting"}
    # SIGKILLed: nothing could be cleaned up. Start again on the same database.
    async with (
        server(database, tmp_path, log) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as c,
    ):
        ada, ann, bob = [await login(c, emails[n]) for n in ("ada", "ann", "bob")]
        view = await call(c, "GET", "/api/v1/supervision/live", ada)
        (queue,) = view["queues"]
        assert [w["id"] for w in queue["waiting"]] == [w["id"] for w in waiting]
        got = await call(c, "GET", f"/api/v1/interactions/{held['id']}", ada)
        assert (got["status"], got["agent_id"]) == ("assigned", ann_id)
        got = await call(c, "GET", f"/api/v1/interactions/{flying['id']}", ada)
        assert got["status"] == "offered"
        await call(c, "POST", f"/api/v1/agent/offers/{flying['id']}/accept", bob)
        await call(c, "POST", f"/api/v1/interactions/{held['id']}/end", ann)
        got = await call(c, "GET", f"/api/v1/interactions/{waiting[0]['id']}", ada)
        assert got["status"] == "offered"
        await call(c, "POST", f"/api/v1/agent/offers/{waiting[0]['id']}/accept", ann)
    engine = create_engine(database.url, search_path=database.schema)
    async with session_factory(engine)() as s:
        per_ix = await s.execute(
            select(Assignment.interaction_id, func.count())
            .where(Assignment.active)
            .group_by(Assignment.interaction_id)
        )
        assert all(n == 1 for _, n in per_ix)
        statuses = dict((await s.execute(select(Interaction.id, Interaction.status))).all())
    await engine.dispose()
    assert statuses[held["id"]] == "ended"
    assert statuses[flying["id"]] == statuses[waiting[0]["id"]] == "assigned"
    assert [statuses[w["id"]] for w in waiting[1:]] == ["waiting", "waiting"]
