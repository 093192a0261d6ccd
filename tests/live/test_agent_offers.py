"""`GET /agent/offers` and the answer of accept (issue 12 finding 10; R-Q-4, R-X-3)."""

from __future__ import annotations

from guichet.domain.times import iso_t
from tests.factories import Org
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, queue


async def test_r_q_4_an_agent_lists_her_open_offers_over_http(world: LiveWorld, org_a: Org) -> None:
    """R-Q-4, R-X-3: only the caller's open, unexpired offers, with the interaction summary,
    the expiry and the explanation."""
    web = await queue(world, org_a, "Web", offer_timeout_s=10)
    alice = await agent(world, org_a, "alice", queues=[web])
    bob = await agent(world, org_a, "bob", queues=[web], available=False)
    alice_id = org_a.users["alice"]
    offered_at = world.clock()
    ix = await chat(world, org_a, queue_id=web, contact={"name": "Zoé"}, language="fr")
    assert ix["status"] == "offered"

    r = await world.client.get("/api/v1/agent/offers", headers=alice)
    assert r.status_code == 200, r.text
    [offer] = r.json()
    assert offer["interaction_id"] == ix["id"]
    assert offer["expires_at"] == iso_t(offered_at + 10)
    assert offer["explanation"]["rule"] == "R-Q-4"
    assert offer["explanation"]["candidates"][0]["agent_id"] == str(alice_id)
    summary = offer["interaction"]
    assert (summary["id"], summary["channel"], summary["queue_id"]) == (ix["id"], "chat", web)
    assert summary["context"]["language"] == "fr"
    assert "agent_id" not in offer  # the caller's own, by construction

    assert (await world.client.get("/api/v1/agent/offers", headers=bob)).json() == []
    assert (await world.client.get("/api/v1/agent/offers", headers=org_a.admin)).json() == []

    # Past its expiry an offer is no longer listed, even before the loop reclaims it.
    world.clock.advance(10)
    assert (await world.client.get("/api/v1/agent/offers", headers=alice)).json() == []


async def test_r_q_4_accepting_an_offer_answers_the_interaction(
    world: LiveWorld, org_a: Org
) -> None:
    """R-Q-4: accept answers the interaction, now assigned to the caller."""
    web = await queue(world, org_a, "Web")
    alice = await agent(world, org_a, "alice", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    [offer] = (await world.client.get("/api/v1/agent/offers", headers=alice)).json()

    got = await post(world, f"/api/v1/agent/offers/{offer['interaction_id']}/accept", alice, None)
    assert (got["id"], got["status"], got["agent_id"]) == (
        ix["id"],
        "assigned",
        org_a.users["alice"],
    )
    read = (await world.client.get(f"/api/v1/interactions/{ix['id']}", headers=alice)).json()
    read.pop("evaluations")
    assert got == read
    assert (await world.client.get("/api/v1/agent/offers", headers=alice)).json() == []
    me = (await world.client.get("/api/v1/agent", headers=alice)).json()
    assert me["state"] == "busy"


async def test_the_offer_list_is_typed_in_the_openapi_document(world: LiveWorld) -> None:
    doc = (await world.client.get("/api/openapi.json")).json()
    answer = doc["paths"]["/api/v1/agent/offers"]["get"]["responses"]["200"]
    schema = answer["content"]["application/json"]["schema"]
    assert schema["type"] == "array"
    ref = schema["items"]["$ref"].rsplit("/", 1)[-1]
    fields = doc["components"]["schemas"][ref]["properties"]
    assert {"interaction", "expires_at", "explanation"} <= set(fields)
    assert fields["expires_at"] == {"type": "string", "format": "date-time", "title": "Expires At"}
