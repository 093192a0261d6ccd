"""Supervisor live view (R-S-1) and actions (R-S-2)."""

from __future__ import annotations

from typing import Any

from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, put, queue


async def supervise(world: LiveWorld, org: Org, name: str, queues: list[int]) -> dict[str, str]:
    """A supervisor of ``queues``; returns auth headers."""
    headers = await world.user(org, name, roles=["supervisor"])
    for qid in queues:
        members = (
            await world.client.get(f"/api/v1/queues/{qid}/members", headers=org.admin)
        ).json()
        body = {
            "agents": members["agents"],
            "supervisors": [*members["supervisors"], org.users[name]],
        }
        await put(world, f"/api/v1/queues/{qid}/members", org.admin, body)
    return headers


async def live(world: LiveWorld, headers: dict[str, str]) -> dict[str, Any]:
    """The live view as ``headers`` sees it."""
    r = await world.client.get("/api/v1/supervision/live", headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_r_s_1_live_view_of_supervised_queues(world: LiveWorld, org_a: Org) -> None:
    """R-S-1: waiting list in order, longest wait, service level today, agents and their work."""
    web = await queue(world, org_a, "Web")
    other = await queue(world, org_a, "Other")
    sam = await supervise(world, org_a, "sam", [web])
    first = await chat(world, org_a, queue_id=web)
    await world.tick(org_a, 30)
    second = await chat(world, org_a, queue_id=web)
    await chat(world, org_a, queue_id=other)
    view = await live(world, sam)
    assert [q["id"] for q in view["queues"]] == [web]
    q = view["queues"][0]
    assert [w["id"] for w in q["waiting"]] == [first["id"], second["id"]]
    assert (q["waiting_count"], q["callbacks"], q["longest_wait_s"]) == (2, 0, 30.0)
    assert (q["offered_today"], q["answered_today"], q["service_level"]) == (2, 0, 0.0)
    assert q["average_wait_15m_s"] is None  # nothing answered or abandoned yet (R-Q-6)
    bob = await agent(world, org_a, "bob", queues=[web])
    await post(world, f"/api/v1/agent/offers/{first['id']}/accept", bob, None)
    view = await live(world, sam)
    q = view["queues"][0]
    assert q["answered_today"] == 1 and q["service_level"] == 0.0  # answered after 30 s > 20 s
    assert q["average_wait_15m_s"] == 30.0  # the one answered in the window waited 30 s
    (row,) = view["agents"]
    assert row["user_id"] == org_a.users["bob"] and row["current_work"] == [first["id"]]
    assert row["state"] == "busy" and row["time_in_state_s"] >= 0
    admin_view = await live(world, org_a.admin)
    assert [q["id"] for q in admin_view["queues"]] == [web, other]


async def test_r_s_2_supervisor_ends_wrap_up_even_when_agents_may_not(
    world: LiveWorld, org_a: Org
) -> None:
    """R-Q-7, R-S-2: supervisors can always end an agent's wrap-up."""
    web = await queue(world, org_a, "Web", wrap_up_s=120, agents_may_end_wrap_up=False)
    sam = await supervise(world, org_a, "sam", [web])
    bob = await agent(world, org_a, "bob", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", bob, None)
    await post(world, f"/api/v1/interactions/{ix['id']}/end", bob, None)
    bob_id = org_a.users["bob"]
    got = await post(world, f"/api/v1/supervision/agents/{bob_id}/wrap-up/end", sam, None)
    assert got["state"] == "available"
    r = await world.client.post(f"/api/v1/supervision/agents/{bob_id}/wrap-up/end", headers=sam)
    assert problem(r, 409)["rule"] == "R-Q-7"


async def test_r_s_2_supervisor_changes_state_and_queues(world: LiveWorld, org_a: Org) -> None:
    """R-S-2, R-P-4: change an agent's state; log them in to a queue they are not assigned to."""
    web = await queue(world, org_a, "Web")
    vip = await queue(world, org_a, "VIP")
    sam = await supervise(world, org_a, "sam", [web, vip])
    await agent(world, org_a, "bob", queues=[web], available=False)
    bob_id = org_a.users["bob"]
    got = await put(
        world, f"/api/v1/supervision/agents/{bob_id}/state", sam, {"state": "available"}
    )
    assert got["state"] == "available"
    got = await put(world, f"/api/v1/supervision/agents/{bob_id}/queues", sam, {"queue_ids": [vip]})
    assert got["queue_ids"] == [vip]
    ix = await chat(world, org_a, queue_id=vip)
    assert ix["status"] == "offered"


async def test_r_s_2_join_a_conversation(world: LiveWorld, org_a: Org) -> None:
    """R-S-2: the supervisor joins; the transcript shows it; they may then write."""
    web = await queue(world, org_a, "Web")
    sam = await supervise(world, org_a, "sam", [web])
    bob = await agent(world, org_a, "bob", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    r = await world.client.post(f"/api/v1/supervision/interactions/{ix['id']}/join", headers=sam)
    problem(r, 403)  # not yet handled by an agent
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", bob, None)
    joined = await post(world, f"/api/v1/supervision/interactions/{ix['id']}/join", sam, None)
    assert joined["sender"] == "system" and "joined" in joined["body"]
    await post(world, f"/api/v1/interactions/{ix['id']}/messages", sam, {"body": "Hi from Sam"})
    r = await world.client.get(f"/api/v1/interactions/{ix['id']}/messages", headers=bob)
    assert [m["sender"] for m in r.json()] == ["system", "agent"]


async def test_supervision_is_for_supervisors_of_the_agent(world: LiveWorld, org_a: Org) -> None:
    """Agents get 403; a supervisor of other queues does not see the agent (404)."""
    web = await queue(world, org_a, "Web")
    other = await queue(world, org_a, "Other")
    await supervise(world, org_a, "sam", [other])
    sam = await world.login(f"sam@{org_a.slug}.test")
    bob = await agent(world, org_a, "bob", queues=[web])
    bob_id = org_a.users["bob"]
    problem(await world.client.get("/api/v1/supervision/live", headers=bob), 403)
    r = await world.client.put(
        f"/api/v1/supervision/agents/{bob_id}/state", json={"state": "offline"}, headers=bob
    )
    problem(r, 403)
    r = await world.client.put(
        f"/api/v1/supervision/agents/{bob_id}/state", json={"state": "offline"}, headers=sam
    )
    problem(r, 404)
    org_b = await world.org("bravo")
    r = await world.client.put(
        f"/api/v1/supervision/agents/{bob_id}/state", json={"state": "offline"}, headers=org_b.admin
    )
    problem(r, 404)
    assert (await live(world, org_b.admin))["agents"] == []
