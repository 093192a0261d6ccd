"""Enumerations of the product vocabulary (see docs/concepts.md)."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """Media an interaction arrives on (glossary: channel / *média*)."""

    VOICE = "voice"
    CHAT = "chat"
    MESSAGING = "messaging"
    EMAIL = "email"
    SMS = "sms"
    SOCIAL = "social"


class AgentState(StrEnum):
    """Agent states of R-W-1."""

    OFFLINE = "offline"
    AVAILABLE = "available"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


class QueueKind(StrEnum):
    """Inbound call queues (R-Q-1) and chat queues (R-Q-2)."""

    CALL = "call"
    CHAT = "chat"


class QueueType(StrEnum):
    """Call queue type of R-Q-1: standard, or intelligent call routing."""

    STANDARD = "standard"
    ICR = "icr"


class Strategy(StrEnum):
    """Distribution strategies of R-Q-4."""

    LONGEST_IDLE = "longest_idle"
    FEWEST_TODAY = "fewest_today"
    LEAST_OCCUPIED = "least_occupied"
    ROUND_ROBIN = "round_robin"
    RING_ALL = "ring_all"
    TOP_DOWN = "top_down"
    RANDOM = "random"
    BEST_PROFICIENCY = "best_proficiency"
