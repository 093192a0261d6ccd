"""`guichet export` against the configured database (R-AN-6, R-AN-8, R-A-2), both engines."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from guichet.cli.main import app
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.models import (
    Assignment,
    Interaction,
    InteractionEvent,
    Organization,
    Queue,
    User,
)
from tests.cli.test_cli import _env
from tests.conftest import Database

runner = CliRunner()
T0 = datetime(2026, 12, 3, 7, 40, tzinfo=UTC)


async def _seed(database: Database) -> dict[str, int]:
    """Three conversations in the demo organization (Alice two, Manon one) and state changes;
    returns the ids by name."""
    engine = create_engine(database.url, search_path=database.schema)
    try:
        async with session_factory(engine)() as s:
            org = await s.scalar(select(Organization).where(Organization.slug == "demo"))
            assert org is not None
            users = {
                u.email.split("@")[0]: u.id
                for u in await s.scalars(select(User).where(User.org_id == org.id))
            }
            queue = await s.scalar(select(Queue).where(Queue.org_id == org.id).order_by(Queue.id))
            assert queue is not None
            ids: dict[str, int] = {"org": org.id, "queue": queue.id}
            plan = [
                ("one", "alice.agent", 0),
                ("two", "manon.manager", 1),
                ("three", "alice.agent", 2),
            ]
            for name, who, hour in plan:
                start = T0 + timedelta(hours=hour)
                row = Interaction(
                    org_id=org.id,
                    channel="chat",
                    status="ended",
                    queue_id=queue.id,
                    created_at=start,
                )
                s.add(row)
                await s.flush()
                ids[name] = row.id
                s.add(
                    Assignment(
                        org_id=org.id, interaction_id=row.id, agent_id=users[who], active=False
                    )
                )
                for kind, at, agent in (
                    ("interaction.arrived", 0, None),
                    ("interaction.queued", 0, None),
                    ("interaction.assigned", 20, users[who]),
                    ("interaction.ended", 140, users[who]),
                ):
                    s.add(
                        InteractionEvent(
                            org_id=org.id,
                            at=start + timedelta(seconds=at),
                            type=kind,
                            interaction_id=row.id,
                            queue_id=queue.id,
                            channel="chat",
                            agent_id=agent,
                        )
                    )
                    await s.flush()
            for who, to, minutes in (
                ("alice.agent", "available", 0),
                ("manon.manager", "available", 1),
                ("alice.agent", "paused", 30),
            ):
                s.add(
                    InteractionEvent(
                        org_id=org.id,
                        at=T0 + timedelta(minutes=minutes),
                        type="agent.state_changed",
                        agent_id=users[who],
                        data={"to": to},
                    )
                )
                await s.flush()
            await s.commit()
            return ids | {f"user:{k}": v for k, v in users.items()}
    finally:
        await engine.dispose()


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8")
    assert text.endswith("\r\n")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_export_cli(database: Database, tmp_path: Path) -> None:
    """As the administrator every conversation, as the Manager only her own (R-A-2); filters,
    ';', agent states; unknown user, no statistics right and bad input fail clearly."""
    env = _env(database)
    assert runner.invoke(app, ["migrate"], env=env).exit_code == 0
    assert runner.invoke(app, ["demo"], env=env).exit_code == 0
    ids = asyncio.run(_seed(database))
    out = tmp_path / "all.csv"
    result = runner.invoke(app, ["export", "interactions", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "3 rows written" in result.output
    rows = _rows(out)
    assert [int(r["interaction_id"]) for r in rows] == [ids["one"], ids["two"], ids["three"]]
    assert all(r["outcome"] == "handled" and float(r["wait_s"]) == 20 for r in rows)
    assert (
        rows[0]["agent_name"] == "Alice Agent" and rows[0]["arrived_at"] == "2026-12-03T07:40:00Z"
    )

    mine = tmp_path / "manon.csv"
    result = runner.invoke(
        app,
        [
            "export",
            "interactions",
            "--out",
            str(mine),
            "--org",
            "demo",
            "--user",
            "manon.manager@demo.guichet.test",
            "--delimiter",
            ";",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert [int(r["interaction_id"]) for r in _rows(mine, ";")] == [ids["two"]]

    # The period is read in the organization's time zone (Europe/Paris: UTC+1 in December).
    period = tmp_path / "period.csv"
    result = runner.invoke(
        app,
        [
            "export",
            "interactions",
            "--out",
            str(period),
            "--from",
            "2026-12-03T09:00",
            "--to",
            "2026-12-03T10:00",
            "--queue",
            str(ids["queue"]),
            "--channel",
            "chat",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert [int(r["interaction_id"]) for r in _rows(period)] == [ids["two"]]

    states = tmp_path / "states.csv"
    result = runner.invoke(app, ["export", "agent_states", "--out", str(states)], env=env)
    assert result.exit_code == 0, result.output
    got = _rows(states)
    assert [r["state"] for r in got] == ["available", "available", "paused"]
    assert float(got[0]["duration_s"]) == 1800

    for args, needle in (
        (["--user", "nobody@demo.guichet.test"], "no user"),
        (["--user", "alice.agent@demo.guichet.test"], "R-A-2"),
        (["--org", "nope"], "no organization"),
        (["--queue", "999999"], "queue_id"),
        (["--from", "soon"], "from"),
    ):
        bad = runner.invoke(
            app, ["export", "interactions", "--out", str(tmp_path / "x.csv"), *args], env=env
        )
        assert bad.exit_code == 1, (args, bad.output)
        assert needle in bad.output, (args, bad.output)
    unknown = runner.invoke(
        app, ["export", "everything", "--out", str(tmp_path / "x.csv")], env=env
    )
    assert unknown.exit_code == 2
    assert not (tmp_path / "x.csv").exists()
