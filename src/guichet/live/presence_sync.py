"""Presence rows follow the engine's agent views (R-W-1); each state change is logged (R-AN-8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.domain.events import EventType, LiveEvent
from guichet.live.config_loader import Audience
from guichet.live.render import agent_dict, at
from guichet.persistence.models import AgentPresence, Interaction, InteractionEvent
from guichet.routing import RoutingEngine, StartWrapUp

if TYPE_CHECKING:
    from guichet.live.apply import Batch


@dataclass
class Publication:
    """One bus event and the users who receive it."""

    event: dict[str, Any]
    user_ids: set[int]


def _int(value: str | None) -> int | None:
    return None if value is None or not value.isdigit() else int(value)


async def sync_agents(
    session: AsyncSession,
    engine: RoutingEngine,
    *,
    org_id: int,
    audience: Audience,
    batch: Batch,
    agent_ids: set[str],
) -> list[Publication]:
    """Presence rows follow the engine's agent views; a state change is logged (R-AN-8).

    An ``agent`` event goes to the agent and the contact-center watchers of the queues the
    agent is or was logged in to (R-P-2), never to conversation watchers: an agent's state is
    no conversation, so the access-rights scopes (R-A-2, R-A-6) do not reach it.
    """
    when = at(batch.now)
    wrap_of = {d.agent_id: d.interaction_id for d in batch.decisions if isinstance(d, StartWrapUp)}
    uids = sorted(i for i in (_int(a) for a in agent_ids) if i is not None)
    if not uids:
        return []
    rows = {
        p.user_id: p
        for p in await session.scalars(
            select(AgentPresence).where(
                AgentPresence.org_id == org_id, AgentPresence.user_id.in_(uids)
            )
        )
    }
    pubs: list[Publication] = []
    for uid in uids:
        view = engine.agent_view(str(uid))
        if view is None:
            continue
        row = rows.get(uid)
        if row is None:
            row = AgentPresence(
                user_id=uid,
                org_id=org_id,
                presence="offline",
                state="offline",
                reason=None,
                state_since=when,
                queue_ids=[],
            )
            session.add(row)
        before = agent_dict(row)
        state = view.state.value
        if (row.state, row.reason) != (state, view.reason):
            session.add(
                InteractionEvent(
                    org_id=org_id,
                    at=when,
                    type=EventType.AGENT_STATE_CHANGED,
                    agent_id=uid,
                    actor_id=batch.actor_id,
                    data={
                        "from": row.state,
                        "to": state,
                        "reason": view.reason,
                        "previous_reason": row.reason,
                    },
                )
            )
            row.state_since = when
        row.state = state
        row.reason = view.reason
        if state in ("available", "busy", "wrap_up"):
            if row.presence != "available":
                # R-Q-4: offers declined before this moment may be offered again; kept so
                # that a restarted loop knows which declines still hold.
                row.available_since = batch.now
            row.presence = "available"
        else:
            row.presence = state
        row.wrap_up_until = view.wrap_up_until
        done = row.wrap_interaction_id
        if str(uid) in wrap_of:
            row.wrap_interaction_id = _int(wrap_of[str(uid)])
        elif view.wrap_up_until is None:
            row.wrap_interaction_id = None
        if done is not None and done != row.wrap_interaction_id:
            # R-W-3: the wrap-up is over: the interaction's notes are now read-only.
            await session.execute(
                update(Interaction).where(Interaction.id == done).values(closed=True)
            )
        after = agent_dict(row)
        if after != before or str(uid) in batch.agents:
            queues = {int(q) for q in row.queue_ids} | batch.old_queues
            users = {uid} | audience.for_queues(queues)
            pubs.append(Publication({"type": LiveEvent.AGENT, "agent": after}, users))
    return pubs
