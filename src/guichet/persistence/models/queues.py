"""Call and chat queues (R-Q-1, R-Q-2, R-Q-4, R-Q-6..8) and outbound campaigns (R-Q-3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guichet.persistence.models.base import Base, OrgScoped


class Queue(OrgScoped, Base):
    """Where interactions wait for an agent."""

    __tablename__ = "queues"
    __table_args__ = (
        UniqueConstraint("org_id", "name_key"),
        UniqueConstraint("org_id", "extension"),
    )

    kind: Mapped[str] = mapped_column(String(8))  # QueueKind
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str | None] = mapped_column(String(10))
    queue_type: Mapped[str] = mapped_column(String(16), default="standard")
    strategy: Mapped[str] = mapped_column(String(32), default="longest_idle")
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id", ondelete="SET NULL"))
    channel_types: Mapped[list[str]] = mapped_column(default=list)
    offer_timeout_s: Mapped[int] = mapped_column(Integer, default=20)
    max_no_answer: Mapped[int] = mapped_column(Integer, default=3)
    wrap_up_s: Mapped[int] = mapped_column(Integer, default=30)
    agents_may_end_wrap_up: Mapped[bool] = mapped_column(Boolean, default=True)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    require_disposition: Mapped[bool] = mapped_column(Boolean, default=False)
    disposition_timer_s: Mapped[int] = mapped_column(Integer, default=0)
    abandon_return_s: Mapped[int] = mapped_column(Integer, default=0)
    callback_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    callback_threshold_s: Mapped[float | None] = mapped_column(Float)
    callback_caller_id: Mapped[str | None] = mapped_column(String(16))
    callback_number_types: Mapped[list[str]] = mapped_column(default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class QueueMember(Base):
    """A user's membership of a queue, as agent or supervisor (R-Q-2, R-Q-12)."""

    __tablename__ = "queue_members"

    queue_id: Mapped[int] = mapped_column(
        ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)  # agent | supervisor
    position: Mapped[int] = mapped_column(Integer, default=0)  # top-down order (R-Q-4)


class Campaign(OrgScoped, Base):
    """An outbound queue: calls the organization makes (R-Q-3)."""

    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    caller_id: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    calendar: Mapped[list[Any]] = mapped_column(default=list)
    answer_timeout_s: Mapped[int] = mapped_column(Integer, default=20)
    number_types: Mapped[list[str]] = mapped_column(default=list)
    recording: Mapped[str] = mapped_column(String(16), default="never")
    wrap_up_s: Mapped[int] = mapped_column(Integer, default=30)
    agents_may_end_wrap_up: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CampaignMember(Base):
    """A user's membership of a campaign, as agent or supervisor (R-Q-3)."""

    __tablename__ = "campaign_members"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
