"""The organization's settings over HTTP, and their effect on live routing (R-W-1, R-X-8, R-P-4).

`GET /api/v1/organization` for every user, `PATCH` for administrators; mixing and costs reach
the routing engine at once (issue 14: settings stored and read).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, queue

URL = "/api/v1/organization"

DEFAULT_COSTS = {"voice": 100, "chat": 34, "messaging": 20, "email": 20, "sms": 20, "social": 20}


async def _get(world: LiveWorld, headers: dict[str, str]) -> dict[str, Any]:
    r = await world.client.get(URL, headers=headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def _patch(world: LiveWorld, headers: dict[str, str], body: dict[str, Any]) -> Any:
    r = await world.client.patch(URL, json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_every_user_reads_the_settings_at_their_defaults(
    world: LiveWorld, org_a: Org
) -> None:
    """A new organization: English, UTC, no mixing (R-W-1), the default costs (R-X-8)."""
    ann = await world.user(org_a, "ann", roles=("agent",))
    body = await _get(world, ann)
    assert body == {
        "id": org_a.id,
        "name": body["name"],
        "slug": "alpha",
        "timezone": "UTC",
        "locale": "en",
        "allow_mixing": False,
        "channel_costs": DEFAULT_COSTS,
        "paused_cost": 10,
        "allow_unassigned_queue_login": False,
    }


async def test_administrators_change_what_they_send_and_no_other_organization(
    world: LiveWorld, org_a: Org, org_b: Org
) -> None:
    """PATCH changes the fields sent (costs by channel), in the caller's organization only."""
    before_b = await _get(world, org_b.admin)
    got = await _patch(
        world,
        org_a.admin,
        {
            "name": "Alpha Support",
            "timezone": "Europe/Paris",
            "locale": "fr",
            "channel_costs": {"chat": 25},
            "paused_cost": 5,
            "allow_unassigned_queue_login": True,
        },
    )
    assert got["name"] == "Alpha Support" and got["timezone"] == "Europe/Paris"
    assert got["locale"] == "fr" and got["paused_cost"] == 5
    assert got["channel_costs"] == {**DEFAULT_COSTS, "chat": 25}
    assert got["allow_mixing"] is False  # not sent: unchanged
    assert got["allow_unassigned_queue_login"] is True
    assert await _get(world, org_a.admin) == got
    # R-P-4: the same switch as the permissions API shows.
    r = await world.client.get("/api/v1/contact-center/permissions", headers=org_a.admin)
    assert r.json()["organization"] == {"allow_unassigned_queue_login": True}
    again = await _patch(world, org_a.admin, {"channel_costs": {"voice": 90}})
    assert again["channel_costs"] == {**DEFAULT_COSTS, "chat": 25, "voice": 90}
    assert await _get(world, org_b.admin) == before_b


async def test_only_administrators_change_the_settings(world: LiveWorld, org_a: Org) -> None:
    """Agents and supervisors read the settings but may not change them (403)."""
    for name, roles in (("ann", ("agent",)), ("sam", ("supervisor",))):
        headers = await world.user(org_a, name, roles=roles)
        problem(await world.client.patch(URL, json={"allow_mixing": True}, headers=headers), 403)
    assert (await _get(world, org_a.admin))["allow_mixing"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "America"}, "timezone"),  # a folder of the zone database
        ({"locale": "de"}, "locale"),
        ({"channel_costs": {"fax": 10}}, "channel_costs.fax"),
        ({"channel_costs": {"chat": 1001}}, "channel_costs.chat"),
        ({"channel_costs": {"chat": "34"}}, "channel_costs.chat"),
        ({"paused_cost": -1}, "paused_cost"),
        ({"allow_mixing": "yes"}, "allow_mixing"),
        ({"allow_mixing": None}, "allow_mixing"),
        ({"name": "   "}, "name"),
        ({"slug": "other"}, "slug"),
    ],
)
async def test_bad_settings_are_refused_and_change_nothing(
    world: LiveWorld, org_a: Org, body: dict[str, Any], field: str
) -> None:
    """422 naming the field (and its rule where one applies); nothing is saved."""
    before = await _get(world, org_a.admin)
    got = problem(
        await world.client.patch(URL, json={"name": "Changed", **body}, headers=org_a.admin),
        422,
    )
    assert got["field"] == field or field in got["detail"], got
    if field.startswith(("channel_costs", "paused_cost")):
        assert got["rule"] == "R-X-8", got
    assert await _get(world, org_a.admin) == before


async def test_r_w_1_mixing_off_then_on_reaches_routing_at_once(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-1: without mixing a call waits while the agent has a chat; allowing mixing offers
    it at once (R-X-10); turning it off again takes nothing away but lets no new call in."""
    chats = await queue(world, org_a, "Chats")
    calls = await queue(world, org_a, "Calls", kind="call", channel_types=["voice"])
    ann = await agent(world, org_a, "ann", queues=[chats, calls])
    # Room in the budget for both (R-X-8): only the mixing rule keeps the call away.
    r = await world.client.patch(
        f"/api/v1/users/{org_a.users['ann']}", json={"budget": 200}, headers=org_a.admin
    )
    assert r.status_code == 200, r.text
    first = await chat(world, org_a, queue_id=chats)
    await post(world, f"/api/v1/agent/offers/{first['id']}/accept", ann, None)
    call = await chat(world, org_a, queue_id=calls, channel="voice", caller_id="+33612345678")
    assert call["status"] == "waiting", call
    await _patch(world, org_a.admin, {"allow_mixing": True})
    r = await world.client.get(f"/api/v1/interactions/{call['id']}", headers=org_a.admin)
    assert r.json()["status"] == "offered", r.json()
    await post(world, f"/api/v1/agent/offers/{call['id']}/accept", ann, None)
    # Mixing off again: nothing is taken away, but no new call joins the chat.
    await _patch(world, org_a.admin, {"allow_mixing": False})
    await post(world, f"/api/v1/interactions/{call['id']}/end", org_a.admin, None)
    other = await chat(world, org_a, queue_id=calls, channel="voice", caller_id="+33698765432")
    assert other["status"] == "waiting", other


async def test_r_x_8_costs_reach_routing(world: LiveWorld, org_a: Org) -> None:
    """R-X-8: with a chat at 50 units, an agent with a budget of 100 takes two chats, not three
    (at the default 34 she would take three)."""
    chats = await queue(world, org_a, "Chats")
    await _patch(world, org_a.admin, {"channel_costs": {"chat": 50}})
    ann = await agent(world, org_a, "ann", queues=[chats])
    r = await world.client.patch(
        f"/api/v1/users/{org_a.users['ann']}",
        json={"capacity": {"chat": 3}, "budget": 100},
        headers=org_a.admin,
    )
    assert r.status_code == 200, r.text
    got = [await chat(world, org_a, queue_id=chats) for _ in range(3)]
    for ix in got[:2]:
        await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", ann, None)
    r = await world.client.get(f"/api/v1/interactions/{got[2]['id']}", headers=org_a.admin)
    assert r.json()["status"] == "waiting", r.json()
    await _patch(world, org_a.admin, {"channel_costs": {"chat": 30}})
    r = await world.client.get(f"/api/v1/interactions/{got[2]['id']}", headers=org_a.admin)
    assert r.json()["status"] == "offered", r.json()


def test_the_channel_names_of_the_schema_are_the_channels() -> None:
    """`ChannelName` spells every `Channel` and nothing else."""
    from typing import get_args

    from guichet.api.schemas.organization import ChannelName
    from guichet.domain.enums import Channel

    assert set(get_args(ChannelName)) == {c.value for c in Channel}


async def test_settings_saved_while_routing_is_busy_apply_when_it_runs(
    world: LiveWorld, org_a: Org
) -> None:
    """A PATCH while the routing queue is full is saved and answered (200), not lost behind a
    503: the loop reads the new settings on its next step (R-W-1)."""
    from tests.live.test_overload import _hold, _registry, _until

    live = await _registry(world, max_queued=1)
    router = await live.router(org_a.id)
    release, busy = await _hold(router)
    queued = asyncio.create_task(router.tick())
    await _until(router._queue.full)
    got = await _patch(world, org_a.admin, {"allow_mixing": True})
    assert got["allow_mixing"] is True
    assert router.engine.mixing is False  # not yet: the loop is busy
    release.set()
    await busy
    await queued
    await router.tick()
    assert router.engine.mixing is True
