"""Targeting rules API: ordered rules, the default rule, engine validation, dry run (R-TR-1)."""

from __future__ import annotations

from typing import Any

import httpx

from guichet.actions.permissions import do_update_permissions
from guichet.actions.routing_config import check_routing_references, load_targeting
from guichet.errors import Conflict
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


async def test_r_tr_1_engine_validation_lists_every_problem(world: World, org_a: Org) -> None:
    """R-TR-1: each condition is checked by the engine; all problems come back at once."""
    q = await queue(world, org_a)
    bad = [
        ({"field": "page_url", "operator": "matches", "value": "([a-z"}, "/conditions/0/value"),
        ({"field": "page_url", "operator": "matches", "value": "(a+)+$"}, "/conditions/0/value"),
        ({"field": "shoe_size", "operator": "equals", "value": "42"}, "/conditions/0/field"),
        ({"field": "country", "operator": "gt", "value": "FR"}, "/conditions/0/operator"),
        ({"field": "country", "operator": "equals", "value": ""}, "/conditions/0/value"),
        ({"field": "time_of_day", "operator": "between", "value": "9h-5h"}, "/conditions/0/value"),
        ({"field": "weekday", "operator": "in", "value": "mon-funday"}, "/conditions/0/value"),
        ({"field": "channel", "operator": "equals", "value": "pigeon"}, "/conditions/0/value"),
        ({"field": "attributes.spend", "operator": "gt", "value": "lots"}, "/conditions/0/value"),
    ]
    for condition, field in bad:
        r = await world.client.post(
            URL,
            json={"name": "Bad", "conditions": [condition], "action": {"queue_id": q}},
            headers=org_a.admin,
        )
        refused(r, 422, field)
    r = await world.client.post(
        URL,
        json={
            "name": "Many",
            "conditions": [bad[0][0], bad[2][0]],
            "action": {"priority": -1},
        },
        headers=org_a.admin,
    )
    fields = {e["field"] for e in refused(r, 422)["errors"]}
    assert {"/conditions/0/value", "/conditions/1/field", "/action", "/action/priority"} <= fields
    r = await world.client.post(
        URL,
        json={"name": "Op", "conditions": [{"field": "country"}], "action": {}},
        headers=org_a.admin,
    )
    problem(r, 422)  # the operator is required by the schema
    assert await names(world, org_a) == ["Default"]


async def test_r_tr_1_unknown_or_foreign_skill_and_queue_refused(
    world: World, org_a: Org, org_b: Org
) -> None:
    """R-TR-1: an action names a skill and a queue of the organization; others' are unknown."""
    q_b, s_b = await queue(world, org_b), await skill(world, org_b)
    q_a = await queue(world, org_a)
    for action, field in (
        ({"queue_id": q_b}, "/action/queue_id"),
        ({"queue_id": q_a, "skill_id": s_b}, "/action/skill_id"),
        ({"queue_id": 2**40}, "/action/queue_id"),
        ({"skill_id": 0}, "/action/skill_id"),
    ):
        r = await world.client.post(URL, json={"name": "X", "action": action}, headers=org_a.admin)
        refused(r, 422, field)
    rule = await make(world, org_a, "Mine", action={"queue_id": q_a})
    r = await world.client.patch(
        f"{URL}/{rule['id']}", json={"action": {"queue_id": q_b}}, headers=org_a.admin
    )
    refused(r, 422, "/action/queue_id")
    assert (await world.client.get(f"{URL}/{rule['id']}", headers=org_a.admin)).json() == rule


async def test_r_tr_1_referenced_queue_and_skill_cannot_vanish(world: World, org_a: Org) -> None:
    """R-TR-1: a queue or skill a rule routes to is refused deletion (409), not left dangling."""
    q, s = await queue(world, org_a), await skill(world, org_a)
    rule = await make(world, org_a, "VIP", action={"queue_id": q, "skill_id": s})
    async with world.state.sessions() as session:
        for kwargs in ({"queue_id": q}, {"skill_id": s}):
            try:
                await check_routing_references(session, org_id=org_a.id, **kwargs)
            except Conflict as exc:
                assert exc.rule == "R-TR-1" and "VIP" in exc.detail
            else:
                raise AssertionError(f"{kwargs} deleted while a rule routes to it")
    await world.client.delete(f"{URL}/{rule['id']}", headers=org_a.admin)
    async with world.state.sessions() as session:
        await check_routing_references(session, org_id=org_a.id, queue_id=q, skill_id=s)


async def test_r_tr_1_dry_run_names_the_first_matching_rule(world: World, org_a: Org) -> None:
    """R-TR-1, R-X-3: first enabled match wins; else the default; the explanation says why."""
    q, s = await queue(world, org_a), await skill(world, org_a)
    fr = await make(
        world,
        org_a,
        "French",
        conditions=[{"field": "language", "operator": "in", "value": ["fr", "fr-BE"]}],
        action={"queue_id": q, "skill_id": s},
    )
    await make(
        world,
        org_a,
        "Chat at night",
        action={"queue_id": q, "priority": 3},
        conditions=[
            {"field": "time_of_day", "operator": "between", "value": "22:00-06:00"},
            {"field": "channel", "operator": "equals", "value": "chat"},
        ],
    )
    test = f"{URL}/test"
    body = {"channel": "chat", "context": {"language": "FR"}, "at": "2026-11-25T23:00:00Z"}
    r = await world.client.post(test, json=body, headers=org_a.admin)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["rule_id"], out["is_default"], out["rules_checked"]) == (fr["id"], False, 1)
    assert out["action"] == {"queue_id": q, "skill_id": s, "priority": None}
    assert "French" in out["explanation"] and out["matched"][0]["value"] == ["fr", "fr-BE"]
    await world.client.patch(f"{URL}/{fr['id']}", json={"enabled": False}, headers=org_a.admin)
    out = (await world.client.post(test, json=body, headers=org_a.admin)).json()
    assert out["rule_name"] == "Chat at night" and out["action"]["priority"] == 3
    body["at"] = "2026-11-25T12:00:00Z"
    out = (await world.client.post(test, json=body, headers=org_a.admin)).json()
    assert out["is_default"] is True and out["rule_name"] is None and out["rules_checked"] == 1
    assert out["action"] == {"queue_id": None, "skill_id": None, "priority": None}
    assert "default" in out["explanation"]
    body["context"] = {"shoe": "42"}
    problem(await world.client.post(test, json=body, headers=org_a.admin), 422)


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
