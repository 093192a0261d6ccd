"""The ``guichet`` command: migrate, demo (idempotent), user create, serve."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from guichet.actions.demo import DEMO_PASSWORD
from guichet.cli.main import app
from guichet.persistence.db import create_engine
from guichet.persistence.models import Base
from tests.conftest import Database

runner = CliRunner()


def _env(database: Database) -> dict[str, str]:
    env = {
        "GUICHET_DEV": "1",
        "GUICHET_DATABASE_URL": database.url,
        "GUICHET_ARGON2_TIME_COST": "1",
        "GUICHET_ARGON2_MEMORY_KIB": "8",
    }
    if database.schema:
        env["GUICHET_DATABASE_SCHEMA"] = database.schema
    return env


async def _row_counts(database: Database) -> dict[str, int]:
    engine = create_engine(database.url, search_path=database.schema)
    try:
        async with engine.connect() as conn:
            counts = {}
            for table in Base.metadata.sorted_tables:
                if table.name == "auth_tokens":
                    continue
                counts[table.name] = (
                    await conn.execute(select(func.count()).select_from(table))
                ).scalar_one()
            return counts
    finally:
        await engine.dispose()


def test_migrate_then_demo_is_idempotent(database: Database) -> None:
    env = _env(database)
    result = runner.invoke(app, ["migrate"], env=env)
    assert result.exit_code == 0, result.output
    assert "revision" in result.output
    first = runner.invoke(app, ["demo"], env=env)
    assert first.exit_code == 0, first.output
    assert "ada.admin@demo.guichet.test" in first.output
    assert "diane.director@demo.guichet.test" in first.output
    assert "manon.manager@demo.guichet.test" in first.output
    counts = asyncio.run(_row_counts(database))
    # named users, skills with parents, call and chat queues, and the workspace lists
    assert counts["users"] >= 8
    # the three predefined access-rights roles and "Team lead", each given to a user (R-A-1, R-A-3)
    assert counts["access_roles"] == 4 and counts["role_assignments"] >= 4
    assert counts["skills"] >= 6 and counts["user_skills"] > 0
    assert counts["queues"] == 3 and counts["queue_members"] > 0 and counts["campaigns"] == 1
    assert counts["pause_reasons"] >= 4 and counts["labels"] >= 3
    assert counts["canned_messages"] >= 3 and counts["dispositions"] >= 3 and counts["tags"] >= 3
    second = runner.invoke(app, ["demo"], env=env)
    assert second.exit_code == 0, second.output
    assert asyncio.run(_row_counts(database)) == counts


def test_user_create_first_administrator(database: Database) -> None:
    """R-P-1: the first administrator of an organization is made from user management."""
    env = _env(database)
    result = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "root@acme.test",
            "--org",
            "acme",
            "--role",
            "administrator",
            "--password",
            "a-long-password",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "root@acme.test",
            "--org",
            "acme",
            "--password",
            "another-pass",
        ],
        env=env,
    )
    assert again.exit_code == 1
    assert "email" in again.output


def test_serve_refuses_default_secret_outside_dev(tmp_path: Path) -> None:
    env = {"GUICHET_DATA_DIR": str(tmp_path), "GUICHET_DEV": "0", "GUICHET_SECRET_KEY": ""}
    result = runner.invoke(
        app, ["migrate"], env={**env, "GUICHET_SECRET_KEY": "change-me-guichet-dev-secret"}
    )
    assert result.exit_code == 2
    assert "GUICHET_SECRET_KEY" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_health_docs_and_demo_login(database: Database, tmp_path: Path) -> None:
    """What ``make demo`` does: migrate, seed, serve; a new user can log in."""
    env = {**os.environ, **_env(database), "GUICHET_DATA_DIR": str(tmp_path)}
    assert runner.invoke(app, ["demo"], env=_env(database)).exit_code == 0
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guichet.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"server did not start: {out}")
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        assert httpx.get(f"{base}/api/docs").status_code == 200
        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"email": "ada.admin@demo.guichet.test", "password": DEMO_PASSWORD},
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        me = httpx.get(f"{base}/api/v1/me", headers={"authorization": f"Bearer {token}"})
        assert me.json()["email"] == "ada.admin@demo.guichet.test"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
