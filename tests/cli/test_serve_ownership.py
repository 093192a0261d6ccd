"""One routing process per database (issue 12 finding 14), on SQLite and PostgreSQL.

A second ``guichet serve`` on the database of a running server is refused at start-up with a
clear message and exit code 1, before it migrates or routes anything; the first server goes
on; once the first is killed (SIGKILL: the kernel drops the lock file's lock, PostgreSQL ends
the advisory lock with its session) a new server starts. In one process, the app's lifespan
refuses a second app on the same database the same way (the path a race between two starts
takes), and servers on other databases or schemas do not clash. The subprocess test is in
the slow suite (``make test-slow``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from guichet.api import create_app
from guichet.persistence import ownership
from guichet.persistence.db import create_engine
from guichet.persistence.models import Base
from tests.api.conftest import test_settings as app_settings
from tests.conftest import POSTGRES_URL, Database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(database: Database, data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "GUICHET_DEV": "1",
        "GUICHET_DATABASE_URL": database.url,
        "GUICHET_ARGON2_TIME_COST": "1",
        "GUICHET_ARGON2_MEMORY_KIB": "8",
        "GUICHET_DATA_DIR": str(data_dir),
    }
    if database.schema:
        env["GUICHET_DATABASE_SCHEMA"] = database.schema
    return env


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "guichet.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_healthy(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"server did not start: {out}")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    proc.wait(timeout=15)


@pytest.mark.slow  # three real servers: about 12 s per database
def test_a_second_server_on_the_same_database_is_refused(
    database: Database, tmp_path: Path
) -> None:
    env = _env(database, tmp_path)
    first_port, second_port, third_port = _free_port(), _free_port(), _free_port()
    first = _serve(env, first_port)
    try:
        _wait_healthy(first, first_port)
        second = _serve(env, second_port)
        try:
            out, _ = second.communicate(timeout=30)
        finally:
            _stop(second, signal.SIGKILL)
        text_out = " ".join(out.decode().split())
        assert second.returncode == 1, text_out
        assert "Not starting: another Guichet server" in text_out
        assert "already routes" in text_out and "Traceback" not in text_out
        if database.backend == "sqlite":
            lock = tmp_path / "guichet.db.lock"
            assert str(lock) in text_out and f"process {first.pid}" in text_out
            assert lock.read_text().strip() == str(first.pid)
        else:
            assert f"schema {database.schema}" in text_out
            assert ownership.APPLICATION_NAME in text_out
        # The refused server never listened; the first one goes on.
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{second_port}/healthz", timeout=1)
        assert httpx.get(f"http://127.0.0.1:{first_port}/healthz").status_code == 200
        # Killed without a chance to clean up, the first server leaves nothing that blocks.
        _stop(first, signal.SIGKILL)
        third = _serve(env, third_port)
        try:
            _wait_healthy(third, third_port)
        finally:
            _stop(third)
    finally:
        _stop(first, signal.SIGKILL)


async def _tables(database: Database) -> None:
    engine = create_engine(database.url, search_path=database.schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


async def test_a_second_app_in_one_process_does_not_start_routing(database: Database) -> None:
    """The lifespan takes the ownership first: a second app's start-up fails, the first's
    shutdown gives it back."""
    await _tables(database)
    first = create_app(app_settings(database))
    second = create_app(app_settings(database))
    with TestClient(first) as client:
        assert client.get("/healthz").status_code == 200
        with pytest.raises(ownership.OwnershipRefused, match="already routes"), TestClient(second):
            pass
    with TestClient(second) as client:
        assert client.get("/healthz").status_code == 200


async def test_acquire_is_per_database_and_release_gives_it_back(
    database: Database, tmp_path: Path
) -> None:
    held = await ownership.acquire(database.url, search_path=database.schema)
    assert held.held
    with pytest.raises(ownership.OwnershipRefused):
        await ownership.acquire(database.url, search_path=database.schema)
    # Another database (SQLite: another file; PostgreSQL: another schema) is another owner.
    if database.backend == "sqlite":
        other_url = f"sqlite+aiosqlite:///{tmp_path / 'other' / 'guichet.db'}"
        other = await ownership.acquire(other_url)
    else:
        other = await ownership.acquire(database.url, search_path=f"t_{uuid.uuid4().hex[:16]}")
    await other.release()
    await held.release()
    await held.release()  # idempotent
    assert not held.held
    again = await ownership.acquire(database.url, search_path=database.schema)
    await again.release()


async def test_in_memory_sqlite_needs_no_lock() -> None:
    first = await ownership.acquire("sqlite+aiosqlite:///:memory:")
    second = await ownership.acquire("sqlite+aiosqlite://")
    assert first.held and second.held
    await first.release()
    await second.release()


@pytest.mark.skipif(not POSTGRES_URL, reason="GUICHET_TEST_POSTGRES_URL not set")
async def test_the_advisory_lock_connection_is_never_idle_in_a_transaction() -> None:
    schema = f"t_{uuid.uuid4().hex[:16]}"
    held = await ownership.acquire(POSTGRES_URL, search_path=schema)
    engine = create_engine(POSTGRES_URL)
    try:
        async with engine.connect() as conn:
            states = (
                await conn.execute(
                    text("SELECT state FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": ownership.APPLICATION_NAME},
                )
            ).scalars()
            assert list(states) == ["idle"]
    finally:
        await engine.dispose()
        await held.release()
