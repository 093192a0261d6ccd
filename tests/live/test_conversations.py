"""Messaging pause (R-W-6) and queue callback acceptance (R-Q-6)."""

from __future__ import annotations

from sqlalchemy import select

from guichet.persistence.models import InteractionEvent, Offer
from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, phone_flow, post, queue


async def test_r_w_6_paused_conversation_frees_capacity_and_comes_back(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-6: pausing frees the slot; the contact writing again brings it back to the agent."""
    web = await queue(world, org_a, "Msg", channel_types=["messaging"])
    ann = await agent(world, org_a, "ann", queues=[web])
    r = await world.client.patch(
        f"/api/v1/users/{org_a.users['ann']}",
        json={"capacity": {"messaging": 1}},
        headers=org_a.admin,
    )
    assert r.status_code == 200, r.text
    first = await chat(world, org_a, queue_id=web, channel="messaging")
    await post(world, f"/api/v1/agent/offers/{first['id']}/accept", ann, None)
    second = await chat(world, org_a, queue_id=web, channel="messaging")
    assert second["status"] == "waiting"  # capacity 1 is taken
    paused = await post(world, f"/api/v1/interactions/{first['id']}/pause", ann, None)
    assert paused["status"] == "paused"
    got = (await world.client.get(f"/api/v1/interactions/{second['id']}", headers=ann)).json()
    assert got["status"] == "offered"
    await post(world, f"/api/v1/agent/offers/{second['id']}/accept", ann, None)
    await post(
        world,
        f"/api/v1/interactions/{first['id']}/messages",
        org_a.admin,
        {"body": "Any news?", "sender": "contact"},
    )
    back = (await world.client.get(f"/api/v1/interactions/{first['id']}", headers=ann)).json()
    assert (back["status"], back["personal_agent_id"]) == ("waiting", org_a.users["ann"])
    await post(world, f"/api/v1/interactions/{second['id']}/end", ann, None)
    await world.tick(org_a, 31)  # wrap-up of the default 30 s
    back = (await world.client.get(f"/api/v1/interactions/{first['id']}", headers=ann)).json()
    assert back["status"] == "offered"


async def test_r_w_6_only_messaging_can_be_paused(world: LiveWorld, org_a: Org) -> None:
    """R-W-6: a live chat cannot be put on hold (409 R-W-6)."""
    web = await queue(world, org_a, "Web")
    ann = await agent(world, org_a, "ann", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", ann, None)
    r = await world.client.post(f"/api/v1/interactions/{ix['id']}/pause", headers=ann)
    assert problem(r, 409)["rule"] == "R-W-6"


async def test_r_q_6_callback_accepted_keeps_place_and_goes_out(
    world: LiveWorld, org_a: Org
) -> None:
    """R-Q-6: offered after the threshold, `#` keeps the place; its turn is an outbound offer."""
    calls = await queue(
        world,
        org_a,
        "Calls",
        kind="call",
        channel_types=["voice"],
        callback_enabled=True,
        callback_threshold={"value": 10, "unit": "seconds"},
        callback_caller_id="+33 1 23 45 67 89",
        callback_number_types=["mobile", "landline"],
    )
    first = await chat(world, org_a, queue_id=calls, channel="voice", caller_id="+33612345678")
    assert first["status"] == "waiting" and not first["callback_offered"]
    r = await world.client.post(
        f"/api/v1/interactions/{first['id']}/keys", json={"key": "#"}, headers=org_a.admin
    )
    problem(r, 409)  # no callback was offered: `#` changes nothing
    await world.tick(org_a, 30)
    # The queue's average wait (30 s, the first call) is above the 10 s threshold.
    ix = await chat(world, org_a, queue_id=calls, channel="voice", caller_id="+33698765432")
    assert ix["callback_offered"]
    got = await post(world, f"/api/v1/interactions/{ix['id']}/keys", org_a.admin, {"key": "#"})
    assert (got["status"], got["callback"]) == ("callback", True)
    # The caller hangs up: the accepted callback keeps its place.
    got = await post(world, f"/api/v1/interactions/{ix['id']}/end", org_a.admin, None)
    assert got["status"] == "callback"
    await post(world, f"/api/v1/interactions/{first['id']}/end", org_a.admin, None)
    ann = await agent(world, org_a, "ann", queues=[calls])
    del ann
    async with world.state.sessions() as s:
        offer = await s.scalar(select(Offer).where(Offer.interaction_id == ix["id"]))
    assert offer is not None and offer.outbound and offer.status == "open"


async def test_r_q_5_flow_entry_queue_node_exit_and_timeout(world: LiveWorld, org_a: Org) -> None:
    """R-Q-5: a call enters its flow, waits at the queue node, leaves by `*` or the timeout."""
    calls = await queue(world, org_a, "Calls", kind="call", channel_types=["voice"])
    flow = await phone_flow(world, org_a, calls, 60)
    first = await chat(world, org_a, channel="voice", flow_id=flow["id"], caller_id="+33612345678")
    assert (first["status"], first["queue_id"]) == ("waiting", calls)
    left = await post(world, f"/api/v1/interactions/{first['id']}/keys", org_a.admin, {"key": "*"})
    assert left["status"] in ("ended", "abandoned")
    second = await chat(world, org_a, channel="voice", flow_id=flow["id"])
    await world.tick(org_a, 61)
    got = (
        await world.client.get(f"/api/v1/interactions/{second['id']}", headers=org_a.admin)
    ).json()
    assert got["status"] in ("ended", "abandoned")
    async with world.state.sessions() as s:
        kinds = list(
            await s.scalars(
                select(InteractionEvent.type).where(InteractionEvent.interaction_id == second["id"])
            )
        )
    assert kinds.count("interaction.flow_moved") >= 2
