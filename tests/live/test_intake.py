"""Intake: idempotency, contact matching, ids checked in the organization, unrouted kept."""

from __future__ import annotations

from sqlalchemy import func, select

from guichet.persistence.models import Contact, Interaction, InteractionEvent
from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, queue

URL = "/api/v1/interactions"


async def test_idempotency_key_replays_the_first_answer(world: LiveWorld, org_a: Org) -> None:
    """Same key and body: the first answer with 200; another body under the key: 409."""
    web = await queue(world, org_a, "Web")
    body = {"channel": "chat", "queue_id": web, "language": "fr"}
    headers = {**org_a.admin, "Idempotency-Key": "k-1"}
    first = await world.client.post(URL, json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await world.client.post(URL, json=body, headers=headers)
    assert again.status_code == 200 and again.json() == first.json()
    other = await world.client.post(URL, json={**body, "language": "de"}, headers=headers)
    assert problem(other, 409)["field"] == "Idempotency-Key"
    async with world.state.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Interaction)) == 1


async def test_contact_matched_by_email_phone_or_external_id(world: LiveWorld, org_a: Org) -> None:
    """The contact record is created once and matched again within the organization."""
    web = await queue(world, org_a, "Web")
    a = await chat(world, org_a, queue_id=web, contact={"email": "Zoe@Example.com"})
    b = await chat(world, org_a, queue_id=web, contact={"email": "zoe@example.com"})
    c = await chat(world, org_a, queue_id=web, contact={"phone": "+33612345678"})
    d = await chat(world, org_a, queue_id=web, contact={"phone": "+33612345678", "name": "Z"})
    assert a["contact_id"] == b["contact_id"] and c["contact_id"] == d["contact_id"]
    assert a["contact_id"] != c["contact_id"]
    org_b = await world.org("bravo")
    web_b = await queue(world, org_b, "Web")
    e = await chat(world, org_b, queue_id=web_b, contact={"email": "zoe@example.com"})
    assert e["contact_id"] not in (a["contact_id"], c["contact_id"])
    async with world.state.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Contact)) == 3


async def test_ids_of_another_organization_are_unknown(world: LiveWorld, org_a: Org) -> None:
    """A queue id of organization B is refused like one that does not exist (422)."""
    org_b = await world.org("bravo")
    web_b = await queue(world, org_b, "Web")
    r = await world.client.post(
        URL, json={"channel": "chat", "queue_id": web_b}, headers=org_a.admin
    )
    assert problem(r, 422)["field"] == "queue_id"
    mine = await chat(world, org_b, queue_id=web_b)
    r = await world.client.get(f"{URL}/{mine['id']}", headers=org_a.admin)
    problem(r, 404)


async def test_r_tr_1_no_rule_matches_interaction_kept_unrouted(
    world: LiveWorld, org_a: Org
) -> None:
    """R-TR-1: without a queue and with no matching rule the interaction is stored, unrouted."""
    ix = await chat(world, org_a, page_url="https://example.com/")
    assert ix["status"] == "unrouted"
    async with world.state.sessions() as s:
        kinds = list(
            await s.scalars(
                select(InteractionEvent.type).where(InteractionEvent.interaction_id == ix["id"])
            )
        )
    assert kinds == ["interaction.unrouted"]


async def test_intake_validates_the_body(world: LiveWorld, org_a: Org) -> None:
    """Unknown channel, unknown fields and bad priority are refused; nothing is stored."""
    for body in (
        {"channel": "fax"},
        {"channel": "chat", "bogus": 1},
        {"channel": "chat", "priority": 0},
    ):
        r = await world.client.post(URL, json=body, headers=org_a.admin)
        problem(r, 422)
    async with world.state.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Interaction)) == 0


async def test_r_a_6_only_those_involved_read_an_interaction(world: LiveWorld, org_a: Org) -> None:
    """R-A-6: another agent neither reads nor writes a chat that never reached them."""
    web = await queue(world, org_a, "Web")
    ann = await agent(world, org_a, "ann", queues=[web])
    other = await queue(world, org_a, "Other")
    bob = await agent(world, org_a, "bob", queues=[other])
    ix = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", ann, None)
    for url in (f"{URL}/{ix['id']}", f"{URL}/{ix['id']}/messages"):
        assert (await world.client.get(url, headers=ann)).status_code == 200
        problem(await world.client.get(url, headers=bob), 404)
    body = {"body": "hi", "sender": "contact"}
    r = await world.client.post(f"{URL}/{ix['id']}/messages", json=body, headers=ann)
    problem(r, 403)
    problem(await world.client.post(f"{URL}/{ix['id']}/end", headers=bob), 404)


async def test_r_tr_1_targeting_rule_picks_queue_and_is_recorded(
    world: LiveWorld, org_a: Org
) -> None:
    """R-TR-1: without a queue, the first matching rule routes it; the offer names the rule."""
    sales = await queue(world, org_a, "Sales")
    support = await queue(world, org_a, "Support")
    rule = await post(
        world,
        "/api/v1/targeting-rules",
        org_a.admin,
        {
            "name": "Pricing page",
            "conditions": [{"field": "page_url", "operator": "contains", "value": "/pricing"}],
            "action": {"queue_id": sales},
        },
    )
    await post(
        world,
        "/api/v1/targeting-rules",
        org_a.admin,
        {
            "name": "Gold plan",
            "conditions": [{"field": "attributes.plan", "operator": "equals", "value": "gold"}],
            "action": {"queue_id": support},
        },
    )
    await agent(world, org_a, "ann", queues=[sales])
    ix = await chat(world, org_a, page_url="https://shop.example/pricing")
    assert (ix["status"], ix["queue_id"]) == ("offered", sales)
    gold = await chat(world, org_a, page_url="https://shop.example/", attributes={"plan": "gold"})
    assert (gold["status"], gold["queue_id"]) == ("waiting", support)
    async with world.state.sessions() as s:
        data = await s.scalar(
            select(InteractionEvent.data).where(
                InteractionEvent.interaction_id == ix["id"],
                InteractionEvent.type == "interaction.offered",
            )
        )
    assert data is not None
    assert (data["explanation"]["rule"], data["explanation"]["targeting_rule"]) == (
        "R-TR-1",
        str(rule["id"]),
    )
