"""Queues API: call and chat queues, extensions, settings (R-Q-1, R-Q-2, R-Q-4, R-Q-6..8)."""

from __future__ import annotations

from typing import Any

import httpx

from guichet.actions.queues import propose_extension
from guichet.domain import Strategy
from guichet.persistence.models import Skill
from tests.factories import Org, World, problem

URL = "/api/v1/queues"


async def make(world: World, org: Org, **body: Any) -> dict[str, Any]:
    """Create a queue as the organization's administrator; returns its body."""
    body.setdefault("kind", "call")
    r = await world.client.post(URL, json=body, headers=org.admin)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def refused(
    world: World, org: Org, body: dict[str, Any], status: int, rule: str | None
) -> dict[str, Any]:
    """POST ``body`` and check it is refused with ``status`` naming ``rule``."""
    body.setdefault("kind", "call")
    return expect(await world.client.post(URL, json=body, headers=org.admin), status, rule)


def expect(r: httpx.Response, status: int, rule: str | None) -> dict[str, Any]:
    """The problem document of ``r``, checked for ``status`` and ``rule``."""
    body = problem(r, status)
    assert body.get("rule") == rule, body
    return body


async def test_r_q_1_call_queue_crud_with_proposed_extension(world: World, org_a: Org) -> None:
    """R-Q-1: a call queue gets the proposed extension and sensible defaults."""
    q = await make(world, org_a, name="Support")
    assert q["extension"] == "1000"
    assert (q["queue_type"], q["channel_types"], q["strategy"]) == (
        "standard",
        ["voice"],
        "longest_idle",
    )
    assert (q["weight"], q["offer_timeout_s"], q["callback_enabled"]) == (1, 20, False)
    other = await make(world, org_a, name="Billing", queue_type="icr")
    assert (other["extension"], other["queue_type"]) == ("1001", "icr")
    listed = (await world.client.get(URL, headers=org_a.admin)).json()
    assert [x["name"] for x in listed] == ["Billing", "Support"]
    url = f"{URL}/{q['id']}"
    assert (await world.client.get(url, headers=org_a.admin)).json() == q
    r = await world.client.patch(url, json={"name": "Help", "weight": 5}, headers=org_a.admin)
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["weight"], r.json()["extension"]) == ("Help", 5, "1000")
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204
    problem(await world.client.get(url, headers=org_a.admin), 404)


async def test_r_q_1_next_extension_follows_the_highest(world: World, org_a: Org) -> None:
    """R-Q-1: the next free number is proposed; the admin may choose another."""
    nxt = f"{URL}/next-extension"
    assert (await world.client.get(nxt, headers=org_a.admin)).json() == {"extension": "1000"}
    assert (await make(world, org_a, name="A", extension="2500"))["extension"] == "2500"
    await make(world, org_a, name="B", extension="42")
    assert (await world.client.get(nxt, headers=org_a.admin)).json() == {"extension": "2501"}
    assert (await make(world, org_a, name="C"))["extension"] == "2501"
    await make(world, org_a, name="Chat", kind="chat")
    assert (await world.client.get(nxt, headers=org_a.admin)).json() == {"extension": "2502"}


def test_r_q_1_proposal_skips_taken_numbers_when_the_top_is_used() -> None:
    """R-Q-1: past the largest extension, the first free number from 1000 is proposed."""
    assert propose_extension([]) == "1000"
    assert propose_extension(["999", None]) == "1000"
    assert propose_extension(["1000", "1001", "0999"]) == "1002"
    assert propose_extension(["9999999999", "1000", "1001"]) == "1002"


async def test_r_q_1_extension_unique_and_digits_only(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-1: extensions are 2-10 digits and unique within an organization only."""
    first = await make(world, org_a, name="One", extension="1234")
    body = await refused(world, org_a, {"name": "Two", "extension": "1234"}, 409, "R-Q-1")
    assert body["field"] == "extension"
    assert (await make(world, org_b, name="Two", extension="1234"))["extension"] == "1234"
    for bad in ("12a4", "1", "12345678901", "+123"):
        body = await refused(world, org_a, {"name": "Bad", "extension": bad}, 422, "R-Q-1")
        assert body["field"] == "extension"
    second = await make(world, org_a, name="Three")
    r = await world.client.patch(
        f"{URL}/{second['id']}", json={"extension": "1234"}, headers=org_a.admin
    )
    assert expect(r, 409, "R-Q-1")["field"] == "extension"
    r = await world.client.patch(
        f"{URL}/{first['id']}", json={"extension": None}, headers=org_a.admin
    )
    expect(r, 422, "R-Q-1")


async def test_r_q_1_name_unique_regardless_of_case(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-1: two queues of one organization cannot share a name, whatever the case or kind."""
    await make(world, org_a, name="Sales")
    body = await refused(world, org_a, {"name": "  SALES ", "kind": "chat"}, 409, "R-Q-1")
    assert body["field"] == "name"
    await make(world, org_b, name="sales")
    other = await make(world, org_a, name="Other")
    r = await world.client.patch(
        f"{URL}/{other['id']}", json={"name": "sAles"}, headers=org_a.admin
    )
    expect(r, 409, "R-Q-1")
    for bad in ("", "   ", "a\x07b", "x" * 101):
        assert (
            await world.client.post(URL, json={"kind": "call", "name": bad}, headers=org_a.admin)
        ).status_code == 422


async def test_r_q_2_chat_queue_channels_and_no_extension(world: World, org_a: Org) -> None:
    """R-Q-2: a chat queue takes a non-empty set of chat channel types and no extension."""
    chat = await make(world, org_a, name="Web", kind="chat")
    assert (chat["extension"], chat["channel_types"]) == (None, ["chat"])
    multi = await make(
        world, org_a, name="Multi", kind="chat", channel_types=["sms", "chat", "sms"]
    )
    assert multi["channel_types"] == ["chat", "sms"]
    await refused(world, org_a, {"name": "X", "kind": "chat", "channel_types": []}, 422, "R-Q-2")
    await refused(
        world, org_a, {"name": "X", "kind": "chat", "channel_types": ["voice"]}, 422, "R-Q-2"
    )
    await refused(
        world, org_a, {"name": "X", "kind": "chat", "channel_types": ["fax"]}, 422, "R-Q-2"
    )
    await refused(world, org_a, {"name": "X", "kind": "chat", "extension": "1200"}, 422, "R-Q-2")
    await refused(world, org_a, {"name": "X", "kind": "chat", "queue_type": "icr"}, 422, "R-Q-1")
    await refused(world, org_a, {"name": "X", "channel_types": ["chat"]}, 422, "R-Q-1")
    r = await world.client.patch(
        f"{URL}/{chat['id']}", json={"channel_types": ["email", "social"]}, headers=org_a.admin
    )
    assert r.json()["channel_types"] == ["email", "social"]
    await make(world, org_a, name="Phone")
    chats = await world.client.get(URL, params={"kind": "chat"}, headers=org_a.admin)
    assert [q["name"] for q in chats.json()] == ["Multi", "Web"]
    r = await world.client.patch(f"{URL}/{chat['id']}", json={"kind": "call"}, headers=org_a.admin)
    problem(r, 422)


async def test_r_q_4_strategies_and_distribution_settings(
    world: World, org_a: Org, org_b: Org
) -> None:
    """R-Q-4: every strategy is accepted; offer timeout and no-answer limits are bounded."""
    for strategy in Strategy:
        q = await make(world, org_a, name=f"Q {strategy.value}", strategy=strategy.value)
        assert q["strategy"] == strategy.value
    await refused(world, org_a, {"name": "X", "strategy": "fastest"}, 422, "R-Q-4")
    for field, bad in (("offer_timeout_s", 4), ("offer_timeout_s", 601), ("max_no_answer", 21)):
        body = await refused(world, org_a, {"name": "X", field: bad}, 422, "R-Q-4")
        assert body["field"] == field
    q = await make(world, org_a, name="Edge", offer_timeout_s=600, max_no_answer=0)
    assert (q["offer_timeout_s"], q["max_no_answer"]) == (600, 0)
    async with world.state.sessions() as session:
        mine = Skill(org_id=org_a.id, name="French", name_key="french")
        theirs = Skill(org_id=org_b.id, name="German", name_key="german")
        session.add_all([mine, theirs])
        await session.commit()
    assert (await make(world, org_a, name="Fr", skill_id=mine.id))["skill_id"] == mine.id
    body = await refused(world, org_a, {"name": "De", "skill_id": theirs.id}, 422, "R-Q-4")
    assert body["field"] == "skill_id"


async def test_r_q_7_wrap_up_settings(world: World, org_a: Org) -> None:
    """R-Q-7: wrap-up duration 0-3600 s and the "agents may end wrap-up" switch (and R-W-3)."""
    q = await make(
        world,
        org_a,
        name="W",
        wrap_up_s=0,
        agents_may_end_wrap_up=False,
        require_disposition=True,
        disposition_timer_s=90,
    )
    assert (q["wrap_up_s"], q["agents_may_end_wrap_up"]) == (0, False)
    assert (q["require_disposition"], q["disposition_timer_s"]) == (True, 90)
    await refused(world, org_a, {"name": "X", "wrap_up_s": 3601}, 422, "R-Q-7")
    await refused(world, org_a, {"name": "X", "wrap_up_s": -1}, 422, "R-Q-7")
    await refused(world, org_a, {"name": "X", "agents_may_end_wrap_up": None}, 422, "R-Q-7")
    await refused(world, org_a, {"name": "X", "disposition_timer_s": 4000}, 422, "R-W-3")


async def test_r_q_8_weight_defaults_to_equal_priority(world: World, org_a: Org) -> None:
    """R-Q-8: the weight is 1 unless set, and lies between 1 and 100."""
    assert (await make(world, org_a, name="Plain"))["weight"] == 1
    assert (await make(world, org_a, name="Vip", weight=100))["weight"] == 100
    for bad in (0, 101, "high"):
        await refused(world, org_a, {"name": "X", "weight": bad}, 422, "R-Q-8")


async def test_r_x_9_abandon_return_window_bounded(world: World, org_a: Org) -> None:
    """R-X-9: the abandon-and-return window is 0-3600 seconds."""
    assert (await make(world, org_a, name="R", abandon_return_s=300))["abandon_return_s"] == 300
    await refused(world, org_a, {"name": "X", "abandon_return_s": 3601}, 422, "R-X-9")


async def test_unknown_fields_refused_and_bad_input_changes_nothing(
    world: World, org_a: Org
) -> None:
    """A refused change leaves the queue as it was; unknown fields are refused."""
    q = await make(world, org_a, name="Keep", weight=3)
    await refused(world, org_a, {"name": "X", "org_id": 99}, 422, None)
    r = await world.client.patch(
        f"{URL}/{q['id']}", json={"weight": 7, "offer_timeout_s": 1}, headers=org_a.admin
    )
    problem(r, 422)
    r = await world.client.patch(
        f"{URL}/{q['id']}",
        json={"weight": 7, "callback_enabled": True},
        headers=org_a.admin,
    )
    expect(r, 422, "R-Q-6")
    assert (await world.client.get(f"{URL}/{q['id']}", headers=org_a.admin)).json() == q
