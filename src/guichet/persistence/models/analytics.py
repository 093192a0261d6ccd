"""Analytics projection tables (R-AN-1..R-AN-8) and CSV export jobs (R-AN-6).

The projection is a fold of the append-only event log (``interaction_events``), kept by
``guichet.analytics.store``: one row per interaction, one per assignment of an interaction to
an agent, one per agent state change. It can be dropped and rebuilt from the log at any time;
nothing else writes it, and the routing loop never reads it. Times are float POSIX seconds in
UTC (``*_ts``), durations seconds (``*_s``): the same arithmetic on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from guichet.persistence.models.base import Base, OrgScoped, utcnow


class AnalyticsInteraction(Base):
    """One interaction as the analytics see it: the fold of its events (docs/metrics.md)."""

    __tablename__ = "analytics_interactions"
    __table_args__ = (
        Index("ix_analytics_interactions_org_arrived", "org_id", "arrived_ts"),
        # The real-time figures: who left the queue in the last minutes, who still waits.
        Index("ix_analytics_interactions_org_answered", "org_id", "answered_ts"),
        Index("ix_analytics_interactions_org_abandoned", "org_id", "abandoned_ts"),
        Index("ix_analytics_interactions_org_outcome", "org_id", "outcome"),
    )

    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    queue_id: Mapped[int | None] = mapped_column(Integer)
    skill_id: Mapped[int | None] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(Integer)
    first_agent_id: Mapped[int | None] = mapped_column(Integer)
    arrived_ts: Mapped[float] = mapped_column(Float)
    queued_ts: Mapped[float | None] = mapped_column(Float)
    answered_ts: Mapped[float | None] = mapped_column(Float)
    abandoned_ts: Mapped[float | None] = mapped_column(Float)
    ended_ts: Mapped[float | None] = mapped_column(Float)
    wait_s: Mapped[float | None] = mapped_column(Float)
    talk_s: Mapped[float] = mapped_column(Float, default=0.0)
    hold_s: Mapped[float] = mapped_column(Float, default=0.0)
    wrap_s: Mapped[float] = mapped_column(Float, default=0.0)
    first_response_s: Mapped[float | None] = mapped_column(Float)
    offers: Mapped[int] = mapped_column(Integer, default=0)
    no_answers: Mapped[int] = mapped_column(Integer, default=0)
    transfers: Mapped[int] = mapped_column(Integer, default=0)
    overflowed: Mapped[bool] = mapped_column(Boolean, default=False)
    callback: Mapped[bool] = mapped_column(Boolean, default=False)
    #: waiting (not finished), handled, abandoned, unrouted or missed (docs/metrics.md).
    outcome: Mapped[str] = mapped_column(String(16))
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The highest event-log id folded into this row.
    last_event_id: Mapped[int] = mapped_column(Integer)


class AnalyticsSegment(Base):
    """One assignment of an interaction to an agent, with its talk, hold and wrap-up time."""

    __tablename__ = "analytics_segments"
    __table_args__ = (
        Index("ix_analytics_segments_org_agent_start", "org_id", "agent_id", "start_ts"),
        Index("ix_analytics_segments_org_start", "org_id", "start_ts"),
    )

    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(Integer)
    queue_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    start_ts: Mapped[float] = mapped_column(Float)
    end_ts: Mapped[float | None] = mapped_column(Float)
    talk_s: Mapped[float] = mapped_column(Float, default=0.0)
    hold_s: Mapped[float] = mapped_column(Float, default=0.0)
    wrap_s: Mapped[float] = mapped_column(Float, default=0.0)
    #: ended, transferred, requeued or open.
    end_reason: Mapped[str] = mapped_column(String(16))


class AnalyticsAgentState(Base):
    """One agent state period, from an ``agent.state_changed`` row to that agent's next one."""

    __tablename__ = "analytics_agent_states"
    __table_args__ = (
        # An agent's previous period, by id (the projector closes it).
        Index("ix_analytics_agent_states_org_agent_event", "org_id", "agent_id", "event_id"),
        Index("ix_analytics_agent_states_org_start", "org_id", "start_ts"),
    )

    event_id: Mapped[int] = mapped_column(
        ForeignKey("interaction_events.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(255))
    start_ts: Mapped[float] = mapped_column(Float)
    #: The agent's next change; NULL while this is the current state.
    end_ts: Mapped[float | None] = mapped_column(Float)


class AnalyticsCursor(Base):
    """How far the projection of one organization has read the event log."""

    __tablename__ = "analytics_cursors"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ExportJob(OrgScoped, Base):
    """A CSV export running in the background; its file is kept 7 days (R-AN-6)."""

    __tablename__ = "export_jobs"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: queued, running, done or failed.
    status: Mapped[str] = mapped_column(String(16), default="queued")
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    finished_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
