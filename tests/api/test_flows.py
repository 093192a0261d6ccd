"""Flows API: graphs validated by the engine on save, dry-run validation, versions (R-Q-5)."""

from __future__ import annotations

import copy
from typing import Any

import httpx
from sqlalchemy import delete

from guichet.actions.routing_config import check_routing_references
from guichet.errors import Conflict
from guichet.flows import Arrived, Enqueue, KeyPressed, step
from guichet.live.routing_rules import load_flows
from guichet.persistence.models import Queue
from tests.factories import Org, World, problem

URL = "/api/v1/flows"
NOON_UTC = "2026-11-25T12:00:00+00:00"


async def queue(world: World, org: Org, name: str = "Sales") -> str:
    """A call queue of ``org``; returns its id as the engine knows it."""
    r = await world.client.post(
        "/api/v1/queues", json={"kind": "call", "name": name}, headers=org.admin
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def graph(sales: str) -> dict[str, Any]:
    """Entry, menu, queue with timeout to voicemail, then hang-up: a valid flow."""
    return {
        "nodes": [
            {"id": "in", "kind": "entry", "entry_type": "phone", "address": "+33 1 23 45 67 89",
             "next": "menu"},
            {"id": "menu", "kind": "menu", "prompt": "Press 1 for sales.",
             "choices": {"1": "sales_q"}, "invalid": "menu_again", "no_input": "sales_q"},
            {"id": "menu_again", "kind": "message", "text": "Sorry?", "next": "menu"},
            {"id": "sales_q", "kind": "queue", "queue_id": sales, "wait_timeout_s": 120,
             "on_timeout": "vm", "on_exit": "vm"},
            {"id": "vm", "kind": "voicemail", "greeting": "Leave a message.", "mailbox": sales,
             "next": "bye"},
            {"id": "bye", "kind": "hangup", "message": "Goodbye."},
        ]
    }  # fmt: skip


def node(g: dict[str, Any], node_id: str) -> dict[str, Any]:
    """The node ``node_id`` of graph ``g`` (to edit it in place)."""
    found: dict[str, Any] = next(n for n in g["nodes"] if n["id"] == node_id)
    return found


async def make(world: World, org: Org, name: str, g: dict[str, Any]) -> dict[str, Any]:
    """Create a flow as the administrator; returns its body."""
    r = await world.client.post(URL, json={"name": name, "graph": g}, headers=org.admin)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def refused(r: httpx.Response, *fields_codes: tuple[str, str]) -> dict[str, Any]:
    """A 422 naming R-Q-5 whose ``errors[]`` hold each (field, code) given."""
    body = problem(r, 422)
    assert body["rule"] == "R-Q-5", body
    found = {(e["field"], e["code"]) for e in body["errors"]}
    assert set(fields_codes) <= found, (fields_codes, body["errors"])
    assert all(e["rule"] in ("R-Q-5", "R-W-7") for e in body["errors"]), body
    return body


async def test_r_q_5_flow_crud_and_engine_loading(world: World, org_a: Org) -> None:
    """R-Q-5: a valid graph is saved, read back normalised, walked by the engine, deleted."""
    sales = await queue(world, org_a)
    f = await make(world, org_a, "Main line", graph(sales))
    assert (f["version"], f["enabled"], f["description"]) == (1, True, "")
    assert f["graph"]["id"] == str(f["id"]) and f["graph"]["name"] == "Main line"
    assert node(f["graph"], "menu")["input_timeout_s"] == 5.0  # defaults filled in
    url = f"{URL}/{f['id']}"
    assert (await world.client.get(url, headers=org_a.admin)).json() == f
    await make(world, org_a, "after hours", graph(sales))
    listed = (await world.client.get(URL, headers=org_a.admin)).json()
    assert [x["name"] for x in listed] == ["after hours", "Main line"]
    async with world.state.sessions() as session:
        flows = await load_flows(session, org_id=org_a.id)
    assert set(flows) == {str(x["id"]) for x in listed}
    from datetime import datetime

    now = datetime.fromisoformat(NOON_UTC)
    first = step(flows[str(f["id"])], None, Arrived(), now=now)
    then = step(flows[str(f["id"])], first.node_id, KeyPressed("1"), now=now)
    assert Enqueue(sales, 120.0) in then.actions
    r = await world.client.patch(
        url, json={"description": "Front door", "enabled": False}, headers=org_a.admin
    )
    assert r.status_code == 200, r.text
    assert (r.json()["description"], r.json()["enabled"], r.json()["version"]) == (
        "Front door", False, 2,
    )  # fmt: skip
    async with world.state.sessions() as session:
        assert str(f["id"]) not in await load_flows(session, org_id=org_a.id)
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204
    problem(await world.client.get(url, headers=org_a.admin), 404)


async def test_r_q_5_update_revalidates_and_checks_version(world: World, org_a: Org) -> None:
    """R-Q-5: a PATCHed graph is validated like a new one; a stale version answers 409."""
    sales = await queue(world, org_a)
    f = await make(world, org_a, "Main", graph(sales))
    url = f"{URL}/{f['id']}"
    bad = copy.deepcopy(graph(sales))
    node(bad, "sales_q")["on_timeout"] = None
    r = await world.client.patch(url, json={"graph": bad}, headers=org_a.admin)
    refused(r, ("/graph/nodes/sales_q/on_timeout", "dangling_edge"))
    assert (await world.client.get(url, headers=org_a.admin)).json() == f
    good = graph(sales)
    node(good, "sales_q")["wait_timeout_s"] = 60
    r = await world.client.patch(url, json={"graph": good, "version": 1}, headers=org_a.admin)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and node(r.json()["graph"], "sales_q")["wait_timeout_s"] == 60
    r = await world.client.patch(url, json={"name": "Late", "version": 1}, headers=org_a.admin)
    body = problem(r, 409)
    assert (body["field"], body["code"], body["rule"]) == ("version", "stale_version", "R-Q-5")
    r = await world.client.patch(url, json={"name": "Renamed"}, headers=org_a.admin)
    assert r.json()["graph"]["name"] == "Renamed" and r.json()["version"] == 3


async def test_r_q_5_name_unique_regardless_of_case(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-5: flow names are unique per organization regardless of case."""
    sales = await queue(world, org_a)
    await make(world, org_a, "Main", graph(sales))
    other = await make(world, org_a, "Other", graph(sales))
    r = await world.client.post(URL, json={"name": " MAIN", "graph": graph(sales)},
                                headers=org_a.admin)  # fmt: skip
    assert problem(r, 409)["field"] == "name"
    r = await world.client.patch(f"{URL}/{other['id']}", json={"name": "main"},
                                 headers=org_a.admin)  # fmt: skip
    assert problem(r, 409)["field"] == "name"
    await make(world, org_b, "main", graph(await queue(world, org_b)))


async def test_r_q_5_queue_in_a_flow_cannot_vanish(world: World, org_a: Org) -> None:
    """R-Q-5: deleting a queue a flow sends calls to is refused (409), not left dangling."""
    sales = await queue(world, org_a)
    spare = await queue(world, org_a, "Spare")
    await make(world, org_a, "Main", graph(sales))
    async with world.state.sessions() as session:
        try:
            await check_routing_references(session, org_id=org_a.id, queue_id=int(sales))
        except Conflict as exc:
            assert exc.rule == "R-Q-5" and "Main" in exc.detail
        else:
            raise AssertionError("a queue used by a flow may be deleted")
        await check_routing_references(session, org_id=org_a.id, queue_id=int(spare))


async def test_r_q_5_organizations_are_isolated(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-5: org B neither lists, reads, changes nor deletes org A's flows (404)."""
    f = await make(world, org_a, "Main", graph(await queue(world, org_a)))
    url = f"{URL}/{f['id']}"
    assert (await world.client.get(URL, headers=org_b.admin)).json() == []
    problem(await world.client.get(url, headers=org_b.admin), 404)
    problem(await world.client.patch(url, json={"name": "x"}, headers=org_b.admin), 404)
    problem(await world.client.delete(url, headers=org_b.admin), 404)
    async with world.state.sessions() as session:
        assert await load_flows(session, org_id=org_b.id) == {}
    assert (await world.client.get(url, headers=org_a.admin)).json() == f


async def test_r_p_2_agents_cannot_read_or_manage_flows(world: World, org_a: Org) -> None:
    """R-P-2: flows need the queue-settings permissions; supervisors read by default."""
    sales = await queue(world, org_a)
    f = await make(world, org_a, "Main", graph(sales))
    agent = await world.user(org_a, "agnes")
    problem(await world.client.get(URL, headers=agent), 403)
    problem(await world.client.get(f"{URL}/{f['id']}", headers=agent), 403)
    body = {"name": "Mine", "graph": graph(sales)}
    problem(await world.client.post(URL, json=body, headers=agent), 403)
    problem(await world.client.delete(f"{URL}/{f['id']}", headers=agent), 403)
    sup = await world.user(org_a, "sam", roles=["supervisor"])
    assert (await world.client.get(URL, headers=sup)).status_code == 200
    problem(await world.client.post(URL, json=body, headers=sup), 403)


async def test_r_q_5_concurrent_saves_of_one_version_cannot_both_win(
    world: World, org_a: Org
) -> None:
    """R-Q-5: two editors saving from the same version: the database lets only one through."""
    from guichet.actions import flows_config

    f = await make(world, org_a, "Main", graph(await queue(world, org_a)))
    sessions = world.state.sessions
    async with sessions() as first, sessions() as second:
        mine = await flows_config.get_flow(first, org_id=org_a.id, flow_id=f["id"])
        await first.commit()  # SQLite: one transaction at a time
        theirs = await flows_config.get_flow(second, org_id=org_a.id, flow_id=f["id"])
        await second.commit()
        await flows_config.do_update_flow(first, row=mine, changes={"description": "mine"})
        try:
            await flows_config.do_update_flow(second, row=theirs, changes={"description": "x"})
        except Conflict as exc:
            assert exc.code == "stale_version" and exc.rule == "R-Q-5"
        else:
            raise AssertionError("both saves of version 1 went through")
    r = await world.client.get(f"{URL}/{f['id']}", headers=org_a.admin)
    assert (r.json()["description"], r.json()["version"]) == ("mine", 2)


async def test_r_q_5_flow_naming_a_queue_gone_is_refused_on_save(world: World, org_a: Org) -> None:
    """R-Q-5: the queue API refuses to delete a routed queue, and every save checks again."""
    sales = await queue(world, org_a)
    f = await make(world, org_a, "Main", graph(sales))
    body = problem(await world.client.delete(f"/api/v1/queues/{sales}", headers=org_a.admin), 409)
    assert body["rule"] == "R-Q-5" and body["code"] == "in_use"
    # A queue removed behind the API's back (as by an older version) is still caught on save.
    async with world.state.sessions() as session:
        await session.execute(delete(Queue).where(Queue.id == int(sales)))
        await session.commit()
    r = await world.client.patch(f"{URL}/{f['id']}", json={"name": "Main 2"}, headers=org_a.admin)
    refused(r, ("/graph/nodes/sales_q/queue_id", "unknown_queue"))
    assert (await world.client.get(f"{URL}/{f['id']}", headers=org_a.admin)).json() == f
    # The dangling flow was made behind the API's back: remove it, so the invariant checker
    # run after the test (tests/live/invariants.py, references) sees only what the API wrote.
    assert (await world.client.delete(f"{URL}/{f['id']}", headers=org_a.admin)).status_code == 204
