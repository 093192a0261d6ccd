"""Zulip-style event tests: for each action, snapshot + published events == a fresh snapshot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from guichet.live.snapshot import apply_event, build_snapshot
from tests.factories import Org
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, put, queue

Action = Callable[[], Awaitable[Any]]


async def snapshot(world: LiveWorld, org: Org, user_id: int, roles: list[str]) -> dict[str, Any]:
    """A fresh snapshot for one user."""
    async with world.state.sessions() as s:
        snap = await build_snapshot(
            s, org_id=org.id, user_id=user_id, roles=roles, now=world.clock()
        )
        await s.rollback()
        return snap


async def verify(
    world: LiveWorld,
    org: Org,
    observers: dict[int, list[str]],
    action: Action,
    expect: set[str],
) -> None:
    """Run ``action``; each observer's snapshot plus its events equals a fresh snapshot."""
    before = {uid: await snapshot(world, org, uid, roles) for uid, roles in observers.items()}
    queues = {uid: world.register(org, uid) for uid in observers}
    await action()
    seen: set[str] = set()
    for uid, roles in observers.items():
        events = await world.events(queues[uid])
        seen |= {e["type"] for e in events}
        state = before[uid]
        for e in events:
            state = apply_event(state, e)
        assert state == await snapshot(world, org, uid, roles), (uid, events)
        world.state.bus.close(queues[uid])
    assert expect <= seen, (expect, seen)


async def test_every_event_type_applies_to_the_snapshot(world: LiveWorld, org_a: Org) -> None:
    """R-S-1, R-X-3: interaction, offer, agent and message events keep snapshots exact."""
    web = await queue(world, org_a, "Web", wrap_up_s=30, offer_timeout_s=10)
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    del sam
    sam_id = org_a.users["sam"]
    members = (await world.client.get(f"/api/v1/queues/{web}/members", headers=org_a.admin)).json()
    await put(
        world,
        f"/api/v1/queues/{web}/members",
        org_a.admin,
        {"agents": members["agents"], "supervisors": [sam_id]},
    )
    alice = await agent(world, org_a, "alice", queues=[web], available=False)
    alice_id = org_a.users["alice"]
    observers = {
        alice_id: ["agent"],
        sam_id: ["supervisor"],
        org_a.admin_id: ["administrator", "supervisor", "agent"],
    }
    box: dict[str, Any] = {}

    async def intake() -> None:
        box["ix"] = await chat(world, org_a, queue_id=web)

    await verify(world, org_a, observers, intake, {"interaction"})
    iid = box["ix"]["id"]

    async def available() -> None:
        await put(world, "/api/v1/agent/state", alice, {"state": "available"})

    await verify(world, org_a, observers, available, {"agent", "offer", "interaction"})
    await verify(world, org_a, observers, lambda: world.tick(org_a, 11), {"offer", "interaction"})

    async def second() -> None:
        box["ix2"] = await chat(world, org_a, queue_id=web)

    await verify(world, org_a, observers, second, {"offer", "interaction"})
    iid2 = box["ix2"]["id"]

    async def accept() -> None:
        await post(world, f"/api/v1/agent/offers/{iid2}/accept", alice, None)

    await verify(world, org_a, observers, accept, {"offer", "interaction"})
    tag = await post(world, "/api/v1/tags", org_a.admin, {"name": "vip"})

    async def tags() -> None:
        await put(world, f"/api/v1/interactions/{iid2}/tags", alice, {"tag_ids": [tag["id"]]})

    await verify(world, org_a, observers, tags, {"interaction"})

    async def message() -> None:
        await post(world, f"/api/v1/interactions/{iid2}/messages", alice, {"body": "hello"})

    await verify(world, org_a, observers, message, {"message"})

    async def end() -> None:
        await post(world, f"/api/v1/interactions/{iid2}/end", alice, None)

    await verify(world, org_a, observers, end, {"interaction", "agent"})

    async def end_wrap() -> None:
        await post(world, "/api/v1/agent/wrap-up/end", alice, None)

    # The waiting chat was let go by alice once: it is not offered to her again (R-Q-4).
    await verify(world, org_a, observers, end_wrap, {"agent"})

    async def logout() -> None:
        await put(world, "/api/v1/agent/queues", alice, {"queue_ids": []})

    await verify(world, org_a, observers, logout, {"agent"})
    snap = await snapshot(world, org_a, sam_id, ["supervisor"])
    assert snap["agents"] == {}
    assert [w["id"] for w in snap["queues"][str(web)]["waiting"]] == [iid]

    async def abandon() -> None:
        await post(world, f"/api/v1/interactions/{iid}/end", org_a.admin, None)

    await verify(world, org_a, observers, abandon, {"interaction"})
