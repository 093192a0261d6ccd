"""An ended interaction keeps naming the agent who handled it last, as the export does
(issue 12 finding 9: it answered `agent_id: null` while the export named its agent)."""

from __future__ import annotations

import csv
import io

from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, queue


async def test_an_ended_interaction_names_its_last_agent(world: LiveWorld, org_a: Org) -> None:
    """R-Q-7, R-AN-5: REST answer, WebSocket event and export agree; rights do not widen."""
    web = await queue(world, org_a, "Web", wrap_up_s=30)
    alice = await agent(world, org_a, "alice", queues=[web])
    alice_id = org_a.users["alice"]
    inbox = world.register(org_a, org_a.admin_id)
    ix = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", alice, None)
    ended = await post(world, f"/api/v1/interactions/{ix['id']}/end", alice, None)
    assert (ended["status"], ended["agent_id"]) == ("ended", alice_id)
    events = [e for e in await world.events(inbox) if e["type"] == "interaction"]
    assert events[-1]["interaction"]["status"] == "ended"
    assert events[-1]["interaction"]["agent_id"] == alice_id
    await post(world, "/api/v1/agent/wrap-up/end", alice, None)
    got = (await world.client.get(f"/api/v1/interactions/{ix['id']}", headers=org_a.admin)).json()
    assert got["agent_id"] == alice_id
    r = await world.client.get("/api/v1/exports/interactions.csv", headers=org_a.admin)
    [row] = list(csv.DictReader(io.StringIO(r.text)))
    assert int(row["agent_id"]) == got["agent_id"]
    # Naming her does not make it hers to work on: without a history role she no longer reads it.
    problem(await world.client.get(f"/api/v1/interactions/{ix['id']}", headers=alice), 404)
    me = (await world.client.get("/api/v1/agent", headers=alice)).json()
    assert me["state"] == "available"
