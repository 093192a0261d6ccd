"""The facts analytics folds the event log into (R-AN-1, R-AN-3, R-AN-8).

``LogRow`` is one row of ``interaction_events`` in plain form; ``InteractionFact``,
``SegmentFact`` and ``AgentStateFact`` carry exactly the columns of the projection tables
``analytics_interactions``, ``analytics_segments`` and ``analytics_agent_states``. Times are
float POSIX seconds UTC (``*_ts``), durations seconds (``*_s``). Definitions: docs/metrics.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: ``InteractionFact.outcome`` values.
OUTCOMES = ("waiting", "handled", "abandoned", "unrouted", "missed")
#: ``SegmentFact.end_reason`` values.
END_REASONS = ("ended", "transferred", "requeued", "open")


def to_ts(value: datetime | float | int | str) -> float:
    """POSIX seconds UTC of an aware datetime (a naive one is taken as UTC) or a number."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    if isinstance(value, str):
        return to_ts(datetime.fromisoformat(value))
    return float(value)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


#: The columns of an event-log row (``interaction_events``), in table order.
EVENT_COLUMNS = (
    "id",
    "org_id",
    "at",
    "type",
    "interaction_id",
    "agent_id",
    "actor_id",
    "queue_id",
    "skill_id",
    "channel",
    "data",
)


@dataclass(frozen=True, slots=True)
class LogRow:
    """One event-log row (``interaction_events``) with its time as POSIX seconds UTC.

    ``org_id`` is 0 for logs that belong to no organization (simulator runs).
    """

    id: int
    at_ts: float
    type: str
    interaction_id: int | None = None
    agent_id: int | None = None
    actor_id: int | None = None
    queue_id: int | None = None
    skill_id: int | None = None
    channel: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    org_id: int = 0

    @classmethod
    def from_event(cls, event: Any) -> LogRow:
        """Build from an ``InteractionEvent``, a SQLAlchemy ``Row`` or a mapping of its columns.

        The time is read from ``at`` (datetime) or ``at_ts`` (number); ``data`` may be a JSON
        string (raw SQL on SQLite) or ``None``.
        """
        if isinstance(event, Mapping):
            values: Mapping[str, Any] = event
        elif hasattr(event, "_mapping"):
            values = event._mapping
        else:
            values = {name: getattr(event, name, None) for name in (*EVENT_COLUMNS, "at_ts")}
        at = values.get("at_ts")
        if at is None:
            at = values["at"]
        data = values.get("data")
        if isinstance(data, str):
            data = json.loads(data)
        return cls(
            id=int(values["id"]),
            at_ts=to_ts(at),
            type=str(values["type"]),
            interaction_id=_int_or_none(values.get("interaction_id")),
            agent_id=_int_or_none(values.get("agent_id")),
            actor_id=_int_or_none(values.get("actor_id")),
            queue_id=_int_or_none(values.get("queue_id")),
            skill_id=_int_or_none(values.get("skill_id")),
            channel=values.get("channel"),
            data=dict(data or {}),
            org_id=int(values.get("org_id") or 0),
        )


@dataclass(frozen=True, slots=True)
class InteractionFact:
    """One row of ``analytics_interactions``: the fold of one interaction's events (R-AN-1)."""

    interaction_id: int
    org_id: int
    channel: str
    queue_id: int | None
    skill_id: int | None
    agent_id: int | None
    first_agent_id: int | None
    arrived_ts: float
    queued_ts: float | None
    answered_ts: float | None
    abandoned_ts: float | None
    ended_ts: float | None
    wait_s: float | None
    talk_s: float
    hold_s: float
    wrap_s: float
    first_response_s: float | None
    offers: int
    no_answers: int
    transfers: int
    overflowed: bool
    callback: bool
    outcome: str
    resolved: bool
    last_event_id: int

    @property
    def offered(self) -> bool:
        """It entered a queue at least once."""
        return self.queued_ts is not None

    @property
    def handled(self) -> bool:
        """It was assigned to an agent at least once (answered)."""
        return self.answered_ts is not None

    @property
    def handle_s(self) -> float:
        """talk + hold + wrap."""
        return self.talk_s + self.hold_s + self.wrap_s


@dataclass(frozen=True, slots=True)
class SegmentFact:
    """One row of ``analytics_segments``: one assignment of an interaction to an agent."""

    interaction_id: int
    seq: int
    org_id: int
    agent_id: int
    queue_id: int | None
    channel: str
    start_ts: float
    end_ts: float | None
    talk_s: float
    hold_s: float
    wrap_s: float
    end_reason: str

    @property
    def handle_s(self) -> float:
        """talk + hold + wrap."""
        return self.talk_s + self.hold_s + self.wrap_s


@dataclass(frozen=True, slots=True)
class AgentStateFact:
    """One row of ``analytics_agent_states``: an agent's R-W-1 state from one change to the next."""

    event_id: int
    org_id: int
    agent_id: int
    state: str
    reason: str | None
    start_ts: float
    end_ts: float | None
