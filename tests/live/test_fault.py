"""Issue 12 finding 3 and the fault test: after kill -9 the restarted server routes by itself.

The server runs in a subprocess on the test database. After SIGKILL and a restart, recovery
runs before the server answers: expired offers are reclaimed and offered again, wrap-ups that
ran out end, waiting chats are offered, all without any request but the health check. The
burst test kills the server while offers, accepts, ends, wrap-ups and a queue deletion are in
flight, then checks every interaction is in a legal state within the offer timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.models import AgentPresence, Assignment, Interaction, Offer
from tests.conftest import Database
from tests.live.invariants import check_invariants, report
from tests.live.test_recovery_process import call, login, seed, server

OFFER_TIMEOUT_S = 5


async def _poll(
    database: Database, check: Callable[[Any], Awaitable[bool]], *, within_s: float
) -> bool:
    """Read the database directly (no request to the server) until ``check`` holds."""
    engine = create_engine(database.url, search_path=database.schema)
    try:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            async with session_factory(engine)() as s:
                if await check(s):
                    return True
            await asyncio.sleep(0.1)
        return False
    finally:
        await engine.dispose()


async def _setup(c: httpx.AsyncClient, emails: dict[str, str], **settings: Any) -> dict[str, Any]:
    ada, ann, bob = [await login(c, emails[n]) for n in ("ada", "ann", "bob")]
    body = {"kind": "chat", "name": "Web", "channel_types": ["chat"], **settings}
    q = await call(c, "POST", "/api/v1/queues", ada, body)
    ids = [(await call(c, "GET", "/api/v1/me", h))["id"] for h in (ann, bob)]
    members = {"agents": ids, "supervisors": []}
    await call(c, "PUT", f"/api/v1/queues/{q['id']}/members", ada, members)
    for h in (ann, bob):
        await call(c, "PUT", "/api/v1/agent/queues", h, {"queue_ids": [q["id"]]})
    return {"ada": ada, "ann": ann, "bob": bob, "queue": q["id"], "ids": ids}


async def test_restart_routes_without_any_request(database: Database, tmp_path: Path) -> None:
    """Finding 3: expired offer re-made, wrap-up ended, waiting chat offered, with no request."""
    emails = await seed(database)
    log = tmp_path / "server.log"
    async with server(database, tmp_path, log) as base, httpx.AsyncClient(base_url=base) as c:
        w = await _setup(c, emails, offer_timeout_s=OFFER_TIMEOUT_S, wrap_up_s=5)
        ann_id, bob_id = w["ids"]
        chat = {"channel": "chat", "queue_id": w["queue"]}
        await call(c, "PUT", "/api/v1/agent/state", w["bob"], {"state": "available"})
        done = await call(c, "POST", "/api/v1/interactions", w["ada"], chat)
        await call(c, "POST", f"/api/v1/agent/offers/{done['id']}/accept", w["bob"])
        await call(c, "POST", f"/api/v1/interactions/{done['id']}/end", w["bob"])  # wrap-up 5 s
        await call(c, "PUT", "/api/v1/agent/state", w["ann"], {"state": "available"})
        offered = await call(c, "POST", "/api/v1/interactions", w["ada"], chat)
        assert offered["status"] == "offered"  # to ann, for 5 s
        waiting = await call(c, "POST", "/api/v1/interactions", w["ada"], chat)
        assert waiting["status"] == "waiting"  # ann is full, bob in wrap-up
    # Killed. The offer and the wrap-up run out while the server is down.
    await asyncio.sleep(OFFER_TIMEOUT_S + 1)
    async with server(database, tmp_path, log):
        started = time.time()

        async def routed(s: Any) -> bool:
            stale = await s.scalar(
                select(func.count())
                .select_from(Offer)
                .where(Offer.status == "open", Offer.expires_at < time.time() - 1)
            )
            bob = await s.get(AgentPresence, bob_id)
            statuses = dict((await s.execute(select(Interaction.id, Interaction.status))).all())
            return bool(
                stale == 0
                and bob is not None
                and bob.state != "wrap_up"
                and statuses[offered["id"]] == "offered"
                and statuses[waiting["id"]] == "offered"
            )

        assert await _poll(database, routed, within_s=OFFER_TIMEOUT_S), log.read_text()
        assert time.time() - started < OFFER_TIMEOUT_S
        del ann_id


@pytest.mark.slow
async def test_kill_during_a_burst_leaves_every_interaction_legal(
    database: Database, tmp_path: Path
) -> None:
    """The fault test: SIGKILL mid-burst (offers, accepts, ends, wrap-ups, a queue deletion)."""
    emails = await seed(database)
    log = tmp_path / "server.log"
    rng = random.Random(12)
    async with (
        server(database, tmp_path, log) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as c,
    ):
        w = await _setup(c, emails, offer_timeout_s=OFFER_TIMEOUT_S, wrap_up_s=5)
        spare = await call(c, "POST", "/api/v1/queues", w["ada"], {"kind": "chat", "name": "Spare"})
        for h in (w["ann"], w["bob"]):
            await call(c, "PUT", "/api/v1/agent/state", h, {"state": "available"})
        chat = {"channel": "chat", "queue_id": w["queue"]}
        stop = asyncio.Event()

        async def customers() -> None:
            while not stop.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    await c.post("/api/v1/interactions", json=chat, headers=w["ada"])
                await asyncio.sleep(rng.uniform(0, 0.05))

        async def worker(h: dict[str, str]) -> None:
            while not stop.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    r = await c.get("/api/v1/supervision/live", headers=w["ada"])
                    for q in r.json().get("queues", []):
                        for ix in q.get("offered", []) + q.get("waiting", []):
                            await c.post(f"/api/v1/agent/offers/{ix['id']}/accept", headers=h)
                    mine = await c.get("/api/v1/interactions", headers=h)
                    for ix in mine.json() if mine.status_code == 200 else []:
                        if ix.get("status") == "assigned" and rng.random() < 0.5:
                            await c.post(f"/api/v1/interactions/{ix['id']}/end", headers=h)
                await asyncio.sleep(rng.uniform(0, 0.05))

        async def admin() -> None:
            await asyncio.sleep(0.5)
            with contextlib.suppress(httpx.HTTPError):
                await c.delete(f"/api/v1/queues/{spare['id']}", headers=w["ada"])
                await c.delete(f"/api/v1/queues/{w['queue']}", headers=w["ada"])  # 409

        tasks = [asyncio.create_task(t) for t in (customers(), worker(w["ann"]), worker(w["bob"]))]
        tasks.append(asyncio.create_task(admin()))
        await asyncio.sleep(2.0)
        # Leaving the block kills the server with SIGKILL while the burst goes on.
    stop.set()
    for t in tasks:
        t.cancel()
        with contextlib.suppress(BaseException):
            await t
    async with server(database, tmp_path, log):

        async def legal(s: Any) -> bool:
            return not await _violations(s)

        ok = await _poll(database, legal, within_s=OFFER_TIMEOUT_S)
        engine = create_engine(database.url, search_path=database.schema)
        async with session_factory(engine)() as s:
            found = await _violations(s)
        # Then every invariant of the checker run after each live test (tests/live/invariants).
        violations = await check_invariants(engine, now=time.time(), grace_s=1.0)
        await engine.dispose()
        assert ok, found
        assert not violations, report(violations)


LEGAL = {"new", "unrouted", "in_flow", "waiting", "offered", "assigned", "paused", "callback"}
LEGAL |= {"abandoned", "ended"}


async def _violations(s: Any) -> list[str]:
    """What is wrong now: illegal states, double assignments, stale offers, unrouted work."""
    out: list[str] = []
    now = time.time()
    rows = (await s.scalars(select(Interaction))).all()
    for r in rows:
        if r.status not in LEGAL:
            out.append(f"interaction {r.id} in unknown state {r.status}")
        if r.status in ("assigned", "paused") and r.agent_id is None:
            out.append(f"interaction {r.id} {r.status} without an agent")
        if r.status in ("waiting", "offered", "assigned") and r.queue_id is None:
            out.append(f"interaction {r.id} {r.status} without a queue")
    actives = await s.execute(
        select(Assignment.interaction_id, func.count())
        .where(Assignment.active)
        .group_by(Assignment.interaction_id)
    )
    out += [f"interaction {i} has {n} active assignments" for i, n in actives if n > 1]
    opens = await s.execute(
        select(Offer.interaction_id, func.count())
        .where(Offer.status == "open")
        .group_by(Offer.interaction_id)
    )
    out += [f"interaction {i} has {n} open offers" for i, n in opens if n > 1]
    stale = await s.scalars(
        select(Offer.id).where(Offer.status == "open", Offer.expires_at < now - 1)
    )
    out += [f"offer {o} open past its expiry" for o in stale]
    statuses = {r.id: r.status for r in rows}
    for (iid,) in (
        await s.execute(select(Offer.interaction_id).where(Offer.status == "open"))
    ).all():
        if statuses.get(iid) != "offered":
            out.append(f"open offer on interaction {iid} in state {statuses.get(iid)}")
    return out
