"""Targeting rules API: engine validation on save, foreign ids, references, dry run (R-TR-1)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from guichet.actions.routing_config import check_routing_references
from guichet.errors import Conflict
from guichet.persistence.models import Queue
from tests.api.test_targeting_rules import URL, make, names, queue, refused, skill
from tests.factories import Org, World, problem


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
    # Through the API: 409 naming the rule, for the queue and the skill alike.
    for path in (f"/api/v1/queues/{q}", f"/api/v1/skills/{s}"):
        body = problem(await world.client.delete(path, headers=org_a.admin), 409)
        assert body["rule"] == "R-TR-1" and body["code"] == "in_use"
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


async def test_r_tr_1_database_refuses_to_drop_a_routed_queue(world: World, org_a: Org) -> None:
    """R-TR-1: even without the 409 check, the foreign key keeps a rule's queue in place."""
    q = await queue(world, org_a)
    rule = await make(world, org_a, "VIP", action={"queue_id": q})
    async with world.state.sessions() as session:
        try:
            await session.execute(delete(Queue).where(Queue.id == q))
            await session.commit()
        except IntegrityError:
            await session.rollback()
        else:
            raise AssertionError("the queue went while a rule routes to it")
    r = await world.client.get(f"{URL}/{rule['id']}", headers=org_a.admin)
    assert r.json()["action"]["queue_id"] == q


async def test_r_tr_1_operators_without_value_and_patch_of_conditions(
    world: World, org_a: Org
) -> None:
    """R-TR-1: `exists` needs no value; PATCH replaces the conditions and the engine sees them."""
    q = await queue(world, org_a)
    rule = await make(world, org_a, "Known", action={"queue_id": q})
    conditions = [
        {"field": "attributes.plan", "operator": "exists"},
        {"field": "weekday", "operator": "in", "value": "mon-fri"},
    ]
    r = await world.client.patch(
        f"{URL}/{rule['id']}", json={"conditions": conditions}, headers=org_a.admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["conditions"][0] == {**conditions[0], "value": ""}
    test = {"channel": "voice", "at": "2026-11-25T10:00:00Z"}  # a Wednesday
    out = await world.client.post(
        f"{URL}/test",
        json={**test, "context": {"attributes": {"plan": "gold"}}},
        headers=org_a.admin,
    )
    assert out.json()["rule_id"] == rule["id"], out.json()
    out = await world.client.post(f"{URL}/test", json=test, headers=org_a.admin)
    assert out.json()["is_default"] is True
