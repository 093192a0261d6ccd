"""Rebuild an organization's routing state from the database (start, restart, broken loop).

Waiting interactions are replayed into a fresh engine at the time they entered their queue,
oldest first, with every agent offline, so they keep their place and age (R-Q-8); the engine's
own timers (overflow, widening, flow waits) replay with them. Interactions an agent was
handling are given back to that agent, paused conversations stay paused (R-W-6), accepted
callbacks keep their place (R-Q-6), personal-queue entries stay in the personal queue (R-W-5)
and wrap-ups that have not run out go on (R-Q-7); disposition timers keep their deadline
(R-W-3). Offers that were open are reclaimed: the interaction waits at its place and is
offered again when the agents come back (the agent could not answer while the server was
down, so it does not count against them). An agent who let an offer expire or rejected it is
not offered that interaction again until they have been paused or offline (R-Q-4): the offer
rows and the agent's ``available_since`` tell which declines still hold. Restoring an
assignment has no engine event, so this module uses the engine's primitives directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.domain.enums import AgentState, Channel
from guichet.domain.routing import InteractionStatus
from guichet.live.config_loader import Loaded, load_config
from guichet.live.dispositions import pending
from guichet.persistence.models import AgentPresence, Interaction, Offer
from guichet.routing import (
    AgentStateChanged,
    ConversationPaused,
    Explanation,
    InteractionArrived,
    KeyPressed,
    RoutingEngine,
)
from guichet.routing.state import Ix

#: Statuses of interactions routing still owns.
LIVE = ("new", "in_flow", "waiting", "offered", "callback", "assigned", "paused")


@dataclass
class Plan:
    """What the rebuilt loop still has to do, through its own (persisted) commands."""

    agent_events: list[AgentStateChanged] = field(default_factory=list)
    new_interactions: list[int] = field(default_factory=list)
    reclaimed: list[int] = field(default_factory=list)
    #: R-W-3: running disposition timers (interaction id -> deadline).
    dispositions: dict[int, float] = field(default_factory=dict)
    #: R-Q-4: (interaction id, agent id) declines that still hold.
    declines: list[tuple[int, int]] = field(default_factory=list)


def arrival_event(row: Interaction, *, replay: bool = False) -> InteractionArrived:
    """The engine event of an interaction's arrival (intake, or replay at recovery)."""
    queue: str | None
    if replay and row.queue_id is not None:
        queue, skill, flow = str(row.queue_id), row.skill_id, None
    else:
        queue = None if row.requested_queue_id is None else str(row.requested_queue_id)
        skill, flow = row.requested_skill_id, row.flow_id
    return InteractionArrived(
        str(row.id),
        Channel(row.channel),
        queue_id=queue,
        skill=None if skill is None else str(skill),
        priority=row.priority,
        contact_id=None if row.contact_id is None else str(row.contact_id),
        caller_id=row.caller_id,
        context=dict(row.context or {}),
        flow_id=None if flow is None or queue is not None else str(flow),
    )


def _replay_time(row: Interaction) -> float:
    return row.queued_at if row.queued_at is not None else row.created_at.timestamp()


async def rebuild(
    session: AsyncSession, *, org_id: int, now: float
) -> tuple[RoutingEngine, Loaded, Plan]:
    """A fresh engine holding the organization's live interactions, and what is left to do."""
    loaded = await load_config(session, org_id=org_id)
    rows: Sequence[Interaction] = (
        await session.scalars(
            select(Interaction)
            .where(Interaction.org_id == org_id, Interaction.status.in_(LIVE))
            .order_by(Interaction.id)
        )
    ).all()
    presence = (
        await session.scalars(
            select(AgentPresence)
            .where(AgentPresence.org_id == org_id)
            .order_by(AgentPresence.user_id)
        )
    ).all()
    plan = Plan()
    replayed = sorted((r for r in rows if r.status != "new"), key=lambda r: (_replay_time(r), r.id))
    start = min([now, *(_replay_time(r) for r in replayed)])
    engine = RoutingEngine(loaded.config, now=start)
    defaults = {q.id: q.skill for q in loaded.config.queues}
    for row in replayed:
        t = max(engine.now, _replay_time(row))
        event = arrival_event(row, replay=True)
        if row.requested_skill_id is None and event.skill == defaults.get(event.queue_id or ""):
            # The stored skill is the queue's default: the engine derives it again, so it
            # stays the queue's (it does not follow the interaction to another queue)
            # instead of becoming the interaction's own.
            event = event._replace(skill=None)
        engine.handle(event, t)
        ix = engine.ixs.get(str(row.id))
        if ix is None or ix.status is not InteractionStatus.WAITING:
            continue
        if row.order_t is not None and row.order_t != ix.order_t:
            engine.waiting.unwait(ix)
            ix.order_t = row.order_t
            engine.waiting.wait(ix)
        if row.status == "offered":
            plan.reclaimed.append(row.id)
    engine.advance(max(engine.now, now))
    t = engine.now
    for row in replayed:
        _restore(engine, row, t)
    wraps = {r.id: r for r in rows}
    for p in presence:
        a = engine.agents.get(str(p.user_id))
        if a is None:
            continue
        if p.wrap_up_until is not None and p.wrap_up_until > t:
            w = Ix(str(p.wrap_interaction_id or 0), Channel.CHAT, 0, t)
            src = wraps.get(p.wrap_interaction_id or 0)
            qid = None if src is None or src.queue_id is None else str(src.queue_id)
            w.queue = None if qid is None else engine.queues.get(qid)
            if w.queue is None and engine.queues:
                w.queue = next(iter(engine.queues.values()))
            engine.work.start_wrap(a, w, p.wrap_up_until, t, [])
        if p.presence == "available":
            plan.agent_events.append(AgentStateChanged(str(p.user_id), AgentState.AVAILABLE))
        elif p.presence == "paused":
            plan.agent_events.append(AgentStateChanged(str(p.user_id), AgentState.PAUSED, p.reason))
    plan.new_interactions = [r.id for r in rows if r.status == "new"]
    plan.dispositions = await pending(session, org_id=org_id)
    plan.declines = await _declines(session, engine, rows, presence)
    return engine, loaded, plan


async def _declines(
    session: AsyncSession,
    engine: RoutingEngine,
    rows: Sequence[Interaction],
    presence: Sequence[AgentPresence],
) -> list[tuple[int, int]]:
    """R-Q-4: the expired or rejected offers of waiting interactions that still hold.

    A decline holds while the agent has stayed available since (``available_since`` before the
    offer closed) and the interaction has not moved to another queue since (``queued_at``).
    """
    waiting = {
        r.id: r
        for r in rows
        if (ix := engine.ixs.get(str(r.id))) is not None
        and ix.status is InteractionStatus.WAITING
        and ix.agent is None
    }
    back = {p.user_id: p.available_since for p in presence if p.presence == "available"}
    if not waiting or not back:
        return []
    found = await session.execute(
        select(Offer.interaction_id, Offer.agent_id, Offer.closed_at).where(
            Offer.interaction_id.in_(sorted(waiting)),
            Offer.agent_id.in_(sorted(back)),
            Offer.status.in_(("expired", "rejected")),
        )
    )
    holds = set()
    for iid, agent_id, closed_at in found:
        if closed_at is None:
            continue
        closed = closed_at.timestamp()
        since = back[agent_id]
        queued = waiting[iid].queued_at
        if (since is None or closed >= since) and (queued is None or closed >= queued):
            holds.add((iid, agent_id))
    return sorted(holds)


def restore_declines(engine: RoutingEngine, plan: Plan) -> None:
    """Put the declines that still hold back on the interactions (R-Q-4).

    Agents start offline in a rebuilt engine and become available through the plan's agent
    events, which open their next availability period (``epoch + 1``): the declines are
    recorded for that period, before the agents come back and could be offered again.
    """
    coming = {ev.agent_id for ev in plan.agent_events if ev.state is AgentState.AVAILABLE}
    for iid, agent_id in plan.declines:
        ix = engine.ixs.get(str(iid))
        a = engine.agents.get(str(agent_id))
        if ix is None or a is None or a.id not in coming:
            continue
        if ix.declined is None:
            ix.declined = {}
        ix.declined[a.idx] = a.epoch + (0 if a.presence == "available" else 1)


def _restore(engine: RoutingEngine, row: Interaction, t: float) -> None:
    """Give a replayed interaction back its agent, personal queue or callback."""
    iid = str(row.id)
    ix = engine.ixs.get(iid)
    if ix is None or ix.status is not InteractionStatus.WAITING:
        return
    if row.status in ("assigned", "paused") and row.agent_id is not None:
        a = engine.agents.get(str(row.agent_id))
        if a is None or a.removed:
            return  # no longer an agent: it waits and is routed again
        engine.waiting.unwait(ix)
        engine.capacity.reserve(a, ix)
        engine.dispatch.assign(ix, a, ix.expl or Explanation("R-X-10"), t, [])
        if row.status == "paused":
            engine.handle(ConversationPaused(iid), t)
    elif row.personal_agent_id is not None:
        a = engine.agents.get(str(row.personal_agent_id))
        if a is not None and not a.removed:
            engine.waiting.unwait(ix)
            ix.personal = a
            engine.waiting.wait(ix)
    elif row.status == "callback":
        ix.callback_offered = True
        engine.handle(KeyPressed(iid, "#"), t)
