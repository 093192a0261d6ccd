"""Agent state (R-W-1, R-Q-9), queue login (R-Q-12, R-P-4) and wrap-up rules (R-Q-7, R-W-3)."""

from __future__ import annotations

from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, grant_role, post, put, queue


async def test_r_q_9_pause_needs_an_enabled_reason(world: LiveWorld, org_a: Org) -> None:
    """R-Q-9: with reasons enabled a pause names one; disabled or missing reasons are refused."""
    web = await queue(world, org_a, "Web")
    bob = await agent(world, org_a, "bob", queues=[web])
    lunch = await post(world, "/api/v1/pause-reasons", org_a.admin, {"name": "Lunch"})
    off = await post(world, "/api/v1/pause-reasons", org_a.admin, {"name": "Off", "enabled": False})
    menu = (await world.client.get("/api/v1/agent/state-menu", headers=bob)).json()
    assert menu["mode"] == "reasons" and [r["name"] for r in menu["reasons"]] == ["Lunch"]
    for reason, status in ((None, 422), (off["id"], 422)):
        body = {"state": "paused", "pause_reason_id": reason}
        r = await world.client.put("/api/v1/agent/state", json=body, headers=bob)
        assert problem(r, status)["rule"] == "R-Q-9"
    me = await put(
        world, "/api/v1/agent/state", bob, {"state": "paused", "pause_reason_id": lunch["id"]}
    )
    assert (me["state"], me["reason"]) == ("paused", "Lunch")


async def test_r_q_9_all_reasons_disabled_gives_ready_and_pause_all(
    world: LiveWorld, org_a: Org
) -> None:
    """R-Q-9: when every reason is disabled the agent pauses all queues without a reason."""
    web = await queue(world, org_a, "Web")
    bob = await agent(world, org_a, "bob", queues=[web])
    menu = (await world.client.get("/api/v1/agent/state-menu", headers=bob)).json()
    assert menu == {"mode": "ready_pause_all", "reasons": []}
    me = await put(world, "/api/v1/agent/state", bob, {"state": "paused"})
    assert (me["state"], me["reason"]) == ("paused", None)
    ix = await chat(world, org_a, queue_id=web)
    assert ix["status"] == "waiting"
    me = await put(world, "/api/v1/agent/state", bob, {"state": "available"})
    assert me["state"] == "busy"


async def test_r_q_12_r_p_4_queue_login_limited_to_assigned_queues(
    world: LiveWorld, org_a: Org
) -> None:
    """R-Q-12, R-P-4: log in to assigned queues; others only when the switch allows it."""
    web = await queue(world, org_a, "Web")
    vip = await queue(world, org_a, "VIP")
    bob = await agent(world, org_a, "bob", queues=[web])
    r = await world.client.put("/api/v1/agent/queues", json={"queue_ids": [web, vip]}, headers=bob)
    assert problem(r, 403)["rule"] == "R-P-4"
    r = await world.client.patch(
        "/api/v1/contact-center/permissions",
        json={"organization": {"allow_unassigned_queue_login": True}},
        headers=org_a.admin,
    )
    assert r.status_code == 200, r.text
    me = await put(world, "/api/v1/agent/queues", bob, {"queue_ids": [web, vip]})
    assert me["queue_ids"] == sorted([web, vip])
    ix = await chat(world, org_a, queue_id=vip)
    assert (ix["status"], ix["agent_id"]) == ("offered", None)
    r = await world.client.patch(
        "/api/v1/contact-center/permissions",
        json={"organization": {"allow_unassigned_queue_login": False}},
        headers=org_a.admin,
    )
    assert r.status_code == 200, r.text
    # Logged in while it was allowed: the queue is kept when the switch is turned off.
    me = await put(world, "/api/v1/agent/queues", bob, {"queue_ids": [vip]})
    assert me["queue_ids"] == [vip]


async def test_r_q_12_logged_out_agent_gets_nothing(world: LiveWorld, org_a: Org) -> None:
    """R-Q-12: an agent logged out of every queue is offered nothing."""
    web = await queue(world, org_a, "Web")
    bob = await agent(world, org_a, "bob", queues=[web])
    await put(world, "/api/v1/agent/queues", bob, {"queue_ids": []})
    ix = await chat(world, org_a, queue_id=web)
    assert ix["status"] == "waiting"
    await put(world, "/api/v1/agent/queues", bob, {"queue_ids": [web]})
    got = (await world.client.get(f"/api/v1/interactions/{ix['id']}", headers=bob)).json()
    assert got["status"] == "offered"


async def test_r_q_7_agents_may_not_end_wrap_up_when_queue_forbids(
    world: LiveWorld, org_a: Org
) -> None:
    """R-Q-7: the switch off, an agent's own end of wrap-up is 403 R-Q-7; the timer ends it."""
    web = await queue(world, org_a, "Web", wrap_up_s=60, agents_may_end_wrap_up=False)
    bob = await agent(world, org_a, "bob", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", bob, None)
    await post(world, f"/api/v1/interactions/{ix['id']}/end", bob, None)
    r = await world.client.post("/api/v1/agent/wrap-up/end", headers=bob)
    assert problem(r, 403)["rule"] == "R-Q-7"
    await world.tick(org_a, 61)
    me = (await world.client.get("/api/v1/agent", headers=bob)).json()
    assert me["state"] == "available" and me["wrap_up_until"] is None


async def test_r_w_3_required_disposition_before_ending_wrap_up(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-3: a queue requiring a disposition keeps the agent in wrap-up until one is set."""
    web = await queue(world, org_a, "Web", wrap_up_s=60, require_disposition=True)
    bob = await agent(world, org_a, "bob", queues=[web])
    await grant_role(world, org_a, "bob")  # R-A-2: reads the history of what he handled
    solved = await post(world, "/api/v1/dispositions", org_a.admin, {"name": "Solved"})
    ix = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", bob, None)
    await post(world, f"/api/v1/interactions/{ix['id']}/end", bob, None)
    r = await world.client.post("/api/v1/agent/wrap-up/end", headers=bob)
    assert problem(r, 409)["rule"] == "R-W-3"
    r = await world.client.patch(
        f"/api/v1/interactions/{ix['id']}/wrap-up",
        json={"disposition_id": solved["id"]},
        headers=bob,
    )
    assert r.status_code == 200, r.text
    me = await post(world, "/api/v1/agent/wrap-up/end", bob, None)
    assert me["state"] == "available"
    got = (await world.client.get(f"/api/v1/interactions/{ix['id']}", headers=bob)).json()
    assert got["closed"] and got["disposition_id"] == solved["id"]
    # Wrap-up over: the notes are read-only for the agent (R-W-3).
    r = await world.client.patch(
        f"/api/v1/interactions/{ix['id']}/wrap-up", json={"notes": "late"}, headers=bob
    )
    problem(r, 403)


async def test_r_q_4_reject_goes_to_next_agent(world: LiveWorld, org_a: Org) -> None:
    """R-Q-4: a rejected offer goes to the next agent; the rejecting agent is not re-offered."""
    web = await queue(world, org_a, "Web", strategy="top_down")
    first = await agent(world, org_a, "first", queues=[web])
    second = await agent(world, org_a, "second", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/reject", first, None)
    mine = await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", second, None)
    assert (mine["status"], mine["agent_id"]) == ("assigned", org_a.users["second"])
    me = (await world.client.get("/api/v1/agent", headers=second)).json()
    assert me["state"] == "busy"
    got = (await world.client.get(f"/api/v1/interactions/{ix['id']}", headers=org_a.admin)).json()
    assert got["agent_id"] == org_a.users["second"]
    # Its offer closed, the first agent no longer sees it (R-A-2: no history right).
    r = await world.client.get(f"/api/v1/interactions/{ix['id']}", headers=first)
    problem(r, 404)


async def test_r_q_4_auto_pause_after_max_no_answer(world: LiveWorld, org_a: Org) -> None:
    """R-Q-4: an agent who lets max_no_answer offers expire in a row is paused by the system."""
    web = await queue(world, org_a, "Web", offer_timeout_s=5, max_no_answer=2)
    bob = await agent(world, org_a, "bob", queues=[web])
    await chat(world, org_a, queue_id=web)
    await world.tick(org_a, 6)
    me = (await world.client.get("/api/v1/agent", headers=bob)).json()
    # One expiry: still available, and not offered the same interaction again.
    assert me["state"] == "available"
    await chat(world, org_a, queue_id=web)
    await world.tick(org_a, 6)
    me = (await world.client.get("/api/v1/agent", headers=bob)).json()
    assert (me["state"], me["reason"]) == ("paused", "system:no_answer")


async def test_only_agents_take_work(world: LiveWorld, org_a: Org) -> None:
    """A supervisor without the agent role cannot become available (403)."""
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    r = await world.client.put("/api/v1/agent/state", json={"state": "available"}, headers=sam)
    problem(r, 403)
