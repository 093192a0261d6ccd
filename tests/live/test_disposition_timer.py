"""R-W-3 disposition timer: a queue requiring a disposition gives the agent until a deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from guichet.domain.times import iso_t
from guichet.live.dispositions import DISPOSITION_MISSING
from guichet.persistence.models import InteractionEvent
from tests.factories import Org, problem
from tests.live.conftest import START, LiveWorld
from tests.live.helpers import agent, chat, grant_role, post, queue
from tests.live.test_recovery import restart
from tests.live.test_snapshots import snapshot, verify


async def _ended(world: LiveWorld, org: Org, **settings: Any) -> tuple[dict[str, Any], Any]:
    """Bob takes a chat of a new queue with ``settings`` and ends it at START + 10."""
    web = await queue(world, org, "Web", **settings)
    bob = await agent(world, org, "bob", queues=[web])
    ix = await chat(world, org, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", bob, None)
    world.clock.advance(10)
    ended: dict[str, Any] = await post(world, f"/api/v1/interactions/{ix['id']}/end", bob, None)
    return ended, bob


async def _log(world: LiveWorld, iid: int, kind: str) -> list[InteractionEvent]:
    async with world.state.sessions() as s:
        found = await s.scalars(
            select(InteractionEvent).where(
                InteractionEvent.interaction_id == iid, InteractionEvent.type == kind
            )
        )
        return list(found)


async def _me(world: LiveWorld, headers: dict[str, str]) -> dict[str, Any]:
    got: dict[str, Any] = (await world.client.get("/api/v1/agent", headers=headers)).json()
    return got


async def _ix(world: LiveWorld, org: Org, iid: int) -> dict[str, Any]:
    got: dict[str, Any] = (
        await world.client.get(f"/api/v1/interactions/{iid}", headers=org.admin)
    ).json()
    return got


REQUIRED = {"wrap_up_s": 600, "require_disposition": True, "disposition_timer_s": 30}


async def test_r_w_3_timer_fires_frees_the_agent_and_marks_disposition_missing(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-3, R-X-10: past ended_at + timer without a disposition, the wrap-up ends; logged."""
    ended, bob = await _ended(world, org_a, **REQUIRED)
    iid = ended["id"]
    assert ended["disposition_due_at"] == iso_t(START + 40)
    assert datetime.fromisoformat(ended["ended_at"]).timestamp() + 30 == START + 40
    inbox = world.register(org_a, org_a.admin_id)
    await world.tick(org_a, 29)
    assert (await _me(world, bob))["state"] == "wrap_up"
    assert await _log(world, iid, DISPOSITION_MISSING) == []
    await world.tick(org_a, 1)
    me = await _me(world, bob)
    assert (me["state"], me["wrap_up_until"], me["wrap_interaction_id"]) == (
        "available",
        None,
        None,
    )
    got = await _ix(world, org_a, iid)
    assert got["closed"] and got["disposition_id"] is None and got["disposition_due_at"] is None
    (row,) = await _log(world, iid, DISPOSITION_MISSING)
    assert row.actor_id is None and row.agent_id == org_a.users["bob"]
    assert row.data == {"due_at": START + 40, "agent_id": org_a.users["bob"], "wrap_up_ended": True}
    published = [e for e in await world.events(inbox) if e["type"] == "interaction"]
    assert (
        published[-1]["interaction"]["closed"]
        and not (await world.live.router(org_a.id)).dispositions
    )
    # Afterwards the agent may write nothing; a supervisor may still set the disposition.
    solved = await post(world, "/api/v1/dispositions", org_a.admin, {"name": "Solved"})
    url = f"/api/v1/interactions/{iid}/wrap-up"
    r = await world.client.patch(url, json={"disposition_id": solved["id"]}, headers=bob)
    problem(r, 404)  # out of wrap-up, without a history right he no longer sees it (R-A-2)
    await grant_role(world, org_a, "bob")  # R-A-2: the history of what he handled
    r = await world.client.patch(url, json={"disposition_id": solved["id"]}, headers=bob)
    problem(r, 403)  # he sees it, and may not write (R-W-3)
    r = await world.client.patch(url, json={"notes": "late"}, headers=org_a.admin)
    assert problem(r, 409)["rule"] == "R-W-3"
    r = await world.client.patch(url, json={"disposition_id": solved["id"]}, headers=org_a.admin)
    assert r.status_code == 200, r.text
    assert r.json()["disposition_id"] == solved["id"]


async def test_r_w_3_disposition_before_the_deadline_cancels_the_timer(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-3: a disposition chosen in wrap-up stops the timer; the agent then ends wrap-up."""
    ended, bob = await _ended(world, org_a, **REQUIRED)
    iid = ended["id"]
    router = await world.live.router(org_a.id)
    assert router.dispositions == {iid: START + 40}
    solved = await post(world, "/api/v1/dispositions", org_a.admin, {"name": "Solved"})
    r = await world.client.patch(
        f"/api/v1/interactions/{iid}/wrap-up",
        json={"disposition_id": solved["id"], "notes": "done"},
        headers=bob,
    )
    assert r.status_code == 200, r.text
    assert r.json()["disposition_due_at"] == iso_t(START + 40)  # the deadline was met
    assert router.dispositions == {}
    await world.tick(org_a, 31)
    assert (await _me(world, bob))["state"] == "wrap_up"
    assert await _log(world, iid, DISPOSITION_MISSING) == []
    me = await post(world, "/api/v1/agent/wrap-up/end", bob, None)
    assert me["state"] == "available"


async def test_r_w_3_clearing_the_disposition_restarts_the_timer(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-3: a disposition removed again during wrap-up leaves the original deadline running."""
    ended, bob = await _ended(world, org_a, **REQUIRED)
    iid = ended["id"]
    solved = await post(world, "/api/v1/dispositions", org_a.admin, {"name": "Solved"})
    url = f"/api/v1/interactions/{iid}/wrap-up"
    for value in (solved["id"], None):
        r = await world.client.patch(url, json={"disposition_id": value}, headers=bob)
        assert r.status_code == 200, r.text
    await world.tick(org_a, 31)
    assert (await _me(world, bob))["state"] == "available"
    assert len(await _log(world, iid, DISPOSITION_MISSING)) == 1


async def test_r_w_3_queue_without_required_disposition_has_no_timer(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-3: no requirement (or a timer of 0): no deadline, the wrap-up runs its own course."""
    ended, bob = await _ended(
        world, org_a, wrap_up_s=600, require_disposition=False, disposition_timer_s=0
    )
    assert ended["disposition_due_at"] is None
    assert (await world.live.router(org_a.id)).dispositions == {}
    await world.tick(org_a, 31)
    assert (await _me(world, bob))["state"] == "wrap_up"
    assert await _log(world, ended["id"], DISPOSITION_MISSING) == []


async def test_r_w_3_no_limit_timer_of_zero_keeps_the_requirement_only(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-3: a required disposition with timer 0 has no deadline; the agent's end is refused."""
    ended, bob = await _ended(
        world, org_a, wrap_up_s=600, require_disposition=True, disposition_timer_s=0
    )
    assert ended["disposition_due_at"] is None
    await world.tick(org_a, 100)
    r = await world.client.post("/api/v1/agent/wrap-up/end", headers=bob)
    assert problem(r, 409)["rule"] == "R-W-3"


async def test_r_w_3_wrap_up_shorter_than_timer_still_marks_missing_at_deadline(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-3, R-Q-7: the wrap-up timer ends first; at the deadline the disposition is missing."""
    ended, bob = await _ended(
        world, org_a, wrap_up_s=10, require_disposition=True, disposition_timer_s=30
    )
    await world.tick(org_a, 11)
    assert (await _me(world, bob))["state"] == "available"
    assert (await _ix(world, org_a, ended["id"]))["closed"]
    await world.tick(org_a, 20)
    (row,) = await _log(world, ended["id"], DISPOSITION_MISSING)
    assert row.data["wrap_up_ended"] is False


async def test_r_w_3_recovery_keeps_the_disposition_deadline(world: LiveWorld, org_a: Org) -> None:
    """R-W-3: after a restart the deadline is read back from the database and still fires."""
    ended, bob = await _ended(world, org_a, **REQUIRED)
    iid = ended["id"]
    await restart(world)
    world.clock.advance(5)
    router = await world.live.router(org_a.id)
    assert router.dispositions == {iid: START + 40}
    me = await _me(world, bob)
    assert (me["state"], me["wrap_interaction_id"]) == ("wrap_up", iid)
    await world.tick(org_a, 25)
    assert (await _me(world, bob))["state"] == "available"
    assert len(await _log(world, iid, DISPOSITION_MISSING)) == 1


async def test_r_w_3_deadline_passed_while_down_fires_on_restart(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-3: a deadline that passed while the server was down fires when the loop restarts."""
    ended, bob = await _ended(world, org_a, **REQUIRED)
    await restart(world)
    world.clock.advance(100)
    await world.live.router(org_a.id)
    assert (await _me(world, bob))["state"] == "available"
    assert len(await _log(world, ended["id"], DISPOSITION_MISSING)) == 1


async def test_r_w_3_snapshot_shows_the_deadline_and_events_keep_it_exact(
    world: LiveWorld, org_a: Org
) -> None:
    """R-W-3: the agent's snapshot holds the wrap-up with its deadline; events keep it exact."""
    web = await queue(world, org_a, "Web", **REQUIRED)
    bob = await agent(world, org_a, "bob", queues=[web])
    bob_id = org_a.users["bob"]
    observers = {bob_id: ["agent"], org_a.admin_id: ["administrator", "supervisor"]}
    ix = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", bob, None)

    async def end() -> None:
        await post(world, f"/api/v1/interactions/{ix['id']}/end", bob, None)

    await verify(world, org_a, observers, end, {"interaction", "agent"})
    snap = await snapshot(world, org_a, bob_id, ["agent"])
    assert snap["wrap_up"]["id"] == ix["id"]
    assert snap["wrap_up"]["disposition_due_at"] == iso_t(START + 30)

    async def note() -> None:
        url = f"/api/v1/interactions/{ix['id']}/wrap-up"
        r = await world.client.patch(url, json={"notes": "called back"}, headers=bob)
        assert r.status_code == 200, r.text

    await verify(world, org_a, observers, note, {"interaction"})

    async def fire() -> None:
        await world.tick(org_a, 30)

    await verify(world, org_a, observers, fire, {"interaction", "agent"})
    assert (await snapshot(world, org_a, bob_id, ["agent"]))["wrap_up"] is None
