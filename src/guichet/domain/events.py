"""Every event type, named once (issue 13): the event log's rows and the real-time events.

`EventType` is the `type` of an `interaction_events` row (R-AN-8); `LiveEvent` is the `type`
of an event published on the bus and sent over the WebSocket. `docs/events.md` lists exactly
these, and `tests/unit/test_event_types.py` checks both that and that no other module spells a
type out as a string.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """The type of an event-log row (docs/events.md, "Event-log rows")."""

    # Routing decisions
    INTERACTION_QUEUED = "interaction.queued"
    INTERACTION_OFFERED = "interaction.offered"
    INTERACTION_ASSIGNED = "interaction.assigned"
    OFFER_WITHDRAWN = "offer.withdrawn"
    INTERACTION_REQUEUED = "interaction.requeued"
    INTERACTION_OVERFLOWED = "interaction.overflowed"
    INTERACTION_STEP_WIDENED = "interaction.step_widened"
    INTERACTION_FLOW_MOVED = "interaction.flow_moved"
    CALLBACK_OFFERED = "callback.offered"
    CALLBACK_ACCEPTED = "callback.accepted"
    AGENT_AUTO_PAUSED = "agent.auto_paused"
    AGENT_WRAP_UP_STARTED = "agent.wrap_up_started"
    AGENT_WRAP_UP_ENDED = "agent.wrap_up_ended"
    INTERACTION_ABANDONED = "interaction.abandoned"
    INTERACTION_DISPOSITION_MISSING = "interaction.disposition_missing"
    # Accepted actions
    INTERACTION_ARRIVED = "interaction.arrived"
    INTERACTION_UNROUTED = "interaction.unrouted"
    OFFER_ACCEPTED = "offer.accepted"
    OFFER_REJECTED = "offer.rejected"
    OFFER_EXPIRED = "offer.expired"
    INTERACTION_ENDED = "interaction.ended"
    INTERACTION_KEY_PRESSED = "interaction.key_pressed"
    INTERACTION_TRANSFERRED = "interaction.transferred"
    CONVERSATION_PAUSED = "conversation.paused"
    CONVERSATION_RESUMED = "conversation.resumed"
    AGENT_QUEUES_CHANGED = "agent.queues_changed"
    INTERACTION_JOINED = "interaction.joined"
    INTERACTION_EVALUATED = "interaction.evaluated"
    MESSAGE_POSTED = "message.posted"
    OFFER_RECLAIMED = "offer.reclaimed"
    ROUTING_FAILED = "routing.failed"
    # Agent state changes
    AGENT_STATE_CHANGED = "agent.state_changed"


class LiveEvent(StrEnum):
    """The type of a real-time event (docs/events.md, "Real-time events")."""

    INTERACTION = "interaction"
    OFFER = "offer"
    AGENT = "agent"
    MESSAGE = "message"
