"""The invariant checker itself (issue 12): each invariant catches a hand-made broken state.

A healthy contact center is written row by row into a fresh database (both backends): one
chat assigned to Ann after an offer she accepted, with its event log. It passes every check;
then each test breaks one thing the way a product bug would and expects the invariant that
names it. States the database itself refuses (two active assignments) are built by hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from guichet.persistence.db import create_engine
from guichet.persistence.models import (
    AgentPresence,
    Assignment,
    Base,
    FlowRow,
    Interaction,
    InteractionEvent,
    Offer,
    Organization,
    Queue,
    Skill,
    User,
)
from tests.conftest import Database
from tests.factories import Org
from tests.live.conftest import START, LiveWorld, check_world, final_check
from tests.live.helpers import agent, chat, post, put, queue, skill
from tests.live.invariants import (
    LiveState,
    Violation,
    assert_invariants,
    capacity,
    check_invariants,
    declines_kept,
    legal_states,
    load_state,
    offers_unexpired,
    settle,
    single_assignment,
)

T = START


def at(t: float) -> datetime:
    """An engine time as a UTC datetime."""
    return datetime.fromtimestamp(t, UTC)


@dataclass
class Center:
    """The healthy contact center's ids and its database."""

    sessions: async_sessionmaker[AsyncSession]
    org: int
    ann: int
    queue: int
    skill: int
    chat: int


@pytest.fixture
async def center(database: Database) -> AsyncIterator[Center]:
    """A fresh database holding one chat assigned to Ann, consistent everywhere."""
    engine = create_engine(database.url, search_path=database.schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    sessions = async_sessionmaker(bind=engine, expire_on_commit=False)
    async with sessions() as s:
        org = Organization(name="Alpha", slug="alpha")
        s.add(org)
        await s.flush()
        ann = User(
            org_id=org.id,
            email="ann@alpha.test",
            display_name="Ann",
            roles=["agent"],
            capacity={"chat": 3},
            budget=100,
        )
        sk = Skill(org_id=org.id, name="Billing", name_key="billing")
        s.add_all([ann, sk])
        await s.flush()
        q = Queue(org_id=org.id, kind="chat", name="Web", name_key="web", channel_types=["chat"])
        s.add(q)
        await s.flush()
        ix = await _assigned_chat(s, org.id, ann.id, q.id, sk.id, T)
        s.add(
            AgentPresence(
                user_id=ann.id,
                org_id=org.id,
                presence="available",
                state="busy",
                queue_ids=[q.id],
            )
        )
        await s.commit()
        c = Center(sessions, org.id, ann.id, q.id, sk.id, ix)
    yield c
    await engine.dispose()


async def _assigned_chat(
    s: AsyncSession, org: int, agent_id: int, queue_id: int, skill_id: int | None, t: float
) -> int:
    """A chat queued, offered to the agent, accepted and assigned, with its event log."""
    ix = Interaction(
        org_id=org,
        channel="chat",
        status="assigned",
        queue_id=queue_id,
        skill_id=skill_id,
        agent_id=agent_id,
        queued_at=t,
        order_t=t,
        created_at=at(t),
    )
    s.add(ix)
    await s.flush()
    s.add(
        Offer(
            org_id=org,
            interaction_id=ix.id,
            agent_id=agent_id,
            offered_at=at(t),
            expires_at=t + 20,
            status="accepted",
            closed_at=at(t + 5),
        )
    )
    s.add(
        Assignment(
            org_id=org, interaction_id=ix.id, agent_id=agent_id, active=True, started_at=at(t + 5)
        )
    )
    for kind, who, data in (
        ("interaction.arrived", None, {}),
        ("interaction.queued", None, {"queue_id": str(queue_id)}),
        ("interaction.offered", agent_id, {"agent_ids": [str(agent_id)], "expires_at": t + 20}),
        ("offer.accepted", agent_id, {}),
        ("interaction.assigned", agent_id, {"agent_id": str(agent_id)}),
    ):
        s.add(
            InteractionEvent(
                org_id=org,
                at=at(t),
                type=kind,
                interaction_id=ix.id,
                agent_id=who,
                queue_id=queue_id if kind == "interaction.queued" else None,
                skill_id=skill_id if kind == "interaction.queued" else None,
                data=data,
            )
        )
    await s.flush()
    return ix.id


async def found(c: Center, now: float = T + 10) -> list[Violation]:
    """Every violation in the center's database."""
    return await check_invariants(c.sessions, org_id=c.org, now=now)


def named(violations: list[Violation], invariant: str, text: str) -> list[Violation]:
    """The violations of one invariant whose text contains ``text``."""
    return [v for v in violations if v.invariant == invariant and text in str(v)]


async def change(c: Center, model: Any, key: Any, **values: Any) -> None:
    """Set columns of one row."""
    async with c.sessions() as s:
        row = await s.get(model, key)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        await s.commit()


async def add(c: Center, *rows: Any) -> None:
    """Insert rows."""
    async with c.sessions() as s:
        s.add_all(rows)
        await s.commit()


async def active_assignment(c: Center) -> int:
    """The id of the chat's active assignment."""
    async with c.sessions() as s:
        aid = await s.scalar(select(Assignment.id).where(Assignment.interaction_id == c.chat))
    assert aid is not None
    return aid


async def test_a_healthy_center_has_no_violation(center: Center) -> None:
    """The baseline every other test breaks: no false positive (and every organization)."""
    assert await found(center) == []
    assert await check_invariants(center.sessions, now=T + 10) == []
    await assert_invariants(center.sessions, org_id=center.org, now=T + 10)


# -- legal_states -------------------------------------------------------------------------------


async def test_legal_states_assigned_without_an_active_assignment(center: Center) -> None:
    """assigned => one active assignment of its agent (docs/events.md)."""
    await change(
        center, Assignment, await active_assignment(center), active=False, ended_at=at(T + 6)
    )
    got = await found(center)
    assert named(got, "legal_states", "0 active assignments, not exactly one"), got


async def test_legal_states_waiting_in_no_queue(center: Center) -> None:
    """What deleting a queue with ON DELETE SET NULL leaves (issue 12 finding 1)."""
    aid = await active_assignment(center)
    async with center.sessions() as s:
        row = await s.get(Interaction, center.chat)
        assert row is not None
        row.status, row.agent_id, row.queue_id = "waiting", None, None
        a = await s.get(Assignment, aid)
        assert a is not None
        a.active, a.ended_at = False, at(T + 6)
        await s.commit()
    got = await found(center)
    assert named(got, "legal_states", "in no queue"), got


async def test_legal_states_unknown_status_and_ended_without_time(center: Center) -> None:
    """A status outside the vocabulary; an ended interaction without ended_at."""
    await change(center, Interaction, center.chat, status="stuck")
    got = await found(center)
    assert named(got, "legal_states", "'stuck' is not one of"), got
    await change(center, Interaction, center.chat, status="ended", agent_id=None)
    got = await found(center)
    assert named(got, "legal_states", "over but ended_at is not set"), got
    assert named(got, "legal_states", "not assigned yet has active assignments"), got


async def test_legal_states_open_offer_on_an_assigned_interaction(center: Center) -> None:
    """An offer left open after the interaction went to someone."""
    async with center.sessions() as s:
        bob = User(org_id=center.org, email="bob@alpha.test", display_name="Bob", roles=["agent"])
        s.add(bob)
        await s.flush()
        s.add(
            Offer(
                org_id=center.org,
                interaction_id=center.chat,
                agent_id=bob.id,
                expires_at=T + 20,
                status="open",
            )
        )
        await s.commit()
    got = await found(center)
    assert named(got, "legal_states", "not offered yet has open offers"), got


async def test_legal_states_wrap_up_without_its_end(center: Center) -> None:
    """An agent in wrap_up with no wrap_up_until."""
    await change(center, AgentPresence, center.ann, state="wrap_up")
    got = await found(center)
    assert named(got, "legal_states", "state wrap_up but wrap_up_until is None"), got


# -- single_assignment --------------------------------------------------------------------------


def test_single_assignment_two_active_assignments() -> None:
    """Two active assignments: the unique index refuses it, so the state is built by hand."""
    state = LiveState(
        interactions=[Interaction(id=1, org_id=1, status="assigned", agent_id=7, channel="chat")],
        assignments=[
            Assignment(id=1, org_id=1, interaction_id=1, agent_id=7, active=True, started_at=at(T)),
            Assignment(
                id=2, org_id=1, interaction_id=1, agent_id=8, active=True, started_at=at(T + 1)
            ),
        ],
    )
    got = single_assignment(state)
    assert named(got, "single_assignment", "2 active assignments (agents [7, 8])"), got
    assert named(got, "single_assignment", "overlap"), got
    assert named(legal_states(state), "legal_states", "2 active assignments"), got


async def test_single_assignment_overlapping_and_accepted_twice(center: Center) -> None:
    """An earlier assignment ending after the next began; two acceptances, one assignment."""
    async with center.sessions() as s:
        s.add(
            Assignment(
                org_id=center.org,
                interaction_id=center.chat,
                agent_id=center.ann,
                active=False,
                started_at=at(T + 1),
                ended_at=at(T + 8),
            )
        )
        s.add(
            Offer(
                org_id=center.org,
                interaction_id=center.chat,
                agent_id=center.ann,
                expires_at=T + 20,
                status="accepted",
                closed_at=at(T + 1),
            )
        )
        await s.commit()
    got = await found(center)
    assert named(got, "single_assignment", "overlap"), got
    await change(center, Assignment, await active_assignment(center), ended_at=at(T + 9))
    got = await found(center)
    assert named(got, "single_assignment", "is active but has ended_at"), got


def test_single_assignment_more_acceptances_than_assignments() -> None:
    """Two accepted offers of one interaction and a single assignment."""
    state = LiveState(
        interactions=[Interaction(id=1, org_id=1, status="assigned", agent_id=7, channel="chat")],
        offers=[
            Offer(
                id=i,
                org_id=1,
                interaction_id=1,
                agent_id=a,
                expires_at=T,
                status="accepted",
                closed_at=at(T),
            )
            for i, a in ((1, 7), (2, 8))
        ],
        assignments=[
            Assignment(id=1, org_id=1, interaction_id=1, agent_id=7, active=True, started_at=at(T))
        ],
    )
    got = single_assignment(state)
    assert named(got, "single_assignment", "2 accepted offers but 1 assignments"), got


# -- capacity -----------------------------------------------------------------------------------


async def test_capacity_above_the_per_channel_count(center: Center) -> None:
    """R-W-1: a second chat for an agent whose chat capacity is 1."""
    await change(center, User, center.ann, capacity={"chat": 1})
    assert await found(center) == []  # exactly at capacity is fine
    async with center.sessions() as s:
        await _assigned_chat(s, center.org, center.ann, center.queue, center.skill, T + 1)
        await s.commit()
    got = await found(center)
    assert named(got, "capacity", "2 chat offers/interactions, capacity 1"), got


async def test_capacity_budget_and_no_mixing(center: Center) -> None:
    """R-X-8: a call (100) beside a chat (34) exceeds the budget of 100; R-W-1: no mixing."""
    async with center.sessions() as s:
        iid = await _assigned_chat(s, center.org, center.ann, center.queue, center.skill, T + 1)
        row = await s.get(Interaction, iid)
        assert row is not None
        row.channel = "voice"
        await s.commit()
    got = await found(center)
    assert named(got, "capacity", "uses 134 budget units of 100"), got
    assert named(got, "capacity", "a call beside other work"), got


async def test_capacity_counts_open_offers_not_paused_conversations() -> None:
    """Offers hold a slot; a paused conversation costs its reduced budget only (R-W-6)."""
    ann = User(id=7, org_id=1, capacity={"messaging": 1}, budget=100, is_active=True)
    ixs = [
        Interaction(id=1, org_id=1, status="paused", agent_id=7, channel="messaging"),
        Interaction(id=2, org_id=1, status="offered", channel="messaging"),
    ]
    state = LiveState(
        interactions=ixs,
        users=[ann],
        assignments=[Assignment(id=1, org_id=1, interaction_id=1, agent_id=7, active=True)],
        offers=[Offer(id=1, org_id=1, interaction_id=2, agent_id=7, expires_at=T, status="open")],
    )
    assert capacity(state) == []
    state.offers.append(
        Offer(id=2, org_id=1, interaction_id=3, agent_id=7, expires_at=T, status="open")
    )
    state.interactions.append(Interaction(id=3, org_id=1, status="offered", channel="messaging"))
    got = capacity(state)
    assert named(got, "capacity", "2 messaging offers/interactions, capacity 1"), got


# -- offers_unexpired ---------------------------------------------------------------------------


async def _offered(c: Center) -> int:
    """Turn the chat back into an open offer to Ann (expires at T + 20)."""
    aid = await active_assignment(c)
    async with c.sessions() as s:
        row = await s.get(Interaction, c.chat)
        assert row is not None
        row.status, row.agent_id = "offered", None
        a = await s.get(Assignment, aid)
        assert a is not None
        await s.delete(a)
        o = await s.scalar(select(Offer).where(Offer.interaction_id == c.chat))
        assert o is not None
        o.status, o.closed_at = "open", None
        for e in await s.scalars(
            select(InteractionEvent).where(
                InteractionEvent.type.in_(("offer.accepted", "interaction.assigned"))
            )
        ):
            await s.delete(e)
        await s.commit()
        return o.id


async def test_offers_unexpired_open_offer_past_its_timeout(center: Center) -> None:
    """R-Q-4: an open offer 49 s past its expiry (issue 12 finding 1); the grace is kept."""
    await _offered(center)
    assert await found(center, now=T + 20.5) == []
    got = await found(center, now=T + 69)
    assert named(got, "offers_unexpired", "still open 49.0 s after it expired"), got
    assert offers_unexpired(await load_state(center.sessions), None) == []
    # A fault test on a real clock may allow more latency.
    assert await check_invariants(center.sessions, now=T + 69, grace_s=50) == []


async def test_offers_unexpired_closed_offer_without_its_time(center: Center) -> None:
    """A closed offer has closed_at."""
    async with center.sessions() as s:
        o = await s.scalar(select(Offer).where(Offer.interaction_id == center.chat))
        assert o is not None
        o.closed_at = None
        await s.commit()
    got = await found(center)
    assert named(got, "offers_unexpired", "accepted but closed_at is null"), got


# -- references ---------------------------------------------------------------------------------


async def test_references_queue_login_to_a_deleted_queue(center: Center) -> None:
    """agent_presence.queue_ids keeps a deleted queue (issue 12 finding 1)."""
    await change(center, AgentPresence, center.ann, queue_ids=[center.queue, 999])
    got = await found(center)
    assert named(got, "references", "queue login (queue_ids) names queue 999, which does not"), got


async def test_references_live_work_of_a_deactivated_user(center: Center) -> None:
    """A deactivated user still holding a chat and still busy."""
    await change(center, User, center.ann, is_active=False)
    got = await found(center)
    assert named(got, "references", "agent_id names user"), got
    assert named(got, "references", "deactivated user still busy"), got


async def test_references_flow_and_requested_queue_that_are_gone(center: Center) -> None:
    """A flow naming a deleted queue; a new interaction asking for a deleted queue and flow."""
    await add(
        center,
        FlowRow(
            org_id=center.org,
            name="Main",
            name_key="main",
            graph={"nodes": [{"id": "q", "kind": "queue", "queue_id": "999"}]},
        ),
        Interaction(
            org_id=center.org,
            channel="chat",
            status="new",
            requested_queue_id=998,
            flow_id=997,
        ),
    )
    got = await found(center)
    assert named(got, "references", "a queue node names queue 999"), got
    assert named(got, "references", "requested_queue_id names queue 998"), got
    assert named(got, "references", "flow_id names flow 997"), got


async def test_references_another_organizations_queue(center: Center) -> None:
    """A reference across organizations (the foreign key alone allows it)."""
    async with center.sessions() as s:
        other = Organization(name="Bravo", slug="bravo")
        s.add(other)
        await s.flush()
        q = Queue(org_id=other.id, kind="chat", name="Web", name_key="web")
        s.add(q)
        await s.flush()
        qid = q.id
        await s.commit()
    await change(center, AgentPresence, center.ann, queue_ids=[qid])
    got = await found(center)
    assert named(got, "references", f"names queue {qid} of organization"), got


# -- log_agrees ---------------------------------------------------------------------------------


async def test_log_agrees_status_against_the_last_status_event(center: Center) -> None:
    """The table says assigned while the log last requeued it."""
    await add(
        center,
        InteractionEvent(
            org_id=center.org,
            at=at(T + 9),
            type="interaction.requeued",
            interaction_id=center.chat,
            agent_id=center.ann,
            data={"reason": "expired"},
        ),
    )
    got = await found(center)
    assert named(got, "log_agrees", "the last status event is interaction.requeued"), got


async def test_log_agrees_queue_of_the_last_queued_event(center: Center) -> None:
    """The table's queue is not the one the log last queued it in (a stale or reused id)."""
    async with center.sessions() as s:
        q = Queue(org_id=center.org, kind="chat", name="Other", name_key="other")
        s.add(q)
        await s.flush()
        row = await s.get(Interaction, center.chat)
        assert row is not None
        row.queue_id, row.skill_id = q.id, None
        await s.commit()
    got = await found(center)
    assert named(got, "log_agrees", "but it was last placed in queue"), got
    assert named(got, "log_agrees", "but it was last placed for skill"), got


async def test_log_agrees_offer_and_assignment_rows_need_their_events(center: Center) -> None:
    """An offer with no interaction.offered event, an assignment with no interaction.assigned,
    a closed offer that no event closed."""
    async with center.sessions() as s:
        for e in await s.scalars(
            select(InteractionEvent).where(
                InteractionEvent.type.in_(
                    ("interaction.offered", "interaction.assigned", "offer.accepted")
                )
            )
        ):
            await s.delete(e)
        await s.commit()
    got = await found(center)
    assert named(got, "log_agrees", "no interaction.offered event names this agent"), got
    assert named(got, "log_agrees", "no interaction.assigned event for agent"), got
    assert named(got, "log_agrees", "accepted but no event in the log closed it"), got
    assert named(got, "log_agrees", "the last status event is interaction.queued"), got


async def test_log_agrees_offer_expiry_must_be_the_logged_one(center: Center) -> None:
    """The offer row's expiry differs from what interaction.offered said."""
    async with center.sessions() as s:
        o = await s.scalar(select(Offer).where(Offer.interaction_id == center.chat))
        assert o is not None
        o.expires_at = T + 40
        await s.commit()
    got = await found(center)
    assert named(got, "log_agrees", "but no interaction.offered event says so"), got


async def test_log_agrees_new_after_routing(center: Center) -> None:
    """An interaction still new although the log routed it; one with no event at all."""
    await add(
        center,
        Interaction(
            org_id=center.org, channel="chat", status="waiting", queue_id=center.queue, queued_at=T
        ),
    )
    got = await found(center)
    assert named(got, "log_agrees", "no event in the log says how it got there"), got
    aid = await active_assignment(center)
    async with center.sessions() as s:
        await s.delete(await s.get(Assignment, aid))
        row = await s.get(Interaction, center.chat)
        assert row is not None
        row.status, row.agent_id = "new", None
        await s.commit()
    got = await found(center)
    assert named(got, "log_agrees", "still new after interaction.assigned"), got


# -- declines_kept -------------------------------------------------------------------------------


LogRow = tuple[str, int | None, int | None, dict[str, Any]]


def _log(*rows: LogRow) -> LiveState:
    """A state holding only an event log: (type, interaction, agent, data) in id order."""
    return LiveState(
        events=[
            InteractionEvent(id=i, org_id=1, type=kind, interaction_id=iid, agent_id=aid, data=data)
            for i, (kind, iid, aid, data) in enumerate(rows, start=1)
        ]
    )


def test_declines_kept_reoffer_after_expiry_without_a_pause() -> None:
    """R-Q-4 (issue 12 finding 4): expired for agent 7, then offered to 7 again."""
    offered: LogRow = ("interaction.offered", 1, 7, {"agent_ids": ["7"], "expires_at": T})
    expired: LogRow = ("interaction.requeued", 1, 7, {"reason": "expired"})
    got = declines_kept(_log(offered, expired, offered))
    assert named(got, "declines_kept", "offered again to agent 7 (event 3)"), got
    paused: LogRow = ("agent.state_changed", None, 7, {"from": "available", "to": "paused"})
    assert declines_kept(_log(offered, expired, paused, offered)) == []
    transferred: LogRow = ("interaction.transferred", 1, 8, {})
    assert declines_kept(_log(offered, expired, transferred, offered)) == []
    other: LogRow = ("interaction.offered", 1, 8, {"agent_ids": ["8"], "expires_at": T})
    assert declines_kept(_log(offered, expired, other)) == []


def test_declines_kept_ring_all_expiry_and_rejection() -> None:
    """A ring-all expiry (no agent on the row) declines for every agent offered; a rejection
    for the agent who rejected."""
    ring: LogRow = ("interaction.offered", 1, None, {"agent_ids": ["7", "8"], "expires_at": T})
    expired: LogRow = ("interaction.requeued", 1, None, {"reason": "expired"})
    got = declines_kept(_log(ring, expired, ring))
    assert len(named(got, "declines_kept", "offered again")) == 2, got
    rejected: LogRow = ("offer.rejected", 1, 8, {})
    again: LogRow = ("interaction.offered", 1, 8, {"agent_ids": ["8"], "expires_at": T})
    got = declines_kept(_log(ring, rejected, again))
    assert named(got, "declines_kept", "offered again to agent 8"), got


# -- the fixture hook ---------------------------------------------------------------------------


async def test_world_hook_fails_on_a_violation_and_reports_broken_loops(
    world: LiveWorld, org_a: Org
) -> None:
    """`check_world` (the live fixtures' finalizer) fires due timers first, then fails with
    the list; a broken loop is reported as such."""
    web = await queue(world, org_a, "Web", wrap_up_s=0, offer_timeout_s=20)
    await agent(world, org_a, "ann", queues=[web])
    made = await chat(world, org_a, queue_id=web)
    world.clock.advance(100)
    stale = await check_invariants(world.state.sessions, now=world.clock())
    assert named(stale, "offers_unexpired", "still open 80.0 s after it expired"), stale
    await check_world(world)  # the loop's timer moves the offer on: nothing left
    router = await world.live.router(org_a.id)
    router.broken = True
    assert named(await settle(world.live), "loop_alive", "broken and not rebuilt")
    router.broken = False
    async with world.state.sessions() as s:
        row = await s.get(Interaction, made["id"])
        assert row is not None
        before = row.queue_id
        row.queue_id = None
        await s.commit()
    with pytest.raises(AssertionError, match=r"invariant violation\(s\)[\s\S]*in no queue"):
        await check_world(world)
    async with world.state.sessions() as s:
        row = await s.get(Interaction, made["id"])
        assert row is not None
        row.queue_id = before
        await s.commit()


# -- the product: issue 12 findings 1 and 4, as the checker sees them -------------------------
# Each failed before the fixes with the violations named in its docstring.


async def test_product_deleting_a_queue_with_live_work(world: LiveWorld, org_a: Org) -> None:
    """Today: 204, the offered and waiting chats keep their status with queue_id null
    (legal_states, log_agrees), their offers outlive the timeout (offers_unexpired), the
    agents stay logged in to the deleted queue (references) and the loop dies (loop_alive)."""
    web = await queue(world, org_a, "Web", wrap_up_s=0, offer_timeout_s=20)
    await agent(world, org_a, "ann", queues=[web])
    for _ in range(4):
        await chat(world, org_a, queue_id=web)
    await world.client.delete(f"/api/v1/queues/{web}", headers=org_a.admin)
    world.clock.advance(60)
    await final_check(world)


async def test_product_deleting_a_skill_with_live_work(world: LiveWorld, org_a: Org) -> None:
    """Today: 204, the waiting chat loses its skill silently (log_agrees: skill_id null but
    it was last placed for the skill)."""
    billing = await skill(world, org_a, "Billing")
    web = await queue(world, org_a, "Web", wrap_up_s=0)
    await chat(world, org_a, queue_id=web, skill_id=billing)
    await world.client.delete(f"/api/v1/skills/{billing}", headers=org_a.admin)
    await final_check(world)


async def test_product_deactivating_an_agent_with_open_work(world: LiveWorld, org_a: Org) -> None:
    """Today: 200, the deactivated agent keeps the assigned chat and its active assignment
    (references)."""
    web = await queue(world, org_a, "Web", wrap_up_s=0)
    ann = await agent(world, org_a, "ann", queues=[web])
    made = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{made['id']}/accept", ann, None)
    await world.client.patch(
        f"/api/v1/users/{org_a.users['ann']}", json={"is_active": False}, headers=org_a.admin
    )
    await final_check(world)


async def test_product_declined_offer_not_again_after_a_restart(
    world: LiveWorld, org_a: Org
) -> None:
    """Today: Ann lets the offer expire, the server restarts, and she is offered the same chat
    again (declines_kept)."""
    from tests.live.test_recovery import restart

    web = await queue(world, org_a, "Web", wrap_up_s=0, offer_timeout_s=20)
    await agent(world, org_a, "ann", queues=[web])
    await chat(world, org_a, queue_id=web)
    await world.tick(org_a, 25)
    await restart(world)
    r = await world.client.get("/api/v1/supervision/live", headers=org_a.admin)
    assert r.status_code == 200, r.text
    await final_check(world)


async def test_product_personal_queue_offer_goes_back_to_its_owner(
    world: LiveWorld, org_a: Org
) -> None:
    """A chat in Tom's personal queue (R-W-5) that Tom lets expire is offered to Tom again:
    he is the only agent who may take it, so the R-Q-4 "next agent" memory does not apply
    (docs/routing.md); declines_kept leaves personal-queue offers out."""
    web = await queue(world, org_a, "Web", wrap_up_s=0, offer_timeout_s=20)
    ann = await agent(world, org_a, "ann", queues=[web])
    tom = await agent(world, org_a, "tom", queues=[web], available=False)
    made = await chat(world, org_a, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{made['id']}/accept", ann, None)
    await put(world, "/api/v1/agent/state", tom, {"state": "paused"})
    moved = await post(
        world,
        f"/api/v1/interactions/{made['id']}/transfer",
        ann,
        {"to_agent_id": org_a.users["tom"]},
    )
    assert moved["personal_agent_id"] == org_a.users["tom"]
    await put(world, "/api/v1/agent/state", tom, {"state": "available"})
    await world.tick(org_a, 21)
    async with world.state.sessions() as s:
        offered = await s.scalars(
            select(Offer.agent_id).where(Offer.interaction_id == made["id"], Offer.status == "open")
        )
        assert list(offered) == [org_a.users["tom"]]
    await final_check(world)
