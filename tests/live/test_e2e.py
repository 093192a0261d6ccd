"""End to end over HTTP: a chat routed by skill, offered, accepted, handled and wrapped up."""

from __future__ import annotations

from sqlalchemy import func, select

from guichet.persistence.models import Assignment, InteractionEvent, Offer
from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, put, queue, skill


async def test_r_sk_3_r_q_4_chat_routed_by_skill_to_the_right_agent_end_to_end(
    world: LiveWorld, org_a: Org
) -> None:
    """R-SK-3, R-Q-4, R-X-3, R-W-2, R-W-3, R-Q-7: the whole life of one chat."""
    billing = await skill(world, org_a, "Billing")
    sales = await skill(world, org_a, "Sales")
    web = await queue(world, org_a, "Web", wrap_up_s=30)
    bob = await agent(world, org_a, "bob", queues=[web], skills={sales: 5})
    alice = await agent(world, org_a, "alice", queues=[web], skills={billing: 4})
    alice_id = org_a.users["alice"]
    inbox = world.register(org_a, alice_id)
    tag = await post(world, "/api/v1/tags", org_a.admin, {"name": "refund"})
    disp = await post(world, "/api/v1/dispositions", org_a.admin, {"name": "Solved"})

    ix = await chat(
        world,
        org_a,
        queue_id=web,
        skill_id=billing,
        contact={"email": "Carol@example.com", "name": "Carol"},
        page_url="https://shop.example/invoice",
    )
    assert ix["status"] == "offered", ix
    iid = ix["id"]
    events = await world.events(inbox)
    offers = [e for e in events if e["type"] == "offer" and e["op"] == "add"]
    assert len(offers) == 1
    offer = offers[0]["offer"]
    assert offer["interaction_id"] == iid and offer["agent_id"] == alice_id
    assert offer["explanation"]["rule"] == "R-Q-4"
    assert offer["explanation"]["skill"] == str(billing)
    assert offer["explanation"]["candidates"][0]["agent_id"] == str(alice_id)

    r = await world.client.post(f"/api/v1/agent/offers/{iid}/accept", headers=bob)
    problem(r, 409)
    assert r.json()["rule"] == "R-Q-4"
    accepted = await post(world, f"/api/v1/agent/offers/{iid}/accept", alice, None)
    assert (accepted["id"], accepted["status"], accepted["agent_id"]) == (iid, "assigned", alice_id)
    me = (await world.client.get("/api/v1/agent", headers=alice)).json()
    assert me["state"] == "busy"
    got = (await world.client.get(f"/api/v1/interactions/{iid}", headers=alice)).json()
    assert (got["status"], got["agent_id"]) == ("assigned", alice_id)

    await post(
        world,
        f"/api/v1/interactions/{iid}/messages",
        org_a.admin,
        {"body": "My invoice is wrong", "sender": "contact"},
    )
    await post(world, f"/api/v1/interactions/{iid}/messages", alice, {"body": "Let me check"})
    transcript = (
        await world.client.get(f"/api/v1/interactions/{iid}/messages", headers=alice)
    ).json()
    assert [(m["sender"], m["body"]) for m in transcript] == [
        ("contact", "My invoice is wrong"),
        ("agent", "Let me check"),
    ]
    r = await world.client.post(
        f"/api/v1/interactions/{iid}/messages", json={"body": "hi"}, headers=bob
    )
    problem(r, 404)  # another agent's conversation: bob may not even see it (R-A-2)
    tagged = await put(world, f"/api/v1/interactions/{iid}/tags", alice, {"tag_ids": [tag["id"]]})
    assert tagged["tag_ids"] == [tag["id"]]
    r = await world.client.patch(
        f"/api/v1/interactions/{iid}/wrap-up",
        json={"disposition_id": disp["id"], "notes": "refund sent"},
        headers=alice,
    )
    assert r.status_code == 200, r.text
    ended = await post(world, f"/api/v1/interactions/{iid}/end", alice, None)
    assert ended["status"] == "ended" and ended["ended_at"]
    me = (await world.client.get("/api/v1/agent", headers=alice)).json()
    assert me["state"] == "wrap_up" and me["wrap_interaction_id"] == iid
    r = await world.client.patch(
        f"/api/v1/interactions/{iid}/wrap-up",
        json={"notes": "refund sent, mail follows"},
        headers=alice,
    )
    assert r.status_code == 200, r.text
    me = await post(world, "/api/v1/agent/wrap-up/end", alice, None)
    assert me["state"] == "available"

    kinds = [e["type"] for e in await world.events(inbox)]
    assert {"offer", "interaction", "agent", "message"} <= set(kinds)
    async with world.state.sessions() as s:
        log = list(
            await s.scalars(
                select(InteractionEvent.type)
                .where(InteractionEvent.interaction_id == iid)
                .order_by(InteractionEvent.id)
            )
        )
        for kind in (
            "interaction.offered",
            "interaction.arrived",
            "interaction.assigned",
            "offer.accepted",
            "agent.wrap_up_started",
            "interaction.ended",
        ):
            assert kind in log, (kind, log)
        agent_log = list(
            await s.scalars(
                select(InteractionEvent.type)
                .where(InteractionEvent.agent_id == alice_id)
                .order_by(InteractionEvent.id)
            )
        )
        assert "agent.wrap_up_ended" in agent_log and "agent.state_changed" in agent_log
        offered = await s.scalar(
            select(InteractionEvent.data).where(
                InteractionEvent.interaction_id == iid,
                InteractionEvent.type == "interaction.offered",
            )
        )
        assert offered is not None and offered["explanation"]["rule"] == "R-Q-4"
        n = await s.scalar(select(func.count()).select_from(Assignment).where(Assignment.active))
        assert n == 0
        statuses = list(await s.scalars(select(Offer.status).where(Offer.interaction_id == iid)))
        assert statuses == ["accepted"]


async def test_r_q_4_offer_timeout_reoffers_to_next_agent(world: LiveWorld, org_a: Org) -> None:
    """R-Q-4, R-X-10: an unanswered offer expires and goes to the next agent; late accept 409."""
    web = await queue(world, org_a, "Web", offer_timeout_s=10, strategy="top_down")
    first = await agent(world, org_a, "first", queues=[web])
    await agent(world, org_a, "second", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    iid = ix["id"]
    async with world.state.sessions() as s:
        offered = list(await s.scalars(select(Offer.agent_id).where(Offer.interaction_id == iid)))
    assert offered == [org_a.users["first"]]
    await world.tick(org_a, 11)
    r = await world.client.post(f"/api/v1/agent/offers/{iid}/accept", headers=first)
    assert problem(r, 409)["rule"] == "R-Q-4"
    async with world.state.sessions() as s:
        rows = list(
            await s.execute(
                select(Offer.agent_id, Offer.status)
                .where(Offer.interaction_id == iid)
                .order_by(Offer.id)
            )
        )
    assert [tuple(r) for r in rows] == [
        (org_a.users["first"], "expired"),
        (org_a.users["second"], "open"),
    ]


async def test_r_sk_4_overflow_after_delay_to_agent_without_the_skill(
    world: LiveWorld, org_a: Org
) -> None:
    """R-SK-4: after overflow_after_s an agent outside the skill may take it; it says why."""
    billing = await post(
        world, "/api/v1/skills", org_a.admin, {"name": "Billing", "overflow_after_s": 30}
    )
    web = await queue(world, org_a, "Web")
    ann = await agent(world, org_a, "ann", queues=[web])
    inbox = world.register(org_a, org_a.users["ann"])
    ix = await chat(world, org_a, queue_id=web, skill_id=billing["id"])
    assert ix["status"] == "waiting"
    await world.tick(org_a, 29)
    got = (await world.client.get(f"/api/v1/interactions/{ix['id']}", headers=org_a.admin)).json()
    assert got["status"] == "waiting"
    await world.tick(org_a, 2)
    got = (await world.client.get(f"/api/v1/interactions/{ix['id']}", headers=org_a.admin)).json()
    assert (got["status"], got["overflow"]) == ("offered", True)
    offer = next(e for e in await world.events(inbox) if e["type"] == "offer")["offer"]
    assert offer["explanation"]["rule"] == "R-SK-4" and offer["explanation"]["overflow"]
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", ann, None)
    async with world.state.sessions() as s:
        kinds = list(
            await s.scalars(
                select(InteractionEvent.type).where(InteractionEvent.interaction_id == ix["id"])
            )
        )
    assert "interaction.overflowed" in kinds
