"""A queue's default skill reaches routing (issue 14): a chat that names no skill needs it.

R-SK-2: holders of the skill or of a descendant qualify; a chat that names its own skill keeps
it; changing the queue's skill applies to the next arrivals.
"""

from __future__ import annotations

from typing import Any

from tests.factories import Org
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, queue, skill


async def _status(world: LiveWorld, org: Org, iid: int) -> Any:
    r = await world.client.get(f"/api/v1/interactions/{iid}", headers=org.admin)
    assert r.status_code == 200, r.text
    return r.json()["status"]


async def test_queue_default_skill_routes_chats_without_one(world: LiveWorld, org_a: Org) -> None:
    """Only the agent holding (a child of) the queue's skill is offered a chat naming none
    (Billing does not overflow to other agents, R-SK-4)."""
    r = await world.client.post(
        "/api/v1/skills", json={"name": "Billing", "overflow_out": False}, headers=org_a.admin
    )
    assert r.status_code == 201, r.text
    billing = int(r.json()["id"])
    r = await world.client.post(
        "/api/v1/skills", json={"name": "Refunds", "parent_id": billing}, headers=org_a.admin
    )
    assert r.status_code == 201, r.text
    refunds = int(r.json()["id"])
    sales = await skill(world, org_a, "Sales")
    web = await queue(world, org_a, "Web", skill_id=billing)
    await agent(world, org_a, "sam", queues=[web], skills={sales: 3})
    first = await chat(world, org_a, queue_id=web)
    assert first["status"] == "waiting", first
    own = await chat(world, org_a, queue_id=web, skill_id=sales)
    assert own["status"] == "offered", own  # its own skill, which Sam holds
    await agent(world, org_a, "rita", queues=[web], skills={refunds: 2})
    assert await _status(world, org_a, first["id"]) == "offered"  # Refunds is under Billing
    # No default skill any more: the next chat goes to whoever is free.
    r = await world.client.patch(
        f"/api/v1/queues/{web}", json={"skill_id": None}, headers=org_a.admin
    )
    assert r.status_code == 200, r.text
    await agent(world, org_a, "pia", queues=[web])
    later = await chat(world, org_a, queue_id=web)
    assert later["status"] == "offered", later


async def test_the_default_holds_after_a_restart_and_stays_with_the_queue(
    world: LiveWorld, org_a: Org
) -> None:
    """Rebuilt from the database, a waiting chat still needs the queue's default skill; moved
    to a queue without one, it needs none."""
    from tests.live.test_recovery import restart

    r = await world.client.post(
        "/api/v1/skills", json={"name": "Billing", "overflow_out": False}, headers=org_a.admin
    )
    billing = int(r.json()["id"])
    web = await queue(world, org_a, "Web", skill_id=billing)
    other = await queue(world, org_a, "Other")
    sam = await agent(world, org_a, "sam", queues=[web, other], available=False)
    rita = await agent(world, org_a, "rita", queues=[web], skills={billing: 3}, available=False)
    first = await chat(world, org_a, queue_id=web)
    await restart(world)  # the chat waits for Billing, replayed from the database
    await world.tick(org_a)
    r = await world.client.put("/api/v1/agent/state", json={"state": "available"}, headers=sam)
    assert r.status_code == 200, r.text
    assert await _status(world, org_a, first["id"]) == "waiting"  # Sam holds no Billing
    r = await world.client.put("/api/v1/agent/state", json={"state": "available"}, headers=rita)
    assert r.status_code == 200, r.text
    assert await _status(world, org_a, first["id"]) == "offered"  # to Rita
    await post(world, f"/api/v1/agent/offers/{first['id']}/accept", rita, None)
    moved = await post(
        world,
        f"/api/v1/interactions/{first['id']}/transfer",
        rita,
        {"to_queue_id": other},
    )
    assert moved["status"] == "offered", moved  # to Sam: "Other" asks no skill
