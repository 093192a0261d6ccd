"""Dashboards API on SQLite and PostgreSQL (R-AN-2..R-AN-5, R-S-1, R-A-2, R-A-6).

A random log of the last three days is written for organization A; the answers are compared
with the pure reference (:mod:`guichet.analytics.metrics`) over the projection: everything for
a Director, only their own conversations for a Manager, nothing of A for organization B's
administrator, 403 R-A-2 without a statistics scope; bad filters are 422 naming the field.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from guichet.analytics import metrics
from guichet.analytics.metrics import Filters
from guichet.persistence.models import AccessRole, Queue, RoleAssignment, Skill
from tests.factories import Org, World, problem
from tests.integration.test_analytics_sql import Org as LogOrg
from tests.integration.test_analytics_sql import World as LogWorld
from tests.integration.test_analytics_sql import add_reasons, close, projection, write_log

API = "/api/v1/analytics"
DAY = 86400.0


async def give_role(world: World, org: Org, name: str, key: str) -> None:
    """Give the predefined role ``key`` (director, manager) to user ``name`` (R-A-1)."""
    async with world.state.sessions() as s:
        role = await s.scalar(
            select(AccessRole).where(AccessRole.org_id == org.id, AccessRole.key == key)
        )
        assert role is not None
        uid = org.users[name]
        s.add(RoleAssignment(org_id=org.id, role_id=role.id, user_id=uid, target_key=f"user:{uid}"))
        await s.commit()


async def populate(world: World, org: Org, start: float) -> LogOrg:
    """Queues, agents (manon the Manager among them) and a random log from ``start``."""
    agents = [org.users[n] for n in ("manon", "alex", "bea")]
    async with world.state.sessions() as s:
        queues = [
            Queue(org_id=org.id, kind="chat", name=f"q{i}", name_key=f"q{i}") for i in range(2)
        ]
        queues[0].settings = {"service_level_s": 30}
        s.add_all(queues)
        s.add(Skill(org_id=org.id, name="billing", name_key="billing"))
        await s.commit()
        qids = [q.id for q in queues]
    log_org = LogOrg(org.id, "UTC", agents, qids)
    log_world = LogWorld(world.state.engine, world.state.sessions, [log_org])
    await write_log(log_world, log_org, seed=7, count=90, start=start, days=3)
    return log_org


async def facts_of(world: World, org_id: int) -> Any:
    async with world.state.sessions() as s:
        return await projection(s, org_id)


@pytest.mark.synthetic_rows  # the random log's interaction rows are not routing's
async def test_dashboards_follow_the_statistics_scope(world: World, org_a: Org, org_b: Org) -> None:
    """A Director's numbers are the whole organization's, a Manager's their conversations',
    another organization's administrator sees none of them; no scope: 403 R-A-2."""
    diane = await world.user(org_a, "diane")
    manon = await world.user(org_a, "manon")
    await world.user(org_a, "alex")
    await world.user(org_a, "bea")
    zed = await world.user(org_a, "zed")
    await give_role(world, org_a, "diane", "director")
    await give_role(world, org_a, "manon", "manager")
    start = time.time() - 3 * DAY
    log_org = await populate(world, org_a, start)
    reasons = await add_reasons(
        LogWorld(world.state.engine, world.state.sessions, [log_org]), log_org, seed=8
    )
    period = {"from": "2000-01-01T00:00:00Z", "to": "2000-12-31T00:00:00Z"}
    r = await world.client.get(f"{API}/callers-in-queue", headers=diane, params=period)
    assert r.status_code == 200, r.text
    assert r.json()["totals"]["offered"] == 0  # nothing then; the log is folded by now
    ix, segs, states = await facts_of(world, org_a.id)
    assert ix, "the request folded the log"

    def flt(body: dict[str, Any]) -> Filters:
        return Filters(from_ts=body["from_ts"], to_ts=body["to_ts"])

    manon_id = org_a.users["manon"]
    mine = {s.interaction_id for s in segs if s.agent_id == manon_id}
    cases = [
        (diane, ix, segs, states),
        (org_a.admin, ix, segs, states),
        (
            manon,
            [f for f in ix if f.interaction_id in mine],
            [s for s in segs if s.interaction_id in mine],
            [s for s in states if s.agent_id == manon_id],
        ),
    ]
    for headers, fx, sg, st in cases:
        r = await world.client.get(f"{API}/callers-in-queue", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["timezone"] == "UTC" and body["service_level_s"] == 20.0
        assert body["to_ts"] - body["from_ts"] == 30 * DAY
        want = metrics.callers_in_queue(fx, flt(body), tz="UTC", threshold_s=20.0)
        close({k: body[k] for k in want}, want)
        r = await world.client.get(f"{API}/agent-performance", headers=headers)
        body = r.json()
        want = metrics.agent_performance(st, sg, fx, flt(body), now_ts=body["now_ts"])
        close({k: body[k] for k in want}, want)
        r = await world.client.get(f"{API}/resolved-conversations", headers=headers)
        body = r.json()
        want = metrics.resolved_conversations(fx, reasons, flt(body))
        close({k: body[k] for k in want}, want)
        r = await world.client.get(f"{API}/realtime", headers=headers)
        body = r.json()
        thresholds = {log_org.queues[0]: 30.0, log_org.queues[1]: 20.0}
        want = metrics.realtime(fx, Filters(), now_ts=body["now_ts"], thresholds=thresholds)
        close({k: body[k] for k in want}, want)
    # Manon's numbers are hers only (and there are others').
    r = await world.client.get(f"{API}/callers-in-queue", headers=manon)
    assert 0 < r.json()["totals"]["offered"] < len([f for f in ix if f.offered])
    # One queue: its own threshold.
    q0 = log_org.queues[0]
    r = await world.client.get(f"{API}/callers-in-queue", headers=diane, params={"queue_id": q0})
    assert r.json()["service_level_s"] == 30.0
    # Another organization's administrator: none of A's rows.
    for path in ("callers-in-queue", "agent-performance", "resolved-conversations", "realtime"):
        r = await world.client.get(f"{API}/{path}", headers=org_b.admin)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body.get("totals", {}).get("offered", 0) == 0
        assert body.get("agents", []) == [] and body.get("queues", []) == []
        # No statistics scope at all: 403 naming the rule.
        assert problem(await world.client.get(f"{API}/{path}", headers=zed), 403)["rule"] == (
            "R-A-2"
        )


async def test_filters_are_checked(world: World, org_a: Org, org_b: Org) -> None:
    """R-AN-5: ids of another organization, ``to`` not after ``from``, a period over 366
    days, a date that is none: 422 naming the field; dates are local midnights."""
    async with world.state.sessions() as s:
        foreign = Queue(org_id=org_b.id, kind="chat", name="theirs", name_key="theirs")
        skill = Skill(org_id=org_b.id, name="theirs", name_key="theirs")
        s.add_all([foreign, skill])
        await s.commit()
        foreign_ids = {"queue_id": foreign.id, "skill_id": skill.id, "agent_id": org_b.admin_id}
    h = org_a.admin
    for path in ("callers-in-queue", "agent-performance", "resolved-conversations", "realtime"):
        for field, value in foreign_ids.items():
            r = await world.client.get(f"{API}/{path}", headers=h, params={field: value})
            assert problem(r, 422)["field"] == field
        bad: list[tuple[dict[str, Any], str]] = [
            ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
            ({"from": "2026-03-01", "to": "2026-03-01"}, "to"),
            ({"from": "2025-01-01", "to": "2026-03-01"}, "from"),
            ({"from": "yesterday"}, "from"),
            ({"to": "2026-13-01"}, "to"),
            ({"from": "9999-06-01", "to": "9999-12-31T23:59:59-14:00"}, "from"),
            ({"from": "0001-01-01T00:00:00Z"}, "from"),
            ({"to": "2100-01-01"}, "to"),
        ]
        for params, field in bad:
            body = problem(await world.client.get(f"{API}/{path}", headers=h, params=params), 422)
            assert body["field"] == field, (params, body)
            assert body["rule"] == "R-AN-5"
        problem(await world.client.get(f"{API}/{path}", headers=h, params={"channel": "fax"}), 422)
        for value in (0, 2**31, 99999999999):  # outside the id range: 422, not a server error
            problem(
                await world.client.get(f"{API}/{path}", headers=h, params={"queue_id": value}), 422
            )
        problem(
            await world.client.get(f"{API}/{path}", headers=h, params={"service_level_s": 0}), 422
        )
    r = await world.client.get(
        f"{API}/callers-in-queue",
        headers=h,
        params={"from": "2026-03-28", "to": "2026-03-30T00:00:00+02:00"},
    )
    body = r.json()
    assert body["from"] == "2026-03-28T00:00:00+00:00"
    assert body["to_ts"] - body["from_ts"] == 2 * DAY - 7200
    world.client.cookies.clear()  # logging in set a session cookie
    assert (await world.client.get(f"{API}/callers-in-queue")).status_code == 401
