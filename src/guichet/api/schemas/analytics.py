"""The dashboards API: its query parameters (R-AN-5 filters, R-AN-1 service-level threshold)
and its answers (R-AN-2..R-AN-4, R-S-1).

``from`` and ``to`` are ISO-8601 times (with an offset, or in the organization's time zone
without one) or dates (their local midnight); ``from`` is inclusive, ``to`` exclusive. Ids may
repeat (``queue_id=3&queue_id=4``); every id must be a row of the caller's organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query
from pydantic import Field

from guichet.api.schemas.common import IdFilter as Ids
from guichet.api.schemas.common import Output
from guichet.api.schemas.text import Line
from guichet.domain.enums import Channel

Channels = Annotated[list[Channel], Query(max_length=len(Channel), description="repeatable")]
Threshold = Annotated[
    float | None,
    Query(gt=0, le=86400, description="service-level threshold T in seconds (R-AN-1)"),
]


@dataclass(frozen=True)
class DashboardParams:
    """The filters as sent, before they are checked against the organization."""

    from_: str | None = None
    to: str | None = None
    queue_id: tuple[int, ...] = ()
    channel: tuple[Channel, ...] = ()
    agent_id: tuple[int, ...] = ()
    skill_id: tuple[int, ...] = ()
    service_level_s: float | None = None


def dashboard_params(
    from_: Annotated[
        Line | None,
        Query(
            alias="from",
            max_length=40,
            description="inclusive; ISO-8601 time or date, without an offset in local time",
        ),
    ] = None,
    to: Annotated[
        Line | None,
        Query(max_length=40, description="exclusive; ISO-8601 time or date (default: now)"),
    ] = None,
    queue_id: Ids = [],  # noqa: B006 - FastAPI copies defaults
    channel: Channels = [],  # noqa: B006
    agent_id: Ids = [],  # noqa: B006
    skill_id: Ids = [],  # noqa: B006
    service_level_s: Threshold = None,
) -> DashboardParams:
    """The R-AN-5 filters of a dashboard request."""
    return DashboardParams(
        from_=from_,
        to=to,
        queue_id=tuple(queue_id),
        channel=tuple(channel),
        agent_id=tuple(agent_id),
        skill_id=tuple(skill_id),
        service_level_s=service_level_s,
    )


# --- Answers (definitions: docs/metrics.md) --------------------------------------------------


class DashboardHeader(Output):
    """What a dashboard answer was computed for: the zone, the period, the filters."""

    timezone: str = Field(description="the organization's IANA time zone")
    from_ts: float | None = Field(description="inclusive start of the period, POSIX seconds")
    to_ts: float | None = Field(description="exclusive end of the period, POSIX seconds")
    from_: str | None = Field(alias="from", description="``from_ts`` in local time, ISO 8601")
    to: str | None = Field(description="``to_ts`` in local time, ISO 8601")
    queue_id: list[int] = Field(description="the queue filter (empty: every queue)")
    channel: list[str] = Field(description="the channel filter (empty: every channel)")
    agent_id: list[int] = Field(description="the agent filter (empty: every agent)")
    skill_id: list[int] = Field(description="the skill filter (empty: every skill)")
    service_level_s: float = Field(description="R-AN-1: the service-level threshold T")
    now_ts: float = Field(description="when it was computed, POSIX seconds")


class QueueTotals(Output):
    """R-AN-2 totals of the period."""

    offered: int
    handled: int = Field(description="answered")
    abandoned: int
    missed: int = Field(description="never answered: abandoned, missed or unrouted")
    waiting: int = Field(description="still waiting")
    answered_within: int = Field(description="answered within T")
    abandoned_within: int = Field(description="abandoned within T")
    asa_s: float | None = Field(description="average speed of answer")
    avg_abandon_wait_s: float | None = Field(description="mean wait before abandoning")
    avg_wait_s: float | None = Field(description="mean wait, answered and abandoned")
    sl_offered: float | None = Field(description="answered within T / offered")
    sl_answered: float | None = Field(description="answered within T / answered")
    sl_abandons: float | None = Field(
        description="(answered + abandoned within T) / (answered + abandoned)"
    )


class QueueDay(Output):
    """R-AN-2: one local day of the period."""

    date: str = Field(description="the local date, ISO 8601")
    offered: int
    handled: int
    abandoned: int
    missed: int


class CallersInQueueRead(DashboardHeader):
    """R-AN-2 "callers in queue": totals, per local day, offered per weekday x hour."""

    totals: QueueTotals
    by_day: list[QueueDay] = Field(description="the days with arrivals, in order")
    heatmap: list[list[int]] = Field(
        description="offered per local weekday (0: Monday) and hour (0-23)"
    )
    by_weekday: list[int] = Field(description="offered per local weekday (0: Monday)")
    by_hour: list[int] = Field(description="offered per local hour (0-23)")


class WorkFigures(Output):
    """R-AN-3 work of a set of segments: handled, talk, hold, wrap-up, AHT."""

    handled: int = Field(description="distinct interactions handled")
    talk_s: float
    hold_s: float
    wrap_s: float
    handle_s: float = Field(description="talk + hold + wrap-up")
    aht_s: float | None = Field(description="average handle time")


class AgentFigures(WorkFigures):
    """R-AN-3: one agent's time per state, work and occupancy."""

    agent_id: int
    states: dict[str, float] = Field(description="seconds per R-W-1 state in the period")
    occupancy: float | None = Field(description="(busy + wrap-up) / (available + busy + wrap-up)")


class TeamFigures(WorkFigures):
    """R-AN-3: the agents' states, work and occupancy taken together."""

    states: dict[str, float] = Field(description="seconds per R-W-1 state in the period")
    occupancy: float | None = Field(description="(busy + wrap-up) / (available + busy + wrap-up)")


class QueueWork(WorkFigures):
    """R-AN-3: handle time in one queue (None: segments outside any queue)."""

    queue_id: int | None


class ChannelWork(WorkFigures):
    """R-AN-3: handle time on one channel."""

    channel: str


class AgentPerformanceRead(DashboardHeader):
    """R-AN-3 "agent performance": per agent, the team, per queue and per channel."""

    agents: list[AgentFigures] = Field(description="by agent id")
    team: TeamFigures
    by_queue: list[QueueWork] = Field(description="by queue id, outside any queue last")
    by_channel: list[ChannelWork] = Field(description="by channel")


class ResolvedTotals(Output):
    """R-AN-4 totals of the period."""

    conversations: int
    resolved: int


class ResolvedByChannel(ResolvedTotals):
    """R-AN-4: conversations and resolved on one channel."""

    channel: str


class ResolvedByAgent(Output):
    """R-AN-4: resolved, credited to the agent holding it when it ended."""

    agent_id: int
    resolved: int


class ResolvedReason(Output):
    """R-AN-4: a tag or disposition among the resolved, counted once per conversation."""

    kind: str = Field(description="tag or disposition")
    id: int
    name: str
    count: int


class ResolvedConversationsRead(DashboardHeader):
    """R-AN-4 "resolved conversations": per channel, per agent, the top reasons."""

    totals: ResolvedTotals
    by_channel: list[ResolvedByChannel] = Field(description="by channel")
    by_agent: list[ResolvedByAgent] = Field(description="by agent id")
    top_reasons: list[ResolvedReason] = Field(description="most frequent first, ``top`` at most")


class RealtimeQueue(Output):
    """R-S-1, R-Q-6: one queue's real-time figures (None: interactions of no queue)."""

    queue_id: int | None
    avg_wait_15m_s: float | None = Field(
        description="mean wait of those that left the queue in the window"
    )
    left_15m: int = Field(description="how many left the queue in the window")
    offered_today: int = Field(description="arrived today (organization-local day)")
    answered_today: int
    abandoned_today: int
    answered_within_today: int = Field(description="answered within the queue's T")
    threshold_s: float = Field(description="R-AN-1: the queue's threshold T")
    sl_today: float | None = Field(description="answered within T / offered, today")
    waiting: int = Field(description="waiting now")
    longest_wait_s: float | None = Field(description="the longest current wait")


class RealtimeRead(DashboardHeader):
    """R-S-1 real-time figures per queue."""

    window_s: float = Field(description="the R-Q-6 window of the averages, in seconds")
    day_start_ts: float = Field(description="the start of the local day, POSIX seconds")
    queues: list[RealtimeQueue] = Field(description="by queue id, outside any queue last")
    longest_wait_s: float | None = Field(description="the longest current wait of all")
