"""Transfers by the target agent's state (R-W-5), to a queue or a skill."""

from __future__ import annotations

from typing import Any

from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, put, queue, skill


async def handled(world: LiveWorld, org: Org, web: int, headers: dict[str, str]) -> int:
    """A chat accepted by the agent of ``headers``; returns its id."""
    ix = await chat(world, org, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", headers, None)
    return int(ix["id"])


async def transfer(
    world: LiveWorld, iid: int, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    """POST a transfer; returns the response."""
    r = await world.client.post(f"/api/v1/interactions/{iid}/transfer", json=body, headers=headers)
    return {"status": r.status_code, "body": r.json()}


async def test_r_w_5_cold_transfer_lands_in_personal_queue(world: LiveWorld, org_a: Org) -> None:
    """R-W-5: to a paused agent: their personal queue, offered first when they come back."""
    web = await queue(world, org_a, "Web")
    ann = await agent(world, org_a, "ann", queues=[web])
    tom = await agent(world, org_a, "tom", queues=[web], available=False)
    tom_id = org_a.users["tom"]
    iid = await handled(world, org_a, web, ann)
    got = await transfer(world, iid, ann, to_agent_id=tom_id)
    assert got["status"] == 200, got
    ix = got["body"]
    assert (ix["status"], ix["personal_agent_id"], ix["agent_id"]) == ("waiting", tom_id, None)
    # Another chat waits too; the personal queue comes first (R-Q-8, R-W-5).
    await put(world, "/api/v1/agent/state", ann, {"state": "paused"})
    other = await chat(world, org_a, queue_id=web)
    await put(world, "/api/v1/agent/state", tom, {"state": "available"})
    snap = (await world.client.get(f"/api/v1/interactions/{iid}", headers=tom)).json()
    assert snap["status"] == "offered"
    mine = await post(world, f"/api/v1/agent/offers/{iid}/accept", tom, None)
    assert (mine["status"], mine["agent_id"]) == ("assigned", tom_id)
    me = (await world.client.get("/api/v1/agent", headers=tom)).json()
    assert me["state"] == "busy"
    still = (await world.client.get(f"/api/v1/interactions/{other['id']}", headers=tom)).json()
    assert still["status"] in ("offered", "waiting")


async def test_r_w_5_no_transfer_to_busy_or_wrap_up(world: LiveWorld, org_a: Org) -> None:
    """R-W-5: a target on an interaction or in wrap-up refuses every transfer (409 R-W-5)."""
    web = await queue(world, org_a, "Web", wrap_up_s=60)
    ann = await agent(world, org_a, "ann", queues=[web])
    iid = await handled(world, org_a, web, ann)
    await put(world, "/api/v1/agent/state", ann, {"state": "paused"})  # keeps her chat
    tom = await agent(world, org_a, "tom", queues=[web])
    tom_id = org_a.users["tom"]
    busy = await handled(world, org_a, web, tom)
    got = await transfer(world, iid, ann, to_agent_id=tom_id)
    assert (got["status"], got["body"]["rule"]) == (409, "R-W-5")
    await post(world, f"/api/v1/interactions/{busy}/end", tom, None)
    got = await transfer(world, iid, ann, to_agent_id=tom_id)
    assert (got["status"], got["body"]["rule"]) == (409, "R-W-5")


async def test_r_w_5_warm_transfer_needs_target_available(world: LiveWorld, org_a: Org) -> None:
    """R-W-5: consulted and unavailable: refused; consulted and available: offered to them."""
    web = await queue(world, org_a, "Web")
    ann = await agent(world, org_a, "ann", queues=[web])
    iid = await handled(world, org_a, web, ann)
    tom = await agent(world, org_a, "tom", queues=[web], available=False)
    tom_id = org_a.users["tom"]
    got = await transfer(world, iid, ann, to_agent_id=tom_id, consulted=True)
    assert (got["status"], got["body"]["rule"]) == (409, "R-W-5")
    await put(world, "/api/v1/agent/state", tom, {"state": "available"})
    got = await transfer(world, iid, ann, to_agent_id=tom_id, consulted=True)
    assert got["status"] == 200, got
    assert (got["body"]["status"], got["body"]["personal_agent_id"]) == ("offered", tom_id)
    mine = await post(world, f"/api/v1/agent/offers/{iid}/accept", tom, None)
    assert (mine["status"], mine["agent_id"]) == ("assigned", tom_id)
    me = (await world.client.get("/api/v1/agent", headers=tom)).json()
    assert me["state"] == "busy"


async def test_r_w_5_transfer_to_a_queue_or_a_skill(world: LiveWorld, org_a: Org) -> None:
    """R-W-5: to another queue, or to a skill of the same queue."""
    web = await queue(world, org_a, "Web")
    vip = await queue(world, org_a, "VIP")
    billing = await skill(world, org_a, "Billing")
    ann = await agent(world, org_a, "ann", queues=[web])
    iid = await handled(world, org_a, web, ann)
    got = await transfer(world, iid, ann, to_queue_id=vip)
    assert (got["body"]["status"], got["body"]["queue_id"]) == ("waiting", vip)
    await agent(world, org_a, "vic", queues=[vip], skills={billing: 3})
    got2 = (await world.client.get(f"/api/v1/interactions/{iid}", headers=org_a.admin)).json()
    assert got2["status"] == "offered"
    iid2 = await handled(world, org_a, web, ann)
    got = await transfer(world, iid2, ann, to_skill_id=billing)
    assert (got["body"]["queue_id"], got["body"]["skill_id"]) == (web, billing)


async def test_transfer_validates_targets(world: LiveWorld, org_a: Org) -> None:
    """Nothing named, ids of another organization, or a transfer of someone else's work."""
    web = await queue(world, org_a, "Web")
    ann = await agent(world, org_a, "ann", queues=[web])
    tom = await agent(world, org_a, "tom", queues=[web])
    iid = await handled(world, org_a, web, ann)
    got = await transfer(world, iid, ann)
    assert (got["status"], got["body"]["rule"]) == (422, "R-W-5")
    org_b = await world.org("bravo")
    got = await transfer(world, iid, ann, to_agent_id=org_b.admin_id)
    assert (got["status"], got["body"]["field"]) == (422, "to_agent_id")
    r = await world.client.post(
        f"/api/v1/interactions/{iid}/transfer", json={"to_queue_id": web}, headers=tom
    )
    problem(r, 404)  # ann's work: tom may not even see it (R-A-2)
