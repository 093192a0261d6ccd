"""Routing configuration: skills, agents, queues and costs, as plain immutable data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any

from guichet.domain.enums import Channel, Strategy

from .callback import CallbackPolicy
from .targeting import TargetAction, TargetingRule

#: Per-channel simultaneous interactions an agent takes by default (R-W-1).
DEFAULT_CAPACITY: Mapping[Channel, int] = {
    Channel.VOICE: 1,
    Channel.CHAT: 3,
    Channel.MESSAGING: 5,
    Channel.EMAIL: 5,
    Channel.SMS: 5,
    Channel.SOCIAL: 5,
}

#: Budget units an interaction costs on each channel (R-X-8), out of `AgentConfig.budget`.
DEFAULT_COSTS: Mapping[Channel, int] = {
    Channel.VOICE: 100,
    Channel.CHAT: 34,
    Channel.MESSAGING: 20,
    Channel.EMAIL: 20,
    Channel.SMS: 20,
    Channel.SOCIAL: 20,
}

#: Budget units a paused asynchronous conversation still costs (R-W-6, R-X-8).
DEFAULT_PAUSED_COST = 10


def merged_costs(stored: Mapping[str, int] | None) -> dict[Channel, int]:
    """R-X-8: an organization's costs by channel name over `DEFAULT_COSTS` (unknown names
    are ignored)."""
    stored = stored or {}
    return {ch: int(stored.get(ch.value, cost)) for ch, cost in DEFAULT_COSTS.items()}


def merged_paused_cost(stored: int | None) -> int:
    """R-W-6, R-X-8: an organization's paused-conversation cost, else `DEFAULT_PAUSED_COST`."""
    return DEFAULT_PAUSED_COST if stored is None else stored


@dataclass(frozen=True, slots=True)
class SkillConfig:
    """A skill of the forest (R-SK-1, R-SK-2) with its overflow switches (R-SK-4)."""

    id: str
    parent: str | None = None
    overflow_out: bool = True
    overflow_in: bool = True
    overflow_after_s: float = 0.0


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """An agent: skills with proficiency 1-5 (R-SK-3), queues (R-Q-12), capacity (R-W-1)."""

    id: str
    skills: Mapping[str, int] = field(default_factory=dict)
    queues: tuple[str, ...] = ()
    #: Per-channel capacity; channels missing here fall back to `DEFAULT_CAPACITY`.
    capacity: Mapping[Channel, int] = field(default_factory=dict)
    #: Weighted budget (R-X-8); None means only the per-channel counts apply.
    budget: int | None = None


@dataclass(frozen=True, slots=True)
class RoutingStep:
    """One routing step (R-X-7): required skills with minimum proficiency, and an expiry.

    `expires_after_s` counts from the moment the step starts; None means it never expires.
    An empty `skills` tuple means any agent of the queue qualifies.
    """

    skills: tuple[tuple[str, int], ...] = ()
    expires_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class QueueConfig:
    """A queue and its distribution settings (R-Q-2, R-Q-3, R-Q-4, R-Q-7, R-Q-8, R-W-6)."""

    id: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    #: Channels the queue accepts (R-Q-2); other arrivals are refused.
    channels: tuple[Channel, ...] = tuple(Channel)
    #: Seconds an agent has to accept an offer before it goes to the next agent (R-Q-4).
    offer_timeout_s: float = 20.0
    #: Offers an agent may let expire in a row before being paused (R-Q-4); 0 disables.
    max_no_answer: int = 3
    #: Wrap-up seconds after each interaction (R-Q-7); 0 means none.
    wrap_up_s: float = 0.0
    #: Whether agents may end their own wrap-up early (R-Q-7); supervisors always may.
    agents_may_end_wrap_up: bool = True
    #: Priority weight (R-Q-8); score = weight x seconds waited.
    weight: float = 1.0
    #: Auto-answer: an offer becomes an assignment at once (used by the simulator).
    auto_accept: bool = False
    #: Agents in top-down order (R-Q-4); agents of the queue not listed come after, in
    #: configuration order.
    agent_order: tuple[str, ...] = ()
    #: Paused asynchronous conversations the queue may hold (R-W-6); None means no limit.
    async_slots: int | None = None
    #: Abandon-and-return window in seconds (R-X-9); 0 disables.
    return_window_s: float = 0.0
    #: Callback policy (R-Q-6); None disables callbacks.
    callback: CallbackPolicy | None = None
    #: The queue's default skill: an interaction that enters without a skill or steps needs
    #: it (R-SK-2, with overflow as any skill, R-SK-4); None: any member qualifies.
    skill: str | None = None


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    """Everything the engine needs to route one organization's interactions."""

    skills: tuple[SkillConfig, ...] = ()
    agents: tuple[AgentConfig, ...] = ()
    queues: tuple[QueueConfig, ...] = ()
    #: Ordered targeting rules (R-TR-1) and the action when none matches.
    targeting_rules: tuple[TargetingRule, ...] = ()
    targeting_default: TargetAction | None = None
    #: Time zone of the organization: engine times are POSIX seconds when rules read the
    #: time of day or business hours (R-TR-1).
    timezone: tzinfo = UTC
    #: Flow graphs by id (R-Q-5), `guichet.flows` graph values.
    flows: Mapping[str, Any] = field(default_factory=dict)
    costs: Mapping[Channel, int] = field(default_factory=lambda: dict(DEFAULT_COSTS))
    paused_cost: int = DEFAULT_PAUSED_COST
    #: Whether a voice call may run alongside chats (R-W-1); by default a call blocks them.
    allow_mixing: bool = False
