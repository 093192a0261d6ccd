"""Event-log rows (R-AN-8) for routing decisions and accepted input events (docs/events.md)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

from guichet.domain.events import EventType
from guichet.persistence.models import InteractionEvent
from guichet.routing import (
    AbandonInteraction,
    AgentQueuesChanged,
    AssignInteraction,
    ConversationPaused,
    ConversationResumed,
    Decision,
    EndWrapUp,
    Event,
    InteractionArrived,
    InteractionEnded,
    InteractionTransferred,
    KeepCallback,
    KeyPressed,
    MoveAlongFlow,
    OfferAccepted,
    OfferCallback,
    OfferExpired,
    OfferInteraction,
    OfferRejected,
    OverflowInteraction,
    PauseAgent,
    QueueInteraction,
    RefuseEvent,
    RequeueInteraction,
    StartWrapUp,
    WidenStep,
    WithdrawOffer,
)

#: Event-log type of each routing decision.
DECISION_TYPES: dict[type, str] = {
    QueueInteraction: EventType.INTERACTION_QUEUED,
    OfferInteraction: EventType.INTERACTION_OFFERED,
    AssignInteraction: EventType.INTERACTION_ASSIGNED,
    WithdrawOffer: EventType.OFFER_WITHDRAWN,
    RequeueInteraction: EventType.INTERACTION_REQUEUED,
    OverflowInteraction: EventType.INTERACTION_OVERFLOWED,
    WidenStep: EventType.INTERACTION_STEP_WIDENED,
    MoveAlongFlow: EventType.INTERACTION_FLOW_MOVED,
    OfferCallback: EventType.CALLBACK_OFFERED,
    KeepCallback: EventType.CALLBACK_ACCEPTED,
    PauseAgent: EventType.AGENT_AUTO_PAUSED,
    StartWrapUp: EventType.AGENT_WRAP_UP_STARTED,
    EndWrapUp: EventType.AGENT_WRAP_UP_ENDED,
    AbandonInteraction: EventType.INTERACTION_ABANDONED,
}

#: Event-log type of each input event that is logged on its own.
EVENT_TYPES: dict[type, str] = {
    InteractionArrived: EventType.INTERACTION_ARRIVED,
    OfferAccepted: EventType.OFFER_ACCEPTED,
    OfferRejected: EventType.OFFER_REJECTED,
    OfferExpired: EventType.OFFER_EXPIRED,
    InteractionEnded: EventType.INTERACTION_ENDED,
    KeyPressed: EventType.INTERACTION_KEY_PRESSED,
    ConversationPaused: EventType.CONVERSATION_PAUSED,
    ConversationResumed: EventType.CONVERSATION_RESUMED,
    InteractionTransferred: EventType.INTERACTION_TRANSFERRED,
    AgentQueuesChanged: EventType.AGENT_QUEUES_CHANGED,
}


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _plain(value: Any) -> Any:
    """JSON-ready form of decision and event fields (tuples, enums, explanations)."""
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _row(item: Any, kind: str, *, org_id: int, actor_id: int | None, at: datetime) -> Any:
    data = {k: _plain(v) for k, v in item._asdict().items()}
    expl = getattr(item, "explanation", None)
    agents = getattr(item, "agent_ids", None)
    agent = getattr(item, "agent_id", None)
    if agent is None and agents and len(agents) == 1:
        agent = agents[0]
    queue = getattr(item, "queue_id", None)
    skill = getattr(item, "skill", None)
    if expl is not None:
        queue = queue or expl.queue_id
        skill = skill or expl.skill
    channel = getattr(item, "channel", None)
    return InteractionEvent(
        org_id=org_id,
        at=at,
        type=kind,
        interaction_id=_int(getattr(item, "interaction_id", None)),
        agent_id=_int(agent),
        actor_id=actor_id,
        queue_id=_int(queue) if not isinstance(queue, int) else queue,
        skill_id=_int(skill),
        channel=None if channel is None else str(channel),
        data=data,
    )


def decision_log(
    decisions: Iterable[Decision],
    *,
    org_id: int,
    actor_id: int | None,
    at: datetime,
    wrapping: dict[str, int] | None = None,
) -> list[InteractionEvent]:
    """One row per decision (refusals change nothing and are not logged).

    ``wrapping`` (agent id -> the interaction the agent wraps up, updated in place) lets an
    ``agent.wrap_up_ended`` row name the interaction whose wrap-up it ends (R-Q-7, R-AN-1
    wrap time). A wrap-up started while the agent still wraps up another interaction ends
    that one's (its notes close, R-W-3): an ``agent.wrap_up_ended`` row for it, with
    ``superseded_by``, comes first.
    """
    out: list[InteractionEvent] = []
    for d in decisions:
        if isinstance(d, RefuseEvent):
            continue
        if isinstance(d, StartWrapUp) and wrapping is not None:
            new = _int(d.interaction_id)
            prev = wrapping.get(d.agent_id)
            if prev is not None and prev != new:
                out.append(
                    InteractionEvent(
                        org_id=org_id,
                        at=at,
                        type=DECISION_TYPES[EndWrapUp],
                        interaction_id=prev,
                        agent_id=_int(d.agent_id),
                        actor_id=actor_id,
                        data={"agent_id": d.agent_id, "interaction_id": prev, "superseded_by": new},
                    )
                )
            if new is not None:
                wrapping[d.agent_id] = new
        row = _row(d, DECISION_TYPES[type(d)], org_id=org_id, actor_id=actor_id, at=at)
        if isinstance(d, EndWrapUp) and wrapping is not None:
            ended = wrapping.pop(d.agent_id, None)
            row.interaction_id = ended
            row.data = {**row.data, "interaction_id": ended}
        out.append(row)
    return out


def wrap_agents(decisions: Iterable[Decision]) -> set[int]:
    """Agents whose wrap-up a batch starts or ends (their current wrap-up is read first)."""
    out: set[int] = set()
    for d in decisions:
        if isinstance(d, StartWrapUp | EndWrapUp):
            agent = _int(d.agent_id)
            if agent is not None:
                out.add(agent)
    return out


def event_log(
    event: Event, *, org_id: int, actor_id: int | None, at: datetime
) -> InteractionEvent | None:
    """The row of an accepted input event, for those logged on their own."""
    kind = EVENT_TYPES.get(type(event))
    if kind is None:
        return None
    row: InteractionEvent = _row(event, kind, org_id=org_id, actor_id=actor_id, at=at)
    return row
