"""What a client sees on register, and how it applies the events that follow (docs/events.md).

`apply_event(snapshot, event)` is the client's contract: a snapshot taken at any moment plus
the events published after it equals a fresh snapshot (tests check it per event type).

The ``conversations`` section lists the live interactions the user's access-rights statistics
scope covers (R-A-2, R-A-6), read through the same SQL filter as the conversation lists; the
loop sends ``interaction`` events to exactly those users (`live.config_loader.Audience`), so
the section stays exact: a Director sees every live conversation, a Manager their own.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from guichet.authz import access as policy
from guichet.authz.access import Area, Filter
from guichet.authz.caller import Caller
from guichet.authz.cc import ADMINISTRATOR, AGENT, SUPERVISOR
from guichet.domain.events import LiveEvent
from guichet.live.render import HELD, WAITING, agent_dict, interaction_dict, offer_dict
from guichet.persistence.models import (
    AgentPresence,
    ContactCenterPermissions,
    Interaction,
    InteractionTag,
    Offer,
    Queue,
    QueueMember,
    User,
)
from guichet.queries.access import conversation_where, load_subject

#: Statuses of an interaction still going on: the ``conversations`` section lists these.
LIVE = ("in_flow", "waiting", "offered", "assigned", "paused", "callback")


async def visible_queues(
    session: AsyncSession, *, org_id: int, user_id: int, roles: list[str]
) -> list[Queue] | None:
    """Queues whose live view the user may watch (R-S-1, R-P-2); None for plain agents."""
    if ADMINISTRATOR not in roles and SUPERVISOR not in roles:
        return None
    stmt = select(Queue).where(Queue.org_id == org_id).order_by(Queue.id)
    if ADMINISTRATOR not in roles:
        perms = await session.get(ContactCenterPermissions, org_id)
        if perms is None or perms.supervisor_limit_to_assigned_queues:
            mine = select(QueueMember.queue_id).where(
                QueueMember.user_id == user_id, QueueMember.role == "supervisor"
            )
            stmt = stmt.where(Queue.id.in_(mine))
    return list((await session.scalars(stmt)).all())


@dataclass(frozen=True)
class WatchedQueue:
    """A queue of the supervisor live view and what waits in it (R-S-1)."""

    queue: Queue
    #: The interactions waiting (or holding a callback), as `interaction_dict` renders them,
    #: in the order they will be served (``_order``, the order clients keep with `apply_event`).
    waiting: list[dict[str, Any]]
    #: The same interactions' rows, in the same order.
    rows: list[Interaction]


@dataclass(frozen=True)
class SupervisorView:
    """What a supervisor watches (R-S-1): the queues they may see, and the agents logged in to
    one of them. The WebSocket snapshot and ``GET /supervision/live`` both render this."""

    queues: list[WatchedQueue]
    #: The presence of every agent logged in to one of ``queues``, by user id.
    agents: list[AgentPresence]


async def supervisor_view(
    session: AsyncSession, *, org_id: int, user_id: int, roles: list[str]
) -> SupervisorView | None:
    """The live view of the queues the user supervises (R-S-1, R-P-2); None for plain agents."""
    queues = await visible_queues(session, org_id=org_id, user_id=user_id, roles=roles)
    if queues is None:
        return None
    ids = [q.id for q in queues]
    rows = (
        await session.scalars(
            select(Interaction).where(
                Interaction.org_id == org_id,
                Interaction.queue_id.in_(ids),
                Interaction.status.in_(WAITING),
            )
        )
    ).all()
    tags = await _tags(session, [r.id for r in rows])
    rendered = sorted(
        ((interaction_dict(r, tags.get(r.id, [])), r) for r in rows),
        key=lambda pair: _order(pair[0]),
    )
    watched = [
        WatchedQueue(
            queue=q,
            waiting=[d for d, r in rendered if r.queue_id == q.id],
            rows=[r for _, r in rendered if r.queue_id == q.id],
        )
        for q in queues
    ]
    presence = await session.scalars(
        select(AgentPresence).where(AgentPresence.org_id == org_id).order_by(AgentPresence.user_id)
    )
    visible = set(ids)
    agents = [p for p in presence if visible & {int(x) for x in p.queue_ids}]
    return SupervisorView(queues=watched, agents=agents)


async def _tags(session: AsyncSession, ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    if ids:
        for iid, tid in await session.execute(
            select(InteractionTag.interaction_id, InteractionTag.tag_id).where(
                InteractionTag.interaction_id.in_(ids)
            )
        ):
            out.setdefault(iid, []).append(tid)
    return out


async def build_snapshot(
    session: AsyncSession,
    *,
    org_id: int,
    user_id: int,
    roles: list[str],
    now: float | None = None,
) -> dict[str, Any]:
    """The live state one user may see: their own work, and the queues they supervise.

    An offer past its expiry is never shown as live (``now``, the routing clock), even in the
    moment before the routing loop withdraws it (R-Q-4).
    """
    snap: dict[str, Any] = {"user_id": user_id, "org_id": org_id}
    if AGENT in roles:
        p = await session.get(AgentPresence, user_id)
        snap["agent"] = agent_dict(p) if p is not None else None
        held = (
            await session.scalars(
                select(Interaction).where(
                    Interaction.org_id == org_id,
                    Interaction.agent_id == user_id,
                    Interaction.status.in_(HELD),
                )
            )
        ).all()
        offers = (
            await session.scalars(
                select(Offer).where(
                    Offer.agent_id == user_id,
                    Offer.status == "open",
                    Offer.expires_at > (time.time() if now is None else now),
                )
            )
        ).all()
        offered = {
            r.id: r
            for r in await session.scalars(
                select(Interaction).where(Interaction.id.in_([o.interaction_id for o in offers]))
            )
        }
        tags = await _tags(session, [r.id for r in held] + list(offered))
        snap["interactions"] = {str(r.id): interaction_dict(r, tags.get(r.id, [])) for r in held}
        snap["wrap_up"] = await _wrap_up(session, p)
        snap["offers"] = {}
        for o in offers:
            body = offer_dict(o)
            row = offered[o.interaction_id]
            body["interaction"] = interaction_dict(row, tags.get(row.id, []))
            snap["offers"][str(o.interaction_id)] = body
    view = await supervisor_view(session, org_id=org_id, user_id=user_id, roles=roles)
    if view is not None:
        snap["queues"] = {
            str(w.queue.id): {"id": w.queue.id, "name": w.queue.name, "waiting": w.waiting}
            for w in view.queues
        }
        snap["agents"] = {str(p.user_id): agent_dict(p) for p in view.agents}
    conversations = await _conversations(session, org_id=org_id, user_id=user_id)
    if conversations is not None:
        snap["conversations"] = conversations
    return snap


async def _conversations(
    session: AsyncSession, *, org_id: int, user_id: int
) -> dict[str, Any] | None:
    """R-A-6: the live interactions the user's statistics scope covers (None: scope denied).

    ``agent_ids`` lists the users whose conversations the scope reaches (None: every one), so a
    client can tell whether an interaction event adds an entry: one assigned to such an agent
    enters the section, and stays while it is live (handled earlier still counts, R-A-2).
    """
    user = await session.get(User, user_id)
    if user is None or user.org_id != org_id:
        return None
    subject = await load_subject(session, user)
    flt = policy.conversation_filter(subject, Area.STATISTICS)
    if isinstance(flt, policy.NoRows):
        return None
    rows = (
        await session.scalars(
            select(Interaction)
            .where(conversation_where(subject, Area.STATISTICS), Interaction.status.in_(LIVE))
            .order_by(Interaction.id)
        )
    ).all()
    tags = await _tags(session, [r.id for r in rows])
    agents = await _reached_agents(session, org_id, flt)
    return {
        "scope": subject.scope(Area.STATISTICS).label,
        "agent_ids": None if agents is None else sorted(agents),
        "interactions": {str(r.id): interaction_dict(r, tags.get(r.id, [])) for r in rows},
    }


async def _reached_agents(session: AsyncSession, org_id: int, flt: Filter) -> set[int] | None:
    """The users whose handling puts a conversation under ``flt`` (None: every conversation).

    The same reading of the filter as the loop's audience (`config_loader.StatisticsReach`).
    """
    match flt:
        case policy.AllRows():
            return None
        case policy.NoRows():
            return set()
        case policy.AnyOf(parts):
            out: set[int] = set()
            for part in parts:
                found = await _reached_agents(session, org_id, part)
                if found is None:
                    return None
                out |= found
            return out
        case policy.HandledBy(agents):
            return set(agents)
        case policy.HandledInDepartments(departments):
            members = await session.scalars(
                select(User.id).where(
                    User.org_id == org_id, User.department_id.in_(sorted(departments))
                )
            )
            return set(members)
    raise TypeError(f"the live snapshot cannot follow {flt!r}")


async def _wrap_up(session: AsyncSession, p: AgentPresence | None) -> dict[str, Any] | None:
    """The interaction the agent is wrapping up, with its disposition deadline (R-W-3)."""
    if p is None or p.wrap_up_until is None or p.wrap_interaction_id is None:
        return None
    row = await session.get(Interaction, p.wrap_interaction_id)
    if row is None:
        return None
    tags = await _tags(session, [row.id])
    return interaction_dict(row, tags.get(row.id, []))


def _order(ix: dict[str, Any]) -> tuple[str, int]:
    # ISO 8601 UTC times of one format sort as text (render.iso).
    return (ix["order_t"] or "", ix["id"])


def apply_event(snapshot: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """A new snapshot: ``snapshot`` with ``event`` applied (the client's contract)."""
    snap = copy.deepcopy(snapshot)
    me = snap["user_id"]
    kind = event["type"]
    if kind == LiveEvent.INTERACTION:
        ix = event["interaction"]
        key = str(ix["id"])
        if "wrap_up" in snap:
            _apply_wrap_up(snap, ix)
        if "interactions" in snap:
            if ix["agent_id"] == me and ix["status"] in HELD:
                snap["interactions"][key] = ix
            else:
                snap["interactions"].pop(key, None)
        if "offers" in snap and key in snap["offers"]:
            snap["offers"][key]["interaction"] = ix
        if "queues" in snap:
            for q in snap["queues"].values():
                q["waiting"] = [w for w in q["waiting"] if w["id"] != ix["id"]]
            q = snap["queues"].get(str(ix["queue_id"]))
            if q is not None and ix["status"] in WAITING:
                q["waiting"].append(ix)
                q["waiting"].sort(key=_order)
        if "conversations" in snap:
            _apply_conversation(snap["conversations"], ix)
    elif kind == LiveEvent.OFFER and "offers" in snap:
        offer = event["offer"]
        if offer["agent_id"] == me:
            key = str(offer["interaction_id"])
            if event["op"] == "add":
                snap["offers"][key] = offer
            else:
                snap["offers"].pop(key, None)
    elif kind == LiveEvent.AGENT:
        agent = event["agent"]
        if "agent" in snap and agent["user_id"] == me:
            snap["agent"] = agent
            wrap = snap.get("wrap_up")
            if wrap is not None and agent["wrap_interaction_id"] != wrap["id"]:
                snap["wrap_up"] = None
        if "agents" in snap:
            visible = {int(k) for k in snap["queues"]}
            key = str(agent["user_id"])
            if visible & set(agent["queue_ids"]):
                snap["agents"][key] = agent
            else:
                snap["agents"].pop(key, None)
    return snap


def _apply_conversation(section: dict[str, Any], ix: dict[str, Any]) -> None:
    """R-A-6: an interaction is listed while live once an agent the scope reaches handled it."""
    key = str(ix["id"])
    items = section["interactions"]
    agents = section["agent_ids"]
    reached = agents is None or key in items or ix["agent_id"] in agents
    if ix["status"] in LIVE and reached:
        items[key] = ix
    else:
        items.pop(key, None)


def _apply_wrap_up(snap: dict[str, Any], ix: dict[str, Any]) -> None:
    """An interaction the user held that ends without closing is their wrap-up (R-Q-7, R-W-3)."""
    wrap = snap["wrap_up"]
    if str(ix["id"]) in snap["interactions"] and ix["status"] == "ended" and not ix["closed"]:
        snap["wrap_up"] = ix
    elif wrap is not None and wrap["id"] == ix["id"]:
        snap["wrap_up"] = None if ix["closed"] else ix


def live_snapshot(
    sessions: async_sessionmaker[AsyncSession],
    clock: Callable[[], float] = time.time,
) -> Callable[[Caller], Awaitable[dict[str, Any]]]:
    """The snapshot provider registered on `app.state.guichet.snapshots`."""

    async def provide(principal: Caller) -> dict[str, Any]:
        async with sessions() as session:
            snap = await build_snapshot(
                session,
                org_id=principal.org_id,
                user_id=principal.user_id,
                roles=list(principal.roles),
                now=clock(),
            )
            await session.rollback()
            return snap

    return provide
