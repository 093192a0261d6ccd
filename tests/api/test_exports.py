"""CSV exports and export jobs (R-AN-6, R-AN-8) under the statistics scope (R-A-2, R-A-6).

The data is an event log (``interaction_events``) with the live rows the access filter reads
(interactions, assignments), projected by ``guichet.analytics.store`` as the routes do.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select

from guichet.analytics import jobs
from guichet.analytics.csv import neutralise
from guichet.analytics.exports import INTERACTION_COLUMNS, ExportFilters, Request, prepare
from guichet.api import create_app
from guichet.config import Settings
from guichet.persistence.db import create_engine
from guichet.persistence.models import (
    Assignment,
    Base,
    ExportJob,
    Interaction,
    InteractionEvent,
    InteractionTag,
    RoleAssignment,
    Tag,
)
from tests.api.test_conversations_access import grant
from tests.conftest import Database
from tests.factories import Org, World, problem
from tests.live.invariants import check_app

API = "/api/v1"
T0 = datetime(2026, 12, 3, 7, 40, tzinfo=UTC)
EVIL = '=HYPERLINK("http://x","y")'


@pytest.fixture
async def world(database: Database, tmp_path: Path) -> AsyncIterator[World]:
    """The app on a fresh database, its export files under ``tmp_path``."""
    engine = create_engine(database.url, search_path=database.schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    settings = Settings(
        dev=True,
        database_url=database.url,
        database_schema=database.schema,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        data_dir=tmp_path,
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield World(app=app, client=client)
        # Issue 12: what routing left holds every invariant (tests/live/invariants.py).
        await check_app(app.state.guichet)
    await app.state.export_runner.stop()
    await app.state.guichet.engine.dispose()


@dataclass(frozen=True)
class Conv:
    """One conversation as the log tells it."""

    id: int
    queue_id: int
    agent: int | None
    wait: float
    talk: float
    tags: tuple[str, ...]


async def _queue(world: World, org: Org, name: str) -> int:
    body = {"kind": "chat", "name": name, "channel_types": ["chat"]}
    r = await world.client.post(f"{API}/queues", json=body, headers=org.admin)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _tag(world: World, org: Org, name: str) -> int:
    async with world.state.sessions() as s:
        row = Tag(org_id=org.id, name=name, name_key=name.lower())
        s.add(row)
        await s.commit()
        return row.id


async def _conversation(
    world: World,
    org: Org,
    *,
    queue_id: int,
    agent: int | None,
    start: datetime,
    wait: float,
    talk: float,
    tags: dict[str, int] | None = None,
    channel: str = "chat",
) -> Conv:
    """An interaction that waited ``wait`` s, then was handled ``talk`` s by ``agent`` and
    ended (or abandoned, without an agent): its live rows and its event log."""
    tags = tags or {}
    async with world.state.sessions() as s:
        row = Interaction(
            org_id=org.id,
            channel=channel,
            status="ended" if agent else "abandoned",
            queue_id=queue_id,
            agent_id=None,
            created_at=start,
            ended_at=start + timedelta(seconds=wait + (talk if agent else 0)),
        )
        s.add(row)
        await s.flush()
        iid = row.id
        if agent is not None:
            s.add(
                Assignment(
                    org_id=org.id,
                    interaction_id=iid,
                    agent_id=agent,
                    active=False,
                    started_at=start + timedelta(seconds=wait),
                    ended_at=row.ended_at,
                )
            )
        for tid in tags.values():
            s.add(InteractionTag(interaction_id=iid, tag_id=tid))

        def event(kind: str, at: float, **extra: Any) -> InteractionEvent:
            return InteractionEvent(
                org_id=org.id,
                at=start + timedelta(seconds=at),
                type=kind,
                interaction_id=iid,
                queue_id=queue_id,
                channel=channel,
                **extra,
            )

        s.add(event("interaction.arrived", 0))
        await s.flush()
        s.add(event("interaction.queued", 0))
        await s.flush()
        if agent is None:
            s.add(event("interaction.abandoned", wait))
        else:
            s.add(event("interaction.assigned", wait, agent_id=agent))
            await s.flush()
            s.add(event("interaction.ended", wait + talk, agent_id=agent))
        await s.commit()
    return Conv(iid, queue_id, agent, wait, talk, tuple(sorted(tags)))


async def _state(world: World, org: Org, agent: int, to: str, at: datetime) -> None:
    async with world.state.sessions() as s:
        s.add(
            InteractionEvent(
                org_id=org.id, at=at, type="agent.state_changed", agent_id=agent, data={"to": to}
            )
        )
        await s.commit()


def _parse(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


async def _csv(world: World, headers: dict[str, str], kind: str, **params: Any) -> httpx.Response:
    return await world.client.get(f"{API}/exports/{kind}.csv", params=params, headers=headers)


@dataclass
class Scene:
    a: Org
    b: Org
    manon: dict[str, str]
    diane: dict[str, str]
    zed: dict[str, str]
    convs: list[Conv]
    other: Conv
    q1: int
    q2: int
    qb: int


async def _scene(world: World) -> Scene:
    """Org A: two queues, agents Alice and Manon (a Manager), Diane (a Director), Zed (no
    statistics right); six conversations (one with the malicious tag, one abandoned).
    Org B: one conversation."""
    a, b = await world.org("alpha"), await world.org("bravo")
    q1, q2 = await _queue(world, a, "Billing"), await _queue(world, a, "Sales")
    qb = await _queue(world, b, "Other")
    await world.user(a, "alice")
    manon = await world.user(a, "manon", roles=("agent",))
    diane = await world.user(a, "diane", roles=())
    zed = await world.user(a, "zed", roles=("agent",))
    await grant(world, a, "manon", "manager")
    await grant(world, a, "diane", "director")
    alice_id, manon_id = a.users["alice"], a.users["manon"]
    evil = await _tag(world, a, EVIL)
    vip = await _tag(world, a, "VIP")
    convs = [
        await _conversation(
            world,
            a,
            queue_id=q1,
            agent=alice_id,
            start=T0,
            wait=12,
            talk=100,
            tags={EVIL: evil, "VIP": vip},
        ),
        await _conversation(
            world,
            a,
            queue_id=q1,
            agent=manon_id,
            start=T0 + timedelta(minutes=5),
            wait=30,
            talk=60,
        ),
        await _conversation(
            world,
            a,
            queue_id=q2,
            agent=manon_id,
            start=T0 + timedelta(hours=1),
            wait=5,
            talk=200,
            tags={"VIP": vip},
        ),
        await _conversation(
            world,
            a,
            queue_id=q2,
            agent=None,
            start=T0 + timedelta(hours=2),
            wait=45,
            talk=0,
        ),
        await _conversation(
            world,
            a,
            queue_id=q1,
            agent=alice_id,
            start=T0 + timedelta(days=1),
            wait=3,
            talk=50,
        ),
    ]
    b_admin_user = b.admin_id
    other = await _conversation(
        world, b, queue_id=qb, agent=b_admin_user, start=T0, wait=1, talk=10
    )
    await _state(world, a, alice_id, "available", T0)
    await _state(world, a, manon_id, "available", T0 + timedelta(seconds=10))
    await _state(world, a, alice_id, "paused", T0 + timedelta(minutes=30))
    await _state(world, b, b_admin_user, "available", T0)
    return Scene(a, b, manon, diane, zed, convs, other, q1, q2, qb)


async def test_interactions_round_trip(world: World) -> None:
    """R-AN-6, R-AN-8: one row per interaction, the values of the log, names resolved; the
    malicious tag arrives neutralised; nothing of another organization."""
    sc = await _scene(world)
    r = await _csv(world, sc.a.admin, "interactions")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.content.endswith(b"\r\n") and b"\r\n" in r.content
    rows = _parse(r.text)
    assert list(rows[0].keys()) == list(INTERACTION_COLUMNS)
    assert [int(x["interaction_id"]) for x in rows] == [c.id for c in sc.convs]
    names = {sc.a.users["alice"]: "Alice", sc.a.users["manon"]: "Manon"}
    for conv, row in zip(sc.convs, rows, strict=True):
        assert row["queue_name"] == ("Billing" if conv.queue_id == sc.q1 else "Sales")
        assert float(row["wait_s"]) == conv.wait
        assert row["channel"] == "chat"
        assert row["arrived_at"].endswith("Z")
        if conv.agent is None:
            assert row["outcome"] == "abandoned" and row["agent_id"] == ""
            assert row["resolved"] == "false" and float(row["talk_s"]) == 0
        else:
            assert row["outcome"] == "handled" and row["resolved"] == "true"
            assert int(row["agent_id"]) == conv.agent
            assert row["agent_name"] == names[conv.agent]
            assert float(row["talk_s"]) == conv.talk
            assert float(row["handle_s"]) == conv.talk
    first = rows[0]
    assert first["arrived_at"] == "2026-12-03T07:40:00Z"
    assert first["answered_at"] == "2026-12-03T07:40:12Z"
    # R-AN-6: the formula is text for a spreadsheet; the raw CSV cell starts with an apostrophe.
    assert first["tags"] == f"'{EVIL}|VIP"
    assert '"\'=HYPERLINK(""http://x"",""y"")|VIP"' in r.text
    assert sc.other.id not in {int(x["interaction_id"]) for x in rows}


async def test_semicolon_and_filters(world: World) -> None:
    """R-AN-5 filters and the ';' delimiter; invalid filters are 422 naming the field."""
    sc = await _scene(world)
    r = await _csv(world, sc.a.admin, "interactions", delimiter=";", queue_id=sc.q2)
    assert r.status_code == 200, r.text
    assert r.text.splitlines()[0].startswith("interaction_id;channel;queue_id")
    rows = _parse(r.text, ";")
    assert {int(x["interaction_id"]) for x in rows} == {sc.convs[2].id, sc.convs[3].id}
    day = await _csv(
        world, sc.a.admin, "interactions", **{"from": "2026-12-04", "to": "2026-12-05"}
    )
    assert [int(x["interaction_id"]) for x in _parse(day.text)] == [sc.convs[4].id]
    moment = await _csv(world, sc.a.admin, "interactions", **{"from": "2026-12-03T08:00:00+00:00"})
    assert len(_parse(moment.text)) == 3
    agent = await _csv(world, sc.a.admin, "interactions", agent_id=sc.a.users["manon"])
    assert {int(x["interaction_id"]) for x in _parse(agent.text)} == {
        sc.convs[1].id,
        sc.convs[2].id,
    }
    assert len(_parse((await _csv(world, sc.a.admin, "interactions", channel="voice")).text)) == 0
    bad = problem(await _csv(world, sc.a.admin, "interactions", queue_id=999999), 422)
    assert bad["field"] == "queue_id"
    # Another organization's queue is no row of this one (R-AN-5, R-A-6).
    assert (
        problem(await _csv(world, sc.a.admin, "interactions", queue_id=sc.qb), 422)["field"]
        == "queue_id"
    )
    # Ids outside the id range and times outside 1970..2099 are 422, never a server error.
    for value in (0, -1, 2**31, 99999999999):
        r = await _csv(world, sc.a.admin, "interactions", queue_id=value)
        assert r.status_code == 422, (value, r.text)
    for kind in ("interactions", "callers_in_queue"):
        for when in ("9999-06-01", "0001-01-01T00:00:00Z", "1969-12-31"):
            body = problem(await _csv(world, sc.a.admin, kind, **{"from": when}), 422)
            assert body["field"] == "from", (kind, when, body)
    # A dashboard export reads the period as the dashboard: at most 366 days (R-AN-5).
    long = {"from": "2025-01-01", "to": "2026-03-01"}
    assert (
        problem(await _csv(world, sc.a.admin, "callers_in_queue", **long), 422)["field"] == "from"
    )
    assert (await _csv(world, sc.a.admin, "interactions", **long)).status_code == 200
    order = problem(
        await _csv(world, sc.a.admin, "interactions", **{"from": "2026-12-05", "to": "2026-12-04"}),
        422,
    )
    assert order["field"] == "to" and order["rule"] == "R-AN-5"
    assert (
        problem(await _csv(world, sc.a.admin, "interactions", **{"from": "yesterday"}), 422)[
            "field"
        ]
        == "from"
    )
    assert (await _csv(world, sc.a.admin, "interactions", delimiter="|")).status_code == 422
    assert (await _csv(world, sc.a.admin, "nothing")).status_code == 422


async def test_scope_manager_director_and_denied(world: World) -> None:
    """R-A-2, R-A-6: a Manager's export holds only their conversations and their own state
    rows, a Director's everything of the organization; no statistics right at all is 403."""
    sc = await _scene(world)
    manon_id = sc.a.users["manon"]
    mine = _parse((await _csv(world, sc.manon, "interactions")).text)
    assert {int(x["interaction_id"]) for x in mine} == {sc.convs[1].id, sc.convs[2].id}
    everything = _parse((await _csv(world, sc.diane, "interactions")).text)
    assert {int(x["interaction_id"]) for x in everything} == {c.id for c in sc.convs}
    states = _parse((await _csv(world, sc.manon, "agent_states")).text)
    assert {int(x["agent_id"]) for x in states} == {manon_id}
    all_states = _parse((await _csv(world, sc.diane, "agent_states")).text)
    assert len(all_states) == 3
    denied = problem(await _csv(world, sc.zed, "interactions"), 403)
    assert denied["rule"] == "R-A-2"
    r = await world.client.post(f"{API}/export-jobs", json={"kind": "interactions"}, headers=sc.zed)
    assert problem(r, 403)["rule"] == "R-A-2"


async def test_agent_states_export(world: World) -> None:
    """R-AN-8: one row per agent state change, ended by the agent's next change."""
    sc = await _scene(world)
    r = await _csv(world, sc.a.admin, "agent_states")
    rows = _parse(r.text)
    assert [x["state"] for x in rows] == ["available", "available", "paused"]
    alice = [x for x in rows if int(x["agent_id"]) == sc.a.users["alice"]]
    assert alice[0]["start_at"] == "2026-12-03T07:40:00Z"
    assert alice[0]["end_at"] == "2026-12-03T08:10:00Z"
    assert float(alice[0]["duration_s"]) == 1800
    assert alice[1]["end_at"] == "" and alice[1]["duration_s"] == ""
    assert alice[0]["agent_name"] == "Alice"


async def test_over_the_direct_limit_is_413(world: World) -> None:
    """R-AN-6: above GUICHET_EXPORT_SYNC_MAX_ROWS rows the answer points to export jobs."""
    sc = await _scene(world)
    world.state.settings.export_sync_max_rows = 4
    body = problem(await _csv(world, sc.a.admin, "interactions"), 413)
    assert body["code"] == "export_too_large" and "/api/v1/export-jobs" in body["detail"]
    assert body["rule"] == "R-AN-6"
    ok = await _csv(world, sc.a.admin, "interactions", queue_id=sc.q2)
    assert ok.status_code == 200


async def _done(world: World, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    for _ in range(200):
        r = await world.client.get(f"{API}/export-jobs/{job_id}", headers=headers)
        assert r.status_code == 200, r.text
        if r.json()["status"] in ("done", "failed"):
            return dict(r.json())
        await asyncio.sleep(0.02)
    raise AssertionError("the job did not finish")


async def test_job_runs_downloads_expires(world: World) -> None:
    """R-AN-6: a job runs in the server, reports progress, its file is the export; its owner
    alone sees it (404 for others, other organization 404); after 7 days the cleanup deletes
    the file and the row; DELETE removes both."""
    sc = await _scene(world)
    r = await world.client.post(
        f"{API}/export-jobs",
        json={"kind": "interactions", "delimiter": ";", "filters": {"queue_id": [sc.q1]}},
        headers=sc.a.admin,
    )
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["kind"] == "interactions"
    done = await _done(world, sc.a.admin, job["id"])
    assert done["status"] == "done", done
    assert done["rows_done"] == done["rows_total"] == 3 and done["progress"] == 1.0
    expires = datetime.fromisoformat(done["expires_at"])
    finished = datetime.fromisoformat(done["finished_at"])
    assert expires - finished == timedelta(days=7)
    f = await world.client.get(f"{API}/export-jobs/{job['id']}/file", headers=sc.a.admin)
    assert f.status_code == 200 and f.headers["content-type"] == "text/csv; charset=utf-8"
    assert f.headers["content-disposition"].startswith("attachment;")
    direct = await _csv(world, sc.a.admin, "interactions", delimiter=";", queue_id=sc.q1)
    assert f.content == direct.content
    assert done["size_bytes"] == len(f.content)
    listed = await world.client.get(f"{API}/export-jobs", headers=sc.a.admin)
    assert [j["id"] for j in listed.json()["items"]] == [job["id"]]
    # Only the owner: a Director of the same organization and another organization get 404.
    for other in (sc.diane, sc.b.admin):
        assert (
            await world.client.get(f"{API}/export-jobs/{job['id']}", headers=other)
        ).status_code == 404
        assert (
            await world.client.get(f"{API}/export-jobs/{job['id']}/file", headers=other)
        ).status_code == 404
        assert (
            await world.client.delete(f"{API}/export-jobs/{job['id']}", headers=other)
        ).status_code == 404
        assert (await world.client.get(f"{API}/export-jobs", headers=other)).json()["items"] == []
    runner: jobs.ExportRunner = world.app.state.export_runner
    path = runner.directory / str(sc.a.id) / f"export-{job['id']}-interactions.csv"
    assert path.is_file()
    # Six days later it is still there; eight days later the cleanup deletes file and row.
    runner.clock = lambda: finished + timedelta(days=6)
    assert await runner.cleanup() == 0 and path.is_file()
    runner.clock = lambda: finished + timedelta(days=8)
    assert await runner.cleanup() == 1
    assert not path.exists()
    assert (
        await world.client.get(f"{API}/export-jobs/{job['id']}", headers=sc.a.admin)
    ).status_code == 404
    # DELETE removes the file and the row at once.
    r = await world.client.post(
        f"{API}/export-jobs", json={"kind": "agent_states"}, headers=sc.diane
    )
    second = await _done(world, sc.diane, r.json()["id"])
    assert second["status"] == "done" and second["rows_total"] == 3
    path = runner.directory / str(sc.a.id) / f"export-{second['id']}-agent_states.csv"
    assert path.is_file()
    assert (
        await world.client.delete(f"{API}/export-jobs/{second['id']}", headers=sc.diane)
    ).status_code == 204
    assert not path.exists()
    assert (
        await world.client.get(f"{API}/export-jobs/{second['id']}", headers=sc.diane)
    ).status_code == 404


async def test_cleanup_sweeps_files_no_job_accounts_for(world: World) -> None:
    """R-AN-6: files of deleted jobs (a user or organization deleted with its jobs), ``.part``
    files of jobs that no longer run, and old strays are deleted; a finished job's file stays,
    readable by the server's account only."""
    sc = await _scene(world)
    r = await world.client.post(
        f"{API}/export-jobs", json={"kind": "interactions"}, headers=sc.diane
    )
    job = await _done(world, sc.diane, r.json()["id"])
    runner: jobs.ExportRunner = world.app.state.export_runner
    kept = runner.directory / str(sc.a.id) / f"export-{job['id']}-interactions.csv"
    assert kept.is_file() and stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    folder = kept.parent
    orphan = folder / "export-999999-interactions.csv"
    dead_part = folder / f"export-{job['id']}-interactions.csv.part"
    old_stray, new_stray = folder / "old.tmp", folder / "new.tmp"
    for p in (orphan, dead_part, old_stray, new_stray):
        p.write_text("x")
    week_ago = (datetime.now(UTC) - timedelta(days=8)).timestamp()
    os.utime(old_stray, (week_ago, week_ago))
    await runner.cleanup()
    assert kept.is_file() and new_stray.is_file()
    assert not orphan.exists() and not dead_part.exists() and not old_stray.exists()


async def test_a_managers_job_holds_only_her_conversations(world: World) -> None:
    """R-A-2, R-A-6: an export job runs with its owner's statistics scope."""
    sc = await _scene(world)
    r = await world.client.post(
        f"{API}/export-jobs", json={"kind": "interactions"}, headers=sc.manon
    )
    job = await _done(world, sc.manon, r.json()["id"])
    f = await world.client.get(f"{API}/export-jobs/{job['id']}/file", headers=sc.manon)
    got = {int(x["interaction_id"]) for x in _parse(f.text)}
    assert got == {c.id for c in sc.convs if c.agent == sc.a.users["manon"]}


async def test_a_file_closes_when_its_owners_scope_narrows(world: World) -> None:
    """R-A-2, R-A-6: a Director's job file is no longer hers to download once she is only a
    Manager (404); it opens again with the Director role back."""
    sc = await _scene(world)
    body = {"kind": "interactions"}
    r = await world.client.post(f"{API}/export-jobs", json=body, headers=sc.diane)
    job = await _done(world, sc.diane, r.json()["id"])
    url = f"{API}/export-jobs/{job['id']}/file"
    assert (await world.client.get(url, headers=sc.diane)).status_code == 200
    diane_id = sc.a.users["diane"]
    async with world.state.sessions() as s:
        await s.execute(delete(RoleAssignment).where(RoleAssignment.user_id == diane_id))
        await s.commit()
    await grant(world, sc.a, "diane", "manager")
    problem(await world.client.get(url, headers=sc.diane), 404)
    await grant(world, sc.a, "diane", "director")
    assert (await world.client.get(url, headers=sc.diane)).status_code == 200


async def test_job_validation(world: World) -> None:
    """Bad job bodies are 422 naming the field."""
    sc = await _scene(world)
    for body, field in (
        ({"kind": "nope"}, "kind"),
        ({"kind": "interactions", "delimiter": "|"}, "delimiter"),
        ({"kind": "interactions", "filters": {"queue_id": [999999]}}, "queue_id"),
        ({"kind": "interactions", "filters": {"from": "2026-12-05", "to": "2026-12-01"}}, "to"),
        ({"kind": "interactions", "extra": 1}, "extra"),
    ):
        r = await world.client.post(f"{API}/export-jobs", json=body, headers=sc.a.admin)
        assert problem(r, 422)["field"] == field, (body, r.text)
    async with world.state.sessions() as s:
        assert list(await s.scalars(select(ExportJob))) == []


async def test_interrupted_job_fails_at_startup(world: World) -> None:
    """A job left running by a stopped server is marked failed with a clear error."""
    sc = await _scene(world)
    async with world.state.sessions() as s:
        row = ExportJob(
            org_id=sc.a.id,
            user_id=sc.a.admin_id,
            kind="interactions",
            params={},
            status="running",
            rows_done=10,
            rows_total=100,
        )
        s.add(row)
        await s.commit()
        jid = row.id
    runner: jobs.ExportRunner = world.app.state.export_runner
    await runner.startup()
    body = (await world.client.get(f"{API}/export-jobs/{jid}", headers=sc.a.admin)).json()
    assert body["status"] == "failed" and "interrupted" in body["error"]
    assert body["expires_at"] is not None
    f = await world.client.get(f"{API}/export-jobs/{jid}/file", headers=sc.a.admin)
    assert f.status_code == 404


async def test_progress_is_written_every_few_rows(world: World, tmp_path: Path) -> None:
    """Progress callbacks every ``every`` rows and at the end; the file is the export."""
    sc = await _scene(world)
    from guichet.persistence.models import User
    from guichet.queries.access import load_subject

    async with world.state.sessions() as s:
        user = await s.get(User, sc.a.admin_id)
        assert user is not None
        subject = await load_subject(s, user)
        await prepare(s, sc.a.id)
    seen: list[int] = []

    async def progress(done: int) -> None:
        seen.append(done)

    path = tmp_path / "out.csv"
    size = await jobs.write_csv(
        world.state.readers(),
        kind="interactions",
        request=Request(subject, ExportFilters()),
        delimiter=",",
        path=path,
        progress=progress,
        every=2,
    )
    assert seen == [2, 4, 5]
    assert size == path.stat().st_size
    assert len(_parse(path.read_text(encoding="utf-8"))) == 5
    assert not path.with_name("out.csv.part").exists()


PERIOD = {"from": "2026-12-01", "to": "2026-12-10"}


def _num(value: str) -> float | None:
    return None if value == "" else float(value)


async def test_dashboard_exports_equal_the_dashboards(world: World) -> None:
    """R-AN-6: each dashboard's export holds the dashboard API's numbers, for an
    administrator and for a Manager (their scope, R-A-2)."""
    sc = await _scene(world)
    for who in (sc.a.admin, sc.manon):
        api = await world.client.get(
            f"{API}/analytics/callers-in-queue", params=PERIOD, headers=who
        )
        assert api.status_code == 200, api.text
        dash = api.json()
        rows = _parse((await _csv(world, who, "callers_in_queue", **PERIOD)).text)
        total = next(r for r in rows if r["section"] == "total")
        for key, value in dash["totals"].items():
            assert _num(total[key]) == (None if value is None else pytest.approx(value)), key
        days = [r for r in rows if r["section"] == "day"]
        assert [(d["date"], int(d["offered"]), int(d["abandoned"])) for d in days] == [
            (d["date"], d["offered"], d["abandoned"]) for d in dash["by_day"]
        ]
        cells = [r for r in rows if r["section"] == "weekday_hour"]
        assert len(cells) == 7 * 24
        assert [int(c["offered"]) for c in cells] == [n for day in dash["heatmap"] for n in day]

        api = await world.client.get(
            f"{API}/analytics/agent-performance", params=PERIOD, headers=who
        )
        perf = api.json()
        rows = _parse((await _csv(world, who, "agent_performance", **PERIOD)).text)
        agents = [r for r in rows if r["section"] == "agent"]
        assert [int(r["agent_id"]) for r in agents] == [a["agent_id"] for a in perf["agents"]]
        for row, a in zip(agents, perf["agents"], strict=True):
            assert int(row["handled"]) == a["handled"]
            assert float(row["handle_s"]) == pytest.approx(a["handle_s"])
            for state, seconds in a["states"].items():
                # A state still running counts up to "now", read by each request anew.
                assert float(row[f"{state}_s"]) == pytest.approx(seconds, abs=5)
        team = next(r for r in rows if r["section"] == "team")
        assert int(team["handled"]) == perf["team"]["handled"]
        queues = [r for r in rows if r["section"] == "queue"]
        assert [int(r["handled"]) for r in queues] == [q["handled"] for q in perf["by_queue"]]

        api = await world.client.get(
            f"{API}/analytics/resolved-conversations", params=PERIOD, headers=who
        )
        res = api.json()
        rows = _parse((await _csv(world, who, "resolved_conversations", **PERIOD)).text)
        total = next(r for r in rows if r["section"] == "total")
        assert int(total["resolved"]) == res["totals"]["resolved"]
        assert int(total["conversations"]) == res["totals"]["conversations"]
        by_agent = [
            (int(r["agent_id"]), int(r["resolved"])) for r in rows if r["section"] == "agent"
        ]
        assert by_agent == [(a["agent_id"], a["resolved"]) for a in res["by_agent"]]
        reasons = [(r["reason_name"], int(r["count"])) for r in rows if r["section"] == "reason"]
        assert reasons == [(neutralise(r["name"]), r["count"]) for r in res["top_reasons"]]
    # The administrator's numbers are those of the scene: five offered, one abandoned, and
    # the malicious tag counted as a reason, neutralised in the file.
    rows = _parse((await _csv(world, sc.a.admin, "callers_in_queue", **PERIOD)).text)
    total = next(r for r in rows if r["section"] == "total")
    assert (int(total["offered"]), int(total["abandoned"])) == (5, 1)
    reasons = _parse((await _csv(world, sc.a.admin, "resolved_conversations", **PERIOD)).text)
    assert {r["reason_name"] for r in reasons if r["section"] == "reason"} == {f"'{EVIL}", "VIP"}
    mine = _parse((await _csv(world, sc.manon, "resolved_conversations", **PERIOD)).text)
    assert int(next(r for r in mine if r["section"] == "total")["resolved"]) == 2
