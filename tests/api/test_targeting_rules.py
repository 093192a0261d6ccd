"""Targeting rules API: ordered rules, the default rule, engine validation, dry run (R-TR-1)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from guichet.actions.permissions import do_update_permissions
from guichet.live.routing_rules import load_targeting
from guichet.routing.targeting import TargetAction
from tests.factories import Org, World, problem

URL = "/api/v1/targeting-rules"


async def queue(world: World, org: Org, name: str = "Sales") -> int:
    """A chat queue of ``org``; returns its id."""
    r = await world.client.post(
        "/api/v1/queues", json={"kind": "chat", "name": name}, headers=org.admin
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def skill(world: World, org: Org, name: str = "French") -> int:
    """A skill of ``org``; returns its id."""
    r = await world.client.post("/api/v1/skills", json={"name": name}, headers=org.admin)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def make(world: World, org: Org, name: str, **body: Any) -> dict[str, Any]:
    """Create a rule as the administrator; returns its body."""
    r = await world.client.post(URL, json={"name": name, **body}, headers=org.admin)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def refused(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """The problem document of ``r``: ``status``, rule R-TR-1 and, if given, ``field``."""
    body = problem(r, status)
    assert body["rule"] == "R-TR-1", body
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


async def names(world: World, org: Org) -> list[str]:
    """Rule names in evaluation order."""
    r = await world.client.get(URL, headers=org.admin)
    assert r.status_code == 200, r.text
    return [x["name"] for x in r.json()]


async def test_r_tr_1_crud_and_default_rule_created_lazily(world: World, org_a: Org) -> None:
    """R-TR-1: the list starts with the default rule only; rules come before it, in order."""
    listed = (await world.client.get(URL, headers=org_a.admin)).json()
    assert len(listed) == 1 and listed[0]["is_default"] and listed[0]["position"] is None
    assert listed[0]["action"] == {"skill_id": None, "queue_id": None, "priority": None}
    q, s = await queue(world, org_a), await skill(world, org_a)
    fr = await make(
        world,
        org_a,
        "French pricing",
        conditions=[
            {"field": "language", "operator": "equals", "value": "fr"},
            {"field": "page_url", "operator": "contains", "value": "/pricing"},
        ],
        action={"skill_id": s, "queue_id": q, "priority": 5},
    )
    assert fr["position"] == 0 and fr["enabled"] is True and fr["is_default"] is False
    assert fr["action"] == {"skill_id": s, "queue_id": q, "priority": 5.0}
    gold = await make(
        world,
        org_a,
        "Gold",
        conditions=[{"field": "attributes.spend", "operator": "gt", "value": 1000}],
        action={"queue_id": q},
    )
    assert gold["conditions"][0]["value"] == "1000" and gold["position"] == 1
    assert await names(world, org_a) == ["French pricing", "Gold", "Default"]
    url = f"{URL}/{fr['id']}"
    assert (await world.client.get(url, headers=org_a.admin)).json() == fr
    r = await world.client.patch(url, json={"enabled": False}, headers=org_a.admin)
    assert r.status_code == 200 and r.json()["enabled"] is False
    assert r.json()["conditions"] == fr["conditions"] and r.json()["action"] == fr["action"]
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204
    problem(await world.client.get(url, headers=org_a.admin), 404)
    listed = (await world.client.get(URL, headers=org_a.admin)).json()
    assert [(x["name"], x["position"]) for x in listed] == [("Gold", 0), ("Default", None)]


async def test_r_tr_1_default_rule_edited_never_deleted_or_disabled(
    world: World, org_a: Org
) -> None:
    """R-TR-1: exactly one default; its action can change, it cannot go away or switch off."""
    default = (await world.client.get(URL, headers=org_a.admin)).json()[0]
    url = f"{URL}/{default['id']}"
    refused(await world.client.delete(url, headers=org_a.admin), 409)
    refused(await world.client.patch(url, json={"enabled": False}, headers=org_a.admin), 422)
    cond = [{"field": "country", "operator": "equals", "value": "FR"}]
    refused(await world.client.patch(url, json={"conditions": cond}, headers=org_a.admin), 422)
    refused(await world.client.patch(url, json={"position": 0}, headers=org_a.admin), 422)
    q = await queue(world, org_a)
    r = await world.client.patch(
        url, json={"name": "Everyone else", "action": {"queue_id": q}}, headers=org_a.admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["action"]["queue_id"] == q and r.json()["is_default"] is True
    listed = (await world.client.get(URL, headers=org_a.admin)).json()
    assert [x["id"] for x in listed if x["is_default"]] == [default["id"]]
    async with world.state.sessions() as session:
        rules, action = await load_targeting(session, org_id=org_a.id)
    assert rules == () and action == TargetAction(queue_id=str(q))


async def test_r_tr_1_order_position_and_reorder(world: World, org_a: Org) -> None:
    """R-TR-1: create at a position, move with PATCH, reorder all at once (each id once)."""
    q = await queue(world, org_a)
    act = {"queue_id": q}
    a = await make(world, org_a, "A", action=act)
    b = await make(world, org_a, "B", action=act)
    c = await make(world, org_a, "C", action=act, position=0)
    assert await names(world, org_a) == ["C", "A", "B", "Default"]
    r = await world.client.patch(f"{URL}/{c['id']}", json={"position": 2}, headers=org_a.admin)
    assert r.status_code == 200 and r.json()["position"] == 2
    assert await names(world, org_a) == ["A", "B", "C", "Default"]
    refused(
        await world.client.post(
            URL, json={"name": "D", "action": act, "position": 4}, headers=org_a.admin
        ),
        422,
    )
    order = f"{URL}/order"
    r = await world.client.post(
        order, json={"ids": [b["id"], c["id"], a["id"]]}, headers=org_a.admin
    )
    assert r.status_code == 200, r.text
    assert [x["name"] for x in r.json()] == ["B", "C", "A", "Default"]
    assert [x["position"] for x in r.json()] == [0, 1, 2, None]
    default_id = r.json()[-1]["id"]
    ok = await world.client.post(
        order, json={"ids": [a["id"], b["id"], c["id"], default_id]}, headers=org_a.admin
    )
    assert ok.status_code == 200 and await names(world, org_a) == ["A", "B", "C", "Default"]
    for ids in (
        [a["id"], b["id"]],
        [a["id"], b["id"], c["id"], c["id"]],
        [a["id"], b["id"], c["id"], 999_999],
        [default_id, a["id"], b["id"], c["id"]],
        [a["id"], b["id"], 2**40],
    ):
        body = refused(await world.client.post(order, json={"ids": ids}, headers=org_a.admin), 422)
        assert body["field"] == "ids", (ids, body)
    assert await names(world, org_a) == ["A", "B", "C", "Default"]
    async with world.state.sessions() as session:
        rules, _ = await load_targeting(session, org_id=org_a.id)
    assert [r.id for r in rules] == [str(a["id"]), str(b["id"]), str(c["id"])]


async def test_r_tr_1_name_unique_regardless_of_case(world: World, org_a: Org, org_b: Org) -> None:
    """R-TR-1: names are unique per organization regardless of case, the default's included."""
    q = await queue(world, org_a)
    await make(world, org_a, "VIP", action={"queue_id": q})
    r = await world.client.post(
        URL, json={"name": " vip ", "action": {"queue_id": q}}, headers=org_a.admin
    )
    assert refused(r, 409)["field"] == "name"
    await world.client.get(URL, headers=org_a.admin)  # the default rule exists now
    r = await world.client.post(
        URL, json={"name": "DEFAULT", "action": {"queue_id": q}}, headers=org_a.admin
    )
    refused(r, 409)
    q_b = await queue(world, org_b)
    await make(world, org_b, "vip", action={"queue_id": q_b})
    for name in ["", "   ", "x" * 101, "bad\nname"]:
        r = await world.client.post(
            URL, json={"name": name, "action": {"queue_id": q}}, headers=org_a.admin
        )
        assert problem(r, 422)["field"] == "name", name


async def test_r_tr_1_organizations_are_isolated(world: World, org_a: Org, org_b: Org) -> None:
    """R-TR-1: org B neither sees nor changes org A's rules (404), and tests only its own."""
    q = await queue(world, org_a)
    rule = await make(world, org_a, "A only", action={"queue_id": q})
    url = f"{URL}/{rule['id']}"
    assert await names(world, org_b) == ["Default"]
    problem(await world.client.get(url, headers=org_b.admin), 404)
    problem(await world.client.patch(url, json={"name": "mine"}, headers=org_b.admin), 404)
    problem(await world.client.delete(url, headers=org_b.admin), 404)
    r = await world.client.post(f"{URL}/order", json={"ids": [rule["id"]]}, headers=org_b.admin)
    refused(r, 422)
    r = await world.client.post(f"{URL}/test", json={"channel": "chat"}, headers=org_b.admin)
    assert r.json()["is_default"] is True and r.json()["rules_checked"] == 0
    assert await names(world, org_a) == ["A only", "Default"]


async def test_r_p_2_agents_cannot_read_or_manage_rules(world: World, org_a: Org) -> None:
    """R-P-2: queue-settings permissions guard the rules; agents have neither."""
    agent = await world.user(org_a, "agnes")
    problem(await world.client.get(URL, headers=agent), 403)
    problem(await world.client.post(URL, json={"name": "X", "action": {}}, headers=agent), 403)
    problem(await world.client.post(f"{URL}/test", json={"channel": "chat"}, headers=agent), 403)
    sup = await world.user(org_a, "sam", roles=["supervisor"])
    assert (await world.client.get(URL, headers=sup)).status_code == 200
    q = await queue(world, org_a)
    body = {"name": "X", "action": {"queue_id": q}}
    problem(await world.client.post(URL, json=body, headers=sup), 403)
    async with world.state.sessions() as session:
        await do_update_permissions(
            session,
            org_id=org_a.id,
            changes={
                "supervisor_manage_queue_settings": True,
                "supervisor_limit_to_assigned_queues": False,
            },
        )
    assert (await world.client.post(URL, json=body, headers=sup)).status_code == 201


async def test_r_p_2_limited_supervisor_routes_only_to_own_queues(world: World, org_a: Org) -> None:
    """R-P-2: a supervisor limited to assigned queues may only name the queues they supervise."""
    sup = await world.user(org_a, "sam", roles=["supervisor"])
    async with world.state.sessions() as session:
        await do_update_permissions(
            session, org_id=org_a.id, changes={"supervisor_manage_queue_settings": True}
        )
    mine, other = await queue(world, org_a, "Mine"), await queue(world, org_a, "Other")
    r = await world.client.put(
        f"/api/v1/queues/{mine}/members",
        json={"agents": [], "supervisors": [org_a.users["sam"]]},
        headers=org_a.admin,
    )
    assert r.status_code == 200, r.text
    r = await world.client.post(URL, json={"name": "X", "action": {"queue_id": other}}, headers=sup)
    refused(r, 422, "/action/queue_id")
    r = await world.client.post(URL, json={"name": "X", "action": {"queue_id": mine}}, headers=sup)
    assert r.status_code == 201, r.text


async def test_r_tr_1_one_default_rule_under_concurrent_first_use(world: World, org_a: Org) -> None:
    """R-TR-1: many first reads at once still leave exactly one default rule."""
    answers = await asyncio.gather(*(world.client.get(URL, headers=org_a.admin) for _ in range(6)))
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    ids = {x["id"] for r in answers for x in r.json() if x["is_default"]}
    assert len(ids) == 1 and await names(world, org_a) == ["Default"]
