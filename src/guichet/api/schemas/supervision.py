"""Answers of the supervisor live view (R-S-1) and the supervisor's actions (R-S-2)."""

from __future__ import annotations

from pydantic import Field

from guichet.api.schemas.common import Output
from guichet.api.schemas.live import AgentRead, InteractionRead


class SupervisedQueueRead(Output):
    """A queue the supervisor watches: its waiting list and its figures (docs/metrics.md)."""

    id: int
    name: str
    waiting: list[InteractionRead] = Field(
        description="waiting or holding a callback, in the order they will be served"
    )
    waiting_count: int = Field(description="how many wait")
    callbacks: int = Field(description="R-Q-6: how many of them hold a callback")
    longest_wait_s: float = Field(description="the longest current wait, in seconds")
    offered_today: int = Field(description="R-AN-1: arrived today (organization-local day)")
    answered_today: int = Field(description="R-AN-1: answered among today's arrivals")
    abandoned_today: int = Field(description="R-AN-1: abandoned among today's arrivals")
    service_level_s: float = Field(description="R-AN-1: the queue's threshold T, in seconds")
    service_level: float | None = Field(
        description="R-AN-1: answered within T / offered, today; None before any arrival"
    )
    average_wait_15m_s: float | None = Field(
        description="R-Q-6: mean wait of those that left the queue in the last 15 minutes"
    )


class SupervisedAgentRead(AgentRead):
    """An agent logged in to a watched queue, with the time in state and current work."""

    time_in_state_s: float = Field(description="seconds since ``state_since``")
    current_work: list[int] = Field(description="ids of the interactions assigned or paused")


class LiveViewRead(Output):
    """R-S-1: the queues the caller supervises and the agents logged in to them."""

    queues: list[SupervisedQueueRead] = Field(description="by queue id")
    agents: list[SupervisedAgentRead] = Field(description="by user id")
