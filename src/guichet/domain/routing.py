"""Enumerations of routing outcomes: interaction status and reason codes (R-X-3)."""

from __future__ import annotations

from enum import StrEnum


class InteractionStatus(StrEnum):
    """Where an interaction is; an arrived interaction is always in exactly one of these."""

    IN_FLOW = "in_flow"
    WAITING = "waiting"
    OFFERED = "offered"
    ASSIGNED = "assigned"
    PAUSED = "paused"
    CALLBACK = "callback"
    ABANDONED = "abandoned"
    ENDED = "ended"


class RequeueReason(StrEnum):
    """Why an offered or assigned interaction went back to waiting (R-Q-4, R-X-10)."""

    EXPIRED = "expired"
    REJECTED = "rejected"
    AGENT_LEFT = "agent_left"
    RESUMED = "resumed"


class WithdrawReason(StrEnum):
    """Why an offer was taken back from an agent (R-Q-4 ring-all, abandonment)."""

    ANSWERED_ELSEWHERE = "answered_elsewhere"
    ABANDONED = "abandoned"
    AGENT_LEFT = "agent_left"
    LEFT_QUEUE = "left_queue"


class RefusalCode(StrEnum):
    """Why the engine refused an event (it changes nothing)."""

    UNKNOWN_INTERACTION = "unknown_interaction"
    UNKNOWN_AGENT = "unknown_agent"
    UNKNOWN_QUEUE = "unknown_queue"
    CHANNEL_NOT_ACCEPTED = "channel_not_accepted"
    NOT_OFFERED = "not_offered"
    WRONG_STATE = "wrong_state"
    WRAP_UP_END_NOT_ALLOWED = "wrap_up_end_not_allowed"
    TARGET_BUSY = "target_busy"
    SLOTS_FULL = "slots_full"
    NO_ROUTE = "no_route"
    DUPLICATE = "duplicate"


#: The pause reason the engine gives an agent who let `max_no_answer` offers expire (R-Q-4).
SYSTEM_NO_ANSWER_REASON = "system:no_answer"
