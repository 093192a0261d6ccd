"""Event-log rows analytics relies on (R-AN-8, R-AN-1): the interaction of each
``agent.wrap_up_ended`` (wrap time, R-Q-7) and ``message.posted`` (first response time)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from guichet.analytics.facts import LogRow
from guichet.analytics.folds import fold_interaction
from guichet.live.events_log import decision_log
from guichet.persistence.models import InteractionEvent
from guichet.routing import EndWrapUp, StartWrapUp
from tests.factories import Org
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, queue


async def _rows(world: LiveWorld, **where: object) -> list[InteractionEvent]:
    async with world.state.sessions() as s:
        query = select(InteractionEvent).order_by(InteractionEvent.id)
        for name, value in where.items():
            query = query.where(getattr(InteractionEvent, name) == value)
        return list(await s.scalars(query))


async def test_wrap_up_ended_by_the_agent_names_its_interaction(
    world: LiveWorld, org_a: Org
) -> None:
    web = await queue(world, org_a, "Web", wrap_up_s=60)
    bob = await agent(world, org_a, "bob", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    await world.tick(org_a, 4)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", bob, None)
    await world.tick(org_a, 10)
    await post(world, f"/api/v1/interactions/{ix['id']}/end", bob, None)
    await world.tick(org_a, 25)
    await post(world, "/api/v1/agent/wrap-up/end", bob, None)
    ended = await _rows(world, type="agent.wrap_up_ended")
    assert [(r.interaction_id, r.agent_id, r.data["interaction_id"]) for r in ended] == [
        (ix["id"], org_a.users["bob"], ix["id"])
    ]
    got = fold_interaction(
        [LogRow.from_event(r) for r in await _rows(world, interaction_id=ix["id"])]
    )
    assert got is not None
    fact, segs = got
    assert (fact.wait_s, fact.talk_s, fact.wrap_s, fact.resolved) == (4, 10, 25, True)
    assert segs[0].wrap_s == 25 and segs[0].agent_id == org_a.users["bob"]


async def test_wrap_up_ended_by_the_timer_names_its_interaction(
    world: LiveWorld, org_a: Org
) -> None:
    web = await queue(world, org_a, "Web", wrap_up_s=30)
    bob = await agent(world, org_a, "bob", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", bob, None)
    await post(world, f"/api/v1/interactions/{ix['id']}/end", bob, None)
    await world.tick(org_a, 30)  # the timer is due now
    ended = await _rows(world, type="agent.wrap_up_ended")
    assert [(r.interaction_id, r.actor_id) for r in ended] == [(ix["id"], None)]
    got = fold_interaction(
        [LogRow.from_event(r) for r in await _rows(world, interaction_id=ix["id"])]
    )
    assert got is not None and got[0].wrap_s == 30


async def test_message_posted_is_logged_with_the_message(world: LiveWorld, org_a: Org) -> None:
    web = await queue(world, org_a, "Web")
    bob = await agent(world, org_a, "bob", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", bob, None)
    url = f"/api/v1/interactions/{ix['id']}/messages"
    await world.tick(org_a, 3)
    first = await post(world, url, org_a.admin, {"body": "Hello?", "sender": "contact"})
    await world.tick(org_a, 9)
    reply = await post(world, url, bob, {"body": "Hi, how can I help?", "sender": "agent"})
    rows = await _rows(world, type="message.posted")
    assert [(r.interaction_id, r.agent_id, r.actor_id, r.channel, r.data) for r in rows] == [
        (
            ix["id"],
            None,
            org_a.admin_id,
            "chat",
            {"sender": "contact", "message_id": first["id"]},
        ),
        (
            ix["id"],
            org_a.users["bob"],
            org_a.users["bob"],
            "chat",
            {"sender": "agent", "message_id": reply["id"]},
        ),
    ]
    got = fold_interaction(
        [LogRow.from_event(r) for r in await _rows(world, interaction_id=ix["id"])]
    )
    assert got is not None
    # The rows take the loop's clock: the agent answered 12 s after the arrival.
    assert got[0].first_response_s == 12


def test_a_wrap_up_started_over_another_ends_that_one() -> None:
    """Two conversations ending in turn: the second wrap-up ends the first one's (its notes
    close, R-W-3), and the final end names the second (R-Q-7)."""
    at = datetime(2026, 1, 5, tzinfo=UTC)
    wrapping: dict[str, int] = {}
    rows = decision_log(
        [StartWrapUp("7", "11", 60.0)], org_id=1, actor_id=None, at=at, wrapping=wrapping
    )
    rows += decision_log(
        [StartWrapUp("7", "12", 90.0)], org_id=1, actor_id=None, at=at, wrapping=wrapping
    )
    rows += decision_log([EndWrapUp("7")], org_id=1, actor_id=None, at=at, wrapping=wrapping)
    assert [(r.type, r.interaction_id, r.agent_id) for r in rows] == [
        ("agent.wrap_up_started", 11, 7),
        ("agent.wrap_up_ended", 11, 7),
        ("agent.wrap_up_started", 12, 7),
        ("agent.wrap_up_ended", 12, 7),
    ]
    assert rows[1].data["superseded_by"] == 12 and wrapping == {}
