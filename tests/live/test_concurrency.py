"""Concurrency: arrivals and accepts at once never assign twice nor exceed capacity (R-W-1)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from guichet.persistence.models import Assignment, Interaction, Offer
from tests.factories import Org
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, queue

AGENTS = 8
CAPACITY = 2
CHATS = 30


async def test_r_w_1_many_accepts_and_arrivals_at_once(world: LiveWorld, org_a: Org) -> None:
    """R-Q-4 ring-all, R-W-1: first accept wins; no interaction twice; no agent over capacity."""
    web = await queue(world, org_a, "Web", strategy="ring_all")
    heads = {}
    for i in range(AGENTS):
        name = f"a{i}"
        heads[name] = await agent(world, org_a, name, queues=[web], available=False)
        r = await world.client.patch(
            f"/api/v1/users/{org_a.users[name]}",
            json={"capacity": {"chat": CAPACITY}},
            headers=org_a.admin,
        )
        assert r.status_code == 200, r.text
    await asyncio.gather(
        *(
            world.client.put("/api/v1/agent/state", json={"state": "available"}, headers=h)
            for h in heads.values()
        )
    )
    created = await asyncio.gather(*(chat(world, org_a, queue_id=web) for _ in range(CHATS)))
    ids = [c["id"] for c in created]
    assert len(set(ids)) == CHATS
    by_id = {org_a.users[n]: h for n, h in heads.items()}
    statuses: list[int] = []
    for _ in range(10):
        async with world.state.sessions() as s:
            open_offers = list(
                await s.execute(
                    select(Offer.interaction_id, Offer.agent_id).where(Offer.status == "open")
                )
            )
        if not open_offers:
            break
        answers = await asyncio.gather(
            *(
                world.client.post(f"/api/v1/agent/offers/{iid}/accept", headers=by_id[aid])
                for iid, aid in open_offers
            )
        )
        statuses += [r.status_code for r in answers]
        assert {r.status_code for r in answers} <= {200, 409}
    assert 409 in statuses  # ring-all: the others lost the race
    async with world.state.sessions() as s:
        per_ix = dict(
            (
                await s.execute(
                    select(Assignment.interaction_id, func.count())
                    .where(Assignment.active)
                    .group_by(Assignment.interaction_id)
                )
            ).all()
        )
        per_agent = dict(
            (
                await s.execute(
                    select(Assignment.agent_id, func.count())
                    .where(Assignment.active)
                    .group_by(Assignment.agent_id)
                )
            ).all()
        )
        assigned = await s.scalar(select(func.count()).where(Interaction.status == "assigned"))
        waiting = await s.scalar(select(func.count()).where(Interaction.status == "waiting"))
    assert set(per_ix.values()) == {1}
    assert max(per_agent.values()) <= CAPACITY
    assert assigned == len(per_ix) == AGENTS * CAPACITY
    assert waiting == CHATS - AGENTS * CAPACITY


async def test_database_refuses_a_second_active_assignment(world: LiveWorld, org_a: Org) -> None:
    """The database, not only the code, keeps one active assignment per interaction."""
    web = await queue(world, org_a, "Web")
    await agent(world, org_a, "ann", queues=[web], available=False)
    ix = await chat(world, org_a, queue_id=web)
    async with world.state.sessions() as s:
        s.add(Assignment(org_id=org_a.id, interaction_id=ix["id"], agent_id=org_a.users["ann"]))
        await s.commit()
        s.add(Assignment(org_id=org_a.id, interaction_id=ix["id"], agent_id=org_a.admin_id))
        with pytest.raises(IntegrityError):
            await s.commit()
        await s.rollback()
        s.add(
            Offer(org_id=org_a.id, interaction_id=ix["id"], agent_id=org_a.admin_id, expires_at=0)
        )
        s.add(
            Offer(org_id=org_a.id, interaction_id=ix["id"], agent_id=org_a.admin_id, expires_at=1)
        )
        with pytest.raises(IntegrityError):
            await s.commit()
        await s.rollback()
        # The hand-made row above is no routing state: remove it, so the invariant checker
        # run after every live test (tests/live/invariants.py) sees only what routing wrote.
        await s.execute(delete(Assignment).where(Assignment.interaction_id == ix["id"]))
        await s.commit()
