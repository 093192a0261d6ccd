"""Configuration that live work points to cannot be deleted from under it (409).

A queue, skill or flow that an interaction still waits in, is offered from, is handled in or
walks through is refused deletion with a 409 naming the rule and how much work holds it; so is
deactivating a user who holds conversations, offers or a personal queue. Deleting such an
object used to leave interactions with a dangling id that no routing loop could route again.
After a delete, no stale reference stays behind: agents' queue log-ins forget the queue.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.domain.events import EventType
from guichet.errors import Conflict
from guichet.persistence.models import AgentPresence, Interaction, InteractionEvent, Offer, utcnow

#: Statuses of interactions routing still owns (the same list recovery replays).
LIVE_STATUSES = ("new", "in_flow", "waiting", "offered", "callback", "assigned", "paused")

_LABELS = {
    "new": "new",
    "in_flow": "in a flow",
    "waiting": "waiting",
    "offered": "offered",
    "callback": "waiting for a callback",
    "assigned": "handled by an agent",
    "paused": "paused",
}


async def _live_counts(session: AsyncSession, org_id: int, *where: Any) -> dict[str, int]:
    rows = await session.execute(
        select(Interaction.status, func.count())
        .where(Interaction.org_id == org_id, Interaction.status.in_(LIVE_STATUSES), or_(*where))
        .group_by(Interaction.status)
    )
    return {str(status): int(n) for status, n in rows}


def _refuse(what: str, counts: dict[str, int], rule: str, hint: str) -> None:
    if not counts:
        return
    total = sum(counts.values())
    parts = ", ".join(f"{n} {_LABELS.get(s, s)}" for s, n in sorted(counts.items()))
    raise Conflict(
        f"{what} still holds {total} live interaction{'s' if total > 1 else ''} ({parts}): {hint}",
        rule=rule,
        code="live_work",
    )


async def check_queue_free(session: AsyncSession, *, org_id: int, queue_id: int) -> None:
    """R-Q-1: refuse to delete a queue that interactions wait in, are offered or handled from."""
    counts = await _live_counts(
        session,
        org_id,
        Interaction.queue_id == queue_id,
        Interaction.requested_queue_id == queue_id,
    )
    _refuse("this queue", counts, "R-Q-1", "transfer or end them first")


async def check_skill_free(session: AsyncSession, *, org_id: int, skill_id: int) -> None:
    """R-SK-1: refuse to delete a skill that live interactions are routed on."""
    counts = await _live_counts(
        session,
        org_id,
        Interaction.skill_id == skill_id,
        Interaction.requested_skill_id == skill_id,
    )
    _refuse("this skill", counts, "R-SK-1", "transfer or end them first")


async def check_flow_free(session: AsyncSession, *, org_id: int, flow_id: int) -> None:
    """R-Q-5: refuse to delete a flow that live interactions entered."""
    counts = await _live_counts(session, org_id, Interaction.flow_id == flow_id)
    _refuse("this flow", counts, "R-Q-5", "let them leave the flow or end them first")


async def check_user_free(session: AsyncSession, *, org_id: int, user_id: int) -> None:
    """R-P-1: refuse to deactivate a user who holds conversations, offers or a personal queue."""
    counts = await _live_counts(
        session,
        org_id,
        Interaction.agent_id == user_id,
        Interaction.personal_agent_id == user_id,
        Interaction.id.in_(
            select(Offer.interaction_id).where(Offer.agent_id == user_id, Offer.status == "open")
        ),
    )
    _refuse("this user", counts, "R-P-1", "transfer their work to a colleague first")


async def forget_agent(session: AsyncSession, *, org_id: int, user_id: int) -> None:
    """A deactivated user leaves routing: offline, logged out of every queue (R-Q-12, R-W-1).

    Only once `check_user_free` found no work of theirs; the routing loop drops the agent when
    it reloads the configuration, which the user's change triggers.
    """
    row = await session.scalar(
        select(AgentPresence).where(
            AgentPresence.org_id == org_id, AgentPresence.user_id == user_id
        )
    )
    if row is not None:
        if row.state != "offline":
            # The period in the previous state ends here for the analytics (R-AN-3, R-AN-8).
            session.add(
                InteractionEvent(
                    org_id=org_id,
                    at=utcnow(),
                    type=EventType.AGENT_STATE_CHANGED,
                    agent_id=user_id,
                    data={
                        "from": row.state,
                        "to": "offline",
                        "reason": None,
                        "previous_reason": row.reason,
                    },
                )
            )
            row.state_since = utcnow()
        row.presence = row.state = "offline"
        row.reason = None
        row.queue_ids = []
        row.wrap_up_until = None
        row.wrap_interaction_id = None


async def forget_queue(session: AsyncSession, *, org_id: int, queue_id: int) -> None:
    """Agents logged in to a deleted queue are logged out of it (R-Q-12); no stale id stays."""
    rows = await session.scalars(select(AgentPresence).where(AgentPresence.org_id == org_id))
    for row in rows:
        ids = [q for q in row.queue_ids or [] if str(q) != str(queue_id)]
        if len(ids) != len(row.queue_ids or []):
            row.queue_ids = ids
