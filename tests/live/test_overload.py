"""Issue 12 finding 12: overload has a limit, and a request that gave up leaves nothing behind.

The routing loop's command queue is bounded (503 with Retry-After past it), and a command that
waited in it past its deadline is dropped unrun: the client is told to retry, no interaction
was created, and the retry with the same Idempotency-Key creates it once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from guichet.live import LiveRegistry, OrgRouter
from guichet.persistence.models import Interaction
from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import queue


async def _registry(world: LiveWorld, **limits: Any) -> LiveRegistry:
    state = world.state
    await world.live.stop()
    state.live = LiveRegistry(
        sessions=state.sessions, bus=lambda: state.bus, clock=world.clock, **limits
    )
    return state.live


async def _hold(router: OrgRouter) -> tuple[asyncio.Event, asyncio.Task[Any]]:
    """Hold the loop busy in one batch until the returned event is set; return once it is.

    The batch waits before it opens its transaction, as a slow batch on PostgreSQL would:
    requests still reach the database (on SQLite a held write lock would stop them earlier).
    """
    release, inside = asyncio.Event(), asyncio.Event()
    steps = router._steps

    async def held(cmds: Any) -> Any:
        inside.set()
        await release.wait()
        router._steps = steps  # type: ignore[method-assign]
        return await steps(cmds)

    router._steps = held  # type: ignore[method-assign]
    busy = asyncio.create_task(router.tick())
    await inside.wait()
    return release, busy


async def _until(condition: Any) -> None:
    """Wait (on the real clock) until ``condition()`` holds: the machine may be slow."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def _count(world: LiveWorld, org: Org) -> int:
    async with world.state.sessions() as s:
        n = await s.scalar(
            select(func.count()).select_from(Interaction).where(Interaction.org_id == org.id)
        )
        return int(n or 0)


async def test_full_command_queue_answers_503_with_retry_after(
    world: LiveWorld, org_a: Org
) -> None:
    web = await queue(world, org_a, "Web")
    live = await _registry(world, max_queued=1)
    router = await live.router(org_a.id)
    release, busy = await _hold(router)
    body = {"channel": "chat", "queue_id": web}
    first = asyncio.create_task(
        world.client.post("/api/v1/interactions", json=body, headers=org_a.admin)
    )
    await _until(router._queue.full)  # the loop is busy and the queue holds the first chat
    r = await world.client.post("/api/v1/interactions", json=body, headers=org_a.admin)
    got = problem(r, 503)
    assert got["code"] == "overloaded"
    assert r.headers["retry-after"] == "1"
    release.set()
    await busy
    assert (await first).status_code == 201
    assert await _count(world, org_a) == 1


async def test_command_past_its_deadline_is_dropped_unrun_and_the_retry_creates_once(
    world: LiveWorld, org_a: Org
) -> None:
    web = await queue(world, org_a, "Web")
    live = await _registry(world, command_timeout_s=0.2)
    router = await live.router(org_a.id)
    release, busy = await _hold(router)
    headers = {**org_a.admin, "Idempotency-Key": "overload-1"}
    body = {"channel": "chat", "queue_id": web}
    late = asyncio.create_task(
        world.client.post("/api/v1/interactions", json=body, headers=headers)
    )
    await _until(lambda: not router._queue.empty())
    await asyncio.sleep(0.4)  # past the deadline while the loop is still busy
    release.set()
    await busy
    r = await late
    assert problem(r, 503)["code"] == "overloaded"
    assert router.dropped == 1
    assert await _count(world, org_a) == 0  # the client gave up: nothing was created
    router.command_timeout_s = 10.0  # the retry must not race a slow machine
    again = await world.client.post("/api/v1/interactions", json=body, headers=headers)
    assert again.status_code == 201, again.text
    replay = await world.client.post("/api/v1/interactions", json=body, headers=headers)
    assert replay.status_code == 200 and replay.json()["id"] == again.json()["id"]
    assert await _count(world, org_a) == 1
