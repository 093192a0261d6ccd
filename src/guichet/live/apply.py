"""Write one batch of routing decisions to the database, in the caller's transaction.

The rows follow the engine: after the engine handled an event, every interaction and agent it
touched is read back from the engine's views and the rows (status, queue, agent, offers,
assignments, presence) are made to match; one event-log row is written per decision (with its
explanation, R-X-3) and per accepted input event (R-AN-8). What to publish is returned; the
loop publishes it only after the commit.

An ``interaction`` event goes to the agents it is offered or assigned to (or whose offer or
assignment just closed), the watchers of its queues (R-P-2) and the users whose statistics
scope covers it, judged by every agent it was ever assigned to (R-A-6, `Audience`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.domain.events import LiveEvent
from guichet.domain.routing import InteractionStatus
from guichet.live.config_loader import Audience
from guichet.live.dispositions import start_timers
from guichet.live.events_log import decision_log, event_log, wrap_agents
from guichet.live.presence_sync import Publication, sync_agents
from guichet.live.render import HELD, at, interaction_dict, offer_dict
from guichet.persistence.models import (
    AgentPresence,
    Assignment,
    Interaction,
    InteractionTag,
    Offer,
)
from guichet.routing import (
    AssignInteraction,
    Decision,
    Event,
    OfferCallback,
    OfferInteraction,
    RefuseEvent,
    RequeueInteraction,
    RoutingEngine,
    StartWrapUp,
    WithdrawOffer,
)

_REQUEUE_OUTCOME = {"expired": "expired", "rejected": "rejected", "agent_left": "withdrawn"}


@dataclass
class Batch:
    """An engine input (None for timers) with its decisions, actor and time."""

    event: Event | None
    decisions: list[Decision]
    now: float
    actor_id: int | None = None
    #: Extra interactions and agents whose rows must be refreshed (e.g. recovery).
    interactions: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    #: Queues an agent of this batch left: their supervisors hear of it (R-Q-12).
    old_queues: set[int] = field(default_factory=set)
    #: Further input events whose interactions and agents count as touched (group commit).
    events: list[Event] = field(default_factory=list)


async def interaction_audience(
    session: AsyncSession, audience: Audience, row: Interaction
) -> set[int]:
    """Who receives an ``interaction`` event about ``row`` published outside the loop (a tag
    or wrap-up change): its agent, its queue's watchers and its conversation watchers (R-A-6),
    judged, as in the loop, by every agent it was ever assigned to."""
    agents = set(
        await session.scalars(
            select(Assignment.agent_id).where(Assignment.interaction_id == row.id)
        )
    )
    users = audience.for_queues({row.queue_id} if row.queue_id is not None else set())
    if row.agent_id is not None:
        agents.add(row.agent_id)
        users.add(row.agent_id)
    return users | audience.for_conversation(agents)


def _int(value: str | None) -> int | None:
    return None if value is None or not value.isdigit() else int(value)


def touched(batch: Batch) -> tuple[set[str], set[str]]:
    """Interaction and agent ids the event and its decisions name."""
    ixs = set(batch.interactions)
    agents = set(batch.agents)
    items: list[Any] = list(batch.decisions)
    items.extend(batch.events)
    if batch.event is not None:
        items.append(batch.event)
    for item in items:
        if isinstance(item, RefuseEvent):
            continue
        iid = getattr(item, "interaction_id", None)
        if isinstance(iid, str):
            ixs.add(iid)
        for name in ("agent_id", "to_agent_id", "personal_agent_id"):
            aid = getattr(item, name, None)
            if isinstance(aid, str):
                agents.add(aid)
        agents.update(getattr(item, "agent_ids", ()))
    return ixs, agents


def _outcomes(decisions: Iterable[Decision]) -> dict[tuple[str, str | None], str]:
    """How each closed offer ended, from this batch's decisions: (interaction, agent) -> status."""
    out: dict[tuple[str, str | None], str] = {}
    for d in decisions:
        if isinstance(d, AssignInteraction):
            out[(d.interaction_id, d.agent_id)] = "accepted"
        elif isinstance(d, WithdrawOffer):
            for a in d.agent_ids:
                out[(d.interaction_id, a)] = "withdrawn"
        elif isinstance(d, RequeueInteraction):
            out.setdefault((d.interaction_id, d.agent_id), _REQUEUE_OUTCOME.get(d.reason, "closed"))
            out.setdefault((d.interaction_id, None), _REQUEUE_OUTCOME.get(d.reason, "closed"))
    return out


async def apply_batch(
    session: AsyncSession,
    engine: RoutingEngine,
    *,
    org_id: int,
    audience: Audience,
    batch: Batch,
) -> list[Publication]:
    """Make the rows match the engine for everything the batch touched; log; return events."""
    wrapping = await wrapping_of(session, org_id=org_id, batches=[batch])
    log_batch(session, org_id=org_id, batch=batch, wrapping=wrapping)
    return await sync_batch(session, engine, org_id=org_id, audience=audience, batch=batch)


async def apply_batches(
    session: AsyncSession,
    engine: RoutingEngine,
    *,
    org_id: int,
    audience: Audience,
    batches: list[Batch],
) -> list[Publication]:
    """Several commands' batches at once (group commit): each logged, the rows synced once."""
    if len(batches) == 1:
        return await apply_batch(
            session, engine, org_id=org_id, audience=audience, batch=batches[0]
        )
    merged = Batch(None, [], batches[-1].now)
    actors = {b.actor_id for b in batches}
    merged.actor_id = actors.pop() if len(actors) == 1 else None
    wrapping = await wrapping_of(session, org_id=org_id, batches=batches)
    for b in batches:
        log_batch(session, org_id=org_id, batch=b, wrapping=wrapping)
        merged.decisions.extend(b.decisions)
        if b.event is not None:
            merged.events.append(b.event)
        merged.events.extend(b.events)
        merged.interactions |= b.interactions
        merged.agents |= b.agents
        merged.old_queues |= b.old_queues
    return await sync_batch(session, engine, org_id=org_id, audience=audience, batch=merged)


async def wrapping_of(
    session: AsyncSession, *, org_id: int, batches: Iterable[Batch]
) -> dict[str, int]:
    """Agent id -> the interaction it wraps up now, for the agents whose wrap-up the batches
    start or end (no query when none does)."""
    agents: set[int] = set()
    for b in batches:
        agents |= wrap_agents(b.decisions)
    if not agents:
        return {}
    rows = await session.execute(
        select(AgentPresence.user_id, AgentPresence.wrap_interaction_id).where(
            AgentPresence.org_id == org_id,
            AgentPresence.user_id.in_(sorted(agents)),
            AgentPresence.wrap_interaction_id.is_not(None),
        )
    )
    return {str(uid): iid for uid, iid in rows if iid is not None}


def log_batch(
    session: AsyncSession, *, org_id: int, batch: Batch, wrapping: dict[str, int] | None = None
) -> None:
    """The event-log rows of one batch: its event unless refused, then its decisions.

    The event comes first, so ids follow causes (R-AN-8): an input and the decisions it caused
    share one time, and a fold reading by id needs no guess about which came first.
    ``wrapping`` (from ``wrapping_of``, updated in place) names the interaction of each
    ``agent.wrap_up_ended`` row (R-Q-7)."""
    when = at(batch.now)
    if batch.event is not None and not any(isinstance(d, RefuseEvent) for d in batch.decisions):
        logged = event_log(batch.event, org_id=org_id, actor_id=batch.actor_id, at=when)
        if logged is not None:
            session.add(logged)
    for entry in decision_log(
        batch.decisions, org_id=org_id, actor_id=batch.actor_id, at=when, wrapping=wrapping
    ):
        session.add(entry)


async def sync_batch(
    session: AsyncSession,
    engine: RoutingEngine,
    *,
    org_id: int,
    audience: Audience,
    batch: Batch,
) -> list[Publication]:
    """Rows of everything the batch touched follow the engine's views; returns the events."""
    now = batch.now
    when = at(now)
    ix_ids, agent_ids = touched(batch)
    pubs: list[Publication] = []
    ids = [i for i in (_int(x) for x in ix_ids) if i is not None]
    rows = {
        r.id: r
        for r in await session.scalars(
            select(Interaction).where(Interaction.org_id == org_id, Interaction.id.in_(ids))
        )
    }
    open_offers: dict[int, list[Offer]] = {}
    for o in await session.scalars(
        select(Offer).where(Offer.interaction_id.in_(ids), Offer.status == "open")
    ):
        open_offers.setdefault(o.interaction_id, []).append(o)
    active: dict[int, Assignment] = {}
    #: R-A-6: every agent each interaction was assigned to, now or earlier.
    handled: dict[int, set[int]] = {}
    for a in await session.scalars(select(Assignment).where(Assignment.interaction_id.in_(ids))):
        handled.setdefault(a.interaction_id, set()).add(a.agent_id)
        if a.active:
            active[a.interaction_id] = a
    for d in batch.decisions:
        if isinstance(d, OfferCallback) and d.interaction_id.isdigit():
            found = rows.get(int(d.interaction_id))
            if found is not None:
                found.callback_offered = True
    offers_made = {d.interaction_id: d for d in batch.decisions if isinstance(d, OfferInteraction)}
    outcomes = _outcomes(batch.decisions)
    wrapping = {d.interaction_id for d in batch.decisions if isinstance(d, StartWrapUp)}
    audience_of: dict[int, set[int]] = {}
    new_offers: list[tuple[Offer, Interaction]] = []
    just_ended: list[Interaction] = []
    for iid, row in rows.items():
        view = engine.interaction_view(str(iid))
        if view is None:
            continue
        users: set[int] = set()
        old_queue = row.queue_id
        status = view.status.value
        row.status = status
        row.queue_id = _int(view.queue_id)
        row.skill_id = _int(view.skill)
        agent = _int(view.agent_id) if status in HELD else None
        if agent is not None or status != InteractionStatus.ENDED:
            # An ended interaction keeps naming the agent who handled it last (docs/concepts.md,
            # the export's agent_id); `agent` (None) still closes her assignment below.
            row.agent_id = agent
        row.personal_agent_id = _int(view.personal_agent_id)
        row.overflow = view.overflow
        row.callback = view.callback
        row.queued_at = view.queued_at
        row.order_t = view.order_t
        if status in (InteractionStatus.ENDED, InteractionStatus.ABANDONED) and not row.ended_at:
            row.ended_at = when
            # R-W-3: notes stay editable through the wrap-up, if there is one.
            row.closed = str(iid) not in wrapping
            if status == InteractionStatus.ENDED:
                just_ended.append(row)
        offered = {int(a) for a in view.offered_to if a.isdigit()}
        if status != InteractionStatus.OFFERED:
            offered = set()
        for o in open_offers.get(iid, []):
            if o.agent_id in offered:
                offered.discard(o.agent_id)
                continue
            key = (str(iid), str(o.agent_id))
            o.status = outcomes.get(key) or outcomes.get((str(iid), None)) or "withdrawn"
            o.closed_at = when
            users.add(o.agent_id)
            agent_ids.add(str(o.agent_id))
            pubs.append(
                Publication(
                    {"type": LiveEvent.OFFER, "op": "remove", "offer": offer_dict(o)}, {o.agent_id}
                )
            )
        made = offers_made.get(str(iid))
        for uid in sorted(offered):
            o = Offer(
                org_id=org_id,
                interaction_id=iid,
                agent_id=uid,
                offered_at=when,
                expires_at=made.expires_at if made else now,
                outbound=made.outbound if made else False,
                explanation=made.explanation.as_dict() if made else {},
            )
            session.add(o)
            new_offers.append((o, row))
            users.add(uid)
            agent_ids.add(str(uid))
        current = active.get(iid)
        if current is not None and current.agent_id != agent:
            current.active = False
            current.ended_at = when
            current.end_reason = "ended" if status in ("ended", "abandoned") else status
            users.add(current.agent_id)
            agent_ids.add(str(current.agent_id))
            await session.flush()
            current = None
        if current is None and agent is not None:
            session.add(
                Assignment(org_id=org_id, interaction_id=iid, agent_id=agent, started_at=when)
            )
            users.add(agent)
        for person in (agent, row.personal_agent_id):
            if person is not None:
                users.add(person)
        queues = {q for q in (old_queue, row.queue_id) if q is not None}
        agents = handled.get(iid, set()) | ({agent} if agent is not None else set())
        users |= audience.for_interaction(queues, agents)
        audience_of[iid] = users
    await start_timers(session, just_ended, now)
    if new_offers:
        await session.flush()  # offer ids, for the events
    for o, row in new_offers:
        body = offer_dict(o)
        body["interaction"] = interaction_dict(row)
        pubs.append(
            Publication({"type": LiveEvent.OFFER, "op": "add", "offer": body}, {o.agent_id})
        )
    if rows:
        tags: dict[int, list[int]] = {}
        for iid, tid in await session.execute(
            select(InteractionTag.interaction_id, InteractionTag.tag_id).where(
                InteractionTag.interaction_id.in_(list(rows))
            )
        ):
            tags.setdefault(iid, []).append(tid)
        for iid, row in rows.items():
            pubs.append(
                Publication(
                    {
                        "type": LiveEvent.INTERACTION,
                        "interaction": interaction_dict(row, tags.get(iid, [])),
                    },
                    audience_of.get(iid, set()) | audience.admins,
                )
            )
    pubs.extend(
        await sync_agents(
            session, engine, org_id=org_id, audience=audience, batch=batch, agent_ids=agent_ids
        )
    )
    return pubs
