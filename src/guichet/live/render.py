"""JSON shapes shared by the REST answers, the snapshots and the bus events (docs/events.md)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from guichet.domain import states
from guichet.domain.times import iso, iso_t
from guichet.persistence.models import AgentPresence, Interaction, Offer

__all__ = ["FINAL", "HELD", "WAITING", "agent_dict", "at", "interaction_dict", "iso", "iso_t"]

#: Statuses of an interaction that waits in a queue list (R-S-1).
WAITING = ("waiting", "callback")
#: Statuses of an interaction an agent is working on (domain/states.py).
HELD = states.HELD
#: Statuses after which nothing routes the interaction any more.
FINAL = states.OVER


def at(t: float) -> datetime:
    """An engine time (POSIX seconds) as an aware UTC datetime."""
    return datetime.fromtimestamp(t, UTC)


def interaction_dict(row: Interaction, tag_ids: Iterable[int] = ()) -> dict[str, Any]:
    """The public view of an interaction (REST body, snapshot entry, bus payload)."""
    return {
        "id": row.id,
        "channel": row.channel,
        "status": row.status,
        "contact_id": row.contact_id,
        "queue_id": row.queue_id,
        "skill_id": row.skill_id,
        "agent_id": row.agent_id,
        "personal_agent_id": row.personal_agent_id,
        "priority": row.priority,
        "caller_id": row.caller_id,
        "context": row.context,
        "overflow": row.overflow,
        "callback": row.callback,
        "callback_offered": row.callback_offered,
        "queued_at": iso_t(row.queued_at),
        "order_t": iso_t(row.order_t),
        "created_at": iso(row.created_at),
        "ended_at": iso(row.ended_at),
        "disposition_id": row.disposition_id,
        "disposition_due_at": iso_t(row.disposition_due_at),
        "notes": row.notes,
        "closed": row.closed,
        "tag_ids": sorted(tag_ids),
    }


def agent_dict(row: AgentPresence) -> dict[str, Any]:
    """An agent's live state (R-W-1, R-S-1): state, reason, since, queues, wrap-up."""
    return {
        "user_id": row.user_id,
        "state": row.state,
        "presence": row.presence,
        "reason": row.reason,
        "state_since": iso(row.state_since),
        "queue_ids": sorted(int(q) for q in row.queue_ids),
        "wrap_up_until": iso_t(row.wrap_up_until),
        "wrap_interaction_id": row.wrap_interaction_id,
    }


def offer_dict(row: Offer) -> dict[str, Any]:
    """An open or closed offer with its routing explanation (R-Q-4, R-X-3)."""
    return {
        "id": row.id,
        "interaction_id": row.interaction_id,
        "agent_id": row.agent_id,
        "offered_at": iso(row.offered_at),
        "expires_at": iso_t(row.expires_at),
        "outbound": row.outbound,
        "status": row.status,
        "explanation": row.explanation,
    }


def offline_agent(user_id: int) -> dict[str, Any]:
    """The state of an agent who never signed in."""
    return {
        "user_id": user_id,
        "state": "offline",
        "presence": "offline",
        "reason": None,
        "state_since": None,
        "queue_ids": [],
        "wrap_up_until": None,
        "wrap_interaction_id": None,
    }
