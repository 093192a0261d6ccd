"""Issue 12 findings 1 and 2: configuration that live work points to cannot vanish from under it.

Deleting a queue, skill or flow that interactions wait in, are offered or handled from is a 409
naming the rule (R-Q-1, R-SK-1, R-Q-5), and so is deactivating a user who holds work (R-P-1);
nothing changes and routing goes on. Once a delete is allowed, no stale reference survives it:
agents are logged out of the deleted queue (R-Q-12) and ids are never reused (SQLite
AUTOINCREMENT), so a new queue cannot inherit an old queue's interactions or log-ins.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from guichet.persistence.models import AgentPresence, Interaction
from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, phone_flow, post, queue, skill


async def _status(world: LiveWorld, iid: int) -> str:
    async with world.state.sessions() as s:
        row = await s.get(Interaction, iid)
        assert row is not None
        return row.status


async def _refused(world: LiveWorld, org: Org, url: str, rule: str) -> dict[str, Any]:
    r = await world.client.delete(url, headers=org.admin)
    body = problem(r, 409)
    assert (body["rule"], body["code"]) == (rule, "live_work"), body
    return body


async def test_queue_with_waiting_offered_or_assigned_work_is_not_deleted(
    world: LiveWorld, org_a: Org
) -> None:
    web = await queue(world, org_a, "Web", wrap_up_s=0)
    other = await queue(world, org_a, "Other", wrap_up_s=0)
    ann = await agent(world, org_a, "ann", queues=[web, other])
    r = await world.client.patch(
        f"/api/v1/users/{org_a.users['ann']}", json={"capacity": {"chat": 1}}, headers=org_a.admin
    )
    assert r.status_code == 200, r.text
    offered = await chat(world, org_a, queue_id=web)
    assert offered["status"] == "offered"
    body = await _refused(world, org_a, f"/api/v1/queues/{web}", "R-Q-1")
    assert "1 offered" in body["detail"]
    await post(world, f"/api/v1/agent/offers/{offered['id']}/accept", ann, None)
    waiting = await chat(world, org_a, queue_id=web)
    assert waiting["status"] == "waiting"
    body = await _refused(world, org_a, f"/api/v1/queues/{web}", "R-Q-1")
    assert "1 handled by an agent" in body["detail"] and "1 waiting" in body["detail"]
    # Nothing changed: the queue is there, its work keeps its place and routing goes on.
    assert (await world.client.get(f"/api/v1/queues/{web}", headers=org_a.admin)).status_code == 200
    await post(world, f"/api/v1/interactions/{offered['id']}/end", ann, None)
    assert await _status(world, waiting["id"]) == "offered"
    await post(world, f"/api/v1/agent/offers/{waiting['id']}/accept", ann, None)
    await post(world, f"/api/v1/interactions/{waiting['id']}/end", ann, None)
    # Once the work is gone the queue may go, and the agent is logged out of it (R-Q-12).
    r = await world.client.delete(f"/api/v1/queues/{web}", headers=org_a.admin)
    assert r.status_code == 204, r.text
    async with world.state.sessions() as s:
        presence = await s.get(AgentPresence, org_a.users["ann"])
        assert presence is not None
        assert [int(q) for q in presence.queue_ids] == [other]
    # The loop survived: a chat in the other queue is offered at once.
    assert (await chat(world, org_a, queue_id=other))["status"] == "offered"


async def test_deleted_queue_id_is_never_reused_and_no_login_carries_over(
    world: LiveWorld, org_a: Org
) -> None:
    """Finding 2: a new queue gets a new id; an agent of the old queue is not offered its chats."""
    old = await queue(world, org_a, "Old")
    await agent(world, org_a, "ann", queues=[old])
    r = await world.client.delete(f"/api/v1/queues/{old}", headers=org_a.admin)
    assert r.status_code == 204, r.text
    new = await queue(world, org_a, "New")
    assert new > old
    await world.user(org_a, "sam", roles=("supervisor",))
    got = (await world.client.get(f"/api/v1/queues/{new}/members", headers=org_a.admin)).json()
    assert got["agents"] == []
    ix = await chat(world, org_a, queue_id=new)
    assert ix["status"] == "waiting"  # ann never joined the new queue: nothing offered to her
    async with world.state.sessions() as s:
        presence = await s.get(AgentPresence, org_a.users["ann"])
        assert presence is not None and presence.queue_ids == []


async def test_skill_with_live_work_is_not_deleted(world: LiveWorld, org_a: Org) -> None:
    web = await queue(world, org_a, "Web")
    wine = await skill(world, org_a, "Wine")
    ix = await chat(world, org_a, queue_id=web, skill_id=wine)
    assert ix["status"] == "waiting"
    await _refused(world, org_a, f"/api/v1/skills/{wine}", "R-SK-1")
    await post(world, f"/api/v1/interactions/{ix['id']}/end", org_a.admin, None)
    r = await world.client.delete(f"/api/v1/skills/{wine}", headers=org_a.admin)
    assert r.status_code == 204, r.text


async def test_flow_with_live_work_is_not_deleted(world: LiveWorld, org_a: Org) -> None:
    calls = await queue(world, org_a, "Calls", kind="call", channel_types=["voice"])
    flow = await phone_flow(world, org_a, calls, 600)
    ix = await chat(world, org_a, channel="voice", flow_id=flow["id"])
    assert ix["status"] == "waiting"
    await _refused(world, org_a, f"/api/v1/flows/{flow['id']}", "R-Q-5")
    await post(world, f"/api/v1/interactions/{ix['id']}/end", org_a.admin, None)
    r = await world.client.delete(f"/api/v1/flows/{flow['id']}", headers=org_a.admin)
    assert r.status_code == 204, r.text


async def test_user_holding_work_is_not_deactivated(world: LiveWorld, org_a: Org) -> None:
    web = await queue(world, org_a, "Web", wrap_up_s=0)
    ann = await agent(world, org_a, "ann", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    assert ix["status"] == "offered"
    url = f"/api/v1/users/{org_a.users['ann']}"
    await _refused(world, org_a, url, "R-P-1")
    r = await world.client.patch(url, json={"is_active": False}, headers=org_a.admin)
    assert problem(r, 409)["rule"] == "R-P-1"
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", ann, None)
    await _refused(world, org_a, url, "R-P-1")
    await post(world, f"/api/v1/interactions/{ix['id']}/end", ann, None)
    r = await world.client.delete(url, headers=org_a.admin)
    assert r.status_code == 204, r.text
    async with world.state.sessions() as s:
        assert (await s.scalar(select(Interaction.status).where(Interaction.id == ix["id"]))) in (
            "ended",
        )
