"""Helpers of bench/live.py: databases, seeding, the server subprocess, agents on sockets."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from guichet.actions.orgs import do_create_organization
from guichet.actions.queues import do_create_queue, do_set_queue_members
from guichet.actions.users import do_create_user
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.migrate import upgrade
from guichet.security import Passwords

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench-live-password"
STEP_S = 30.0  # the longest any one request, socket frame or phase may take


@dataclass(frozen=True)
class Database:
    """An empty database (a SQLite file, or a fresh PostgreSQL schema)."""

    name: str
    url: str
    schema: str | None


@asynccontextmanager
async def sqlite_db() -> AsyncIterator[Database]:
    """A SQLite file in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        yield Database("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", None)


@asynccontextmanager
async def postgres_db(url: str) -> AsyncIterator[Database]:
    """A fresh schema of ``url``, dropped afterwards (raises if PostgreSQL does not answer)."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    try:
        async with asyncio.timeout(STEP_S), admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield Database("postgresql", url, schema)
        finally:
            async with asyncio.timeout(STEP_S), admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()


@dataclass(frozen=True)
class Seeded:
    """What `seed` made: an organization, its chat queue, the intake user and the agents."""

    org_id: int
    queue_id: int
    intake_email: str
    agent_ids: list[int]
    agent_emails: list[str]


async def seed(db: Database, agents: int) -> Seeded:
    """Migrate, then an organization, a chat queue and ``agents`` agents (chat capacity 3)."""
    await upgrade(db.url, search_path=db.schema)
    engine = create_engine(db.url, search_path=db.schema)
    passwords = Passwords(time_cost=1, memory_kib=8)
    tag = uuid.uuid4().hex[:8]
    try:
        async with session_factory(engine)() as s:
            org = await do_create_organization(s, name="Bench", slug=f"bench-{tag}")
            values = {"kind": "chat", "name": "Web", "offer_timeout_s": 600, "wrap_up_s": 0}
            queue = await do_create_queue(s, org_id=org.id, values=values)
            emails = [f"agent{i}-{tag}@bench.test" for i in range(agents)]
            users = [
                await do_create_user(
                    s,
                    passwords=passwords,
                    org_id=org.id,
                    email=email,
                    display_name=f"Agent {i}",
                    password=PASSWORD,
                    capacity={"chat": 3},
                    budget=1000,  # the most: capacity alone bounds the offers (R-X-8)
                    commit=False,
                )
                for i, email in enumerate(emails)
            ]
            intake = f"widget-{tag}@bench.test"
            await do_create_user(
                s,
                passwords=passwords,
                org_id=org.id,
                email=intake,
                display_name="Web widget",
                password=PASSWORD,
                commit=False,
            )
            await s.commit()
            ids = [u.id for u in users]
            await do_set_queue_members(s, queue=queue, agents=ids, supervisors=[])
            return Seeded(org.id, queue.id, intake, ids, emails)
    finally:
        await engine.dispose()


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _busy_s(pid: int | None) -> float:
    """CPU seconds used by process ``pid`` (all cores when None); 0.0 without /proc."""
    try:
        if pid is None:
            ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
            return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Cores in use during a phase: the server process, this process, the whole machine."""

    __slots__ = ("_pid", "_start")

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._start = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        return time.perf_counter(), _busy_s(self._pid), time.process_time(), _busy_s(None)

    def cores(self) -> dict[str, float]:
        """Average cores used since the meter was made."""
        now = self._read()
        wall = now[0] - self._start[0]
        names = ("server_cpu_cores", "bench_cpu_cores", "machine_cpu_cores")
        return {n: round((now[k] - self._start[k]) / wall, 2) for k, n in enumerate(names, 1)}


@asynccontextmanager
async def server(db: Database, data_dir: Path) -> AsyncIterator[tuple[str, int]]:
    """`guichet serve` in a subprocess on 127.0.0.1; yields (base URL, pid); always stopped."""
    port = free_port()
    env = {
        **os.environ,
        "GUICHET_DATABASE_URL": db.url,
        "GUICHET_DEV": "1",
        "GUICHET_AUTO_MIGRATE": "0",
        "GUICHET_ARGON2_TIME_COST": "1",
        "GUICHET_ARGON2_MEMORY_KIB": "8",
        "GUICHET_DATA_DIR": str(data_dir),
    }
    if db.schema:
        env["GUICHET_DATABASE_SCHEMA"] = db.schema
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "guichet.cli", "serve", "--host", "127.0.0.1"),
            *("--port", str(port)),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            await _wait_healthy(base, proc, log_path)
            yield base, proc.pid
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 10)
                except TimeoutError:
                    proc.kill()
                    await asyncio.wait_for(proc.wait(), 10)


async def _wait_healthy(base: str, proc: asyncio.subprocess.Process, log: Path) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        deadline = time.monotonic() + STEP_S
        while time.monotonic() < deadline and proc.returncode is None:
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"the server did not start:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


async def call(
    client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], body: Any = None
) -> Any:
    """One request that must succeed; its JSON body."""
    r = await client.request(method, url, json=body, headers=headers)
    if r.status_code not in (200, 201):
        raise RuntimeError(f"{method} {url}: {r.status_code} {r.text[:500]}")
    return r.json()


async def bounded(limit: int, jobs: Iterable[Callable[[], Awaitable[Any]]]) -> list[Any]:
    """Run the jobs at most ``limit`` at a time; their results in order."""
    sem = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        async with sem:
            return await job()

    return list(await asyncio.gather(*(one(j) for j in jobs)))


@dataclass
class Recorder:
    """What arrives on the agents' sockets: first offer per interaction, message events."""

    offers: dict[int, tuple[float, int]] = field(default_factory=dict)  # iid: (t, agent index)
    messages: list[float] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, agent: int, event: dict[str, Any], now: float) -> None:
        """Record one event pushed to agent number ``agent``."""
        if event["type"] == "offer" and event["op"] == "add":
            self.offers.setdefault(event["offer"]["interaction_id"], (now, agent))
        elif event["type"] == "message":
            self.messages.append(now)
        else:
            return
        self.changed.set()

    async def wait_for(self, done: Callable[[], bool], timeout_s: float = STEP_S) -> bool:
        """Wait until ``done()`` holds; False if it did not within ``timeout_s``."""
        try:
            async with asyncio.timeout(timeout_s):
                while not done():
                    self.changed.clear()
                    await self.changed.wait()
        except TimeoutError:
            return False
        return True


async def open_socket(
    client: httpx.AsyncClient, base: str, headers: dict[str, str]
) -> ClientConnection:
    """A ticket, the socket, and `register` answered; returns the open connection."""
    ticket = (await call(client, "POST", "/api/v1/ws/tickets", headers))["ticket"]
    ws = await connect(f"ws{base[4:]}/api/v1/ws?ticket={ticket}", open_timeout=STEP_S)
    await ws.send(json.dumps({"op": "register"}))
    async with asyncio.timeout(STEP_S):
        while (frame := json.loads(await ws.recv()))["op"] != "registered":
            if frame["op"] == "error":
                await ws.close()
                raise RuntimeError(f"register: {frame}")
    return ws


async def follow(ws: ClientConnection, agent: int, recorder: Recorder) -> None:
    """Read the socket until it closes: record events, acknowledge each `events` frame."""
    try:
        async for raw in ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame["op"] == "events" and frame["events"]:
                for event in frame["events"]:
                    recorder.take(agent, event, now)
                await ws.send(json.dumps({"op": "ack", "last_event_id": frame["events"][-1]["id"]}))
            elif frame["op"] == "error":
                raise RuntimeError(f"agent {agent}: {frame}")
    except ConnectionClosed:
        pass


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``, in milliseconds, rounded."""
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)
