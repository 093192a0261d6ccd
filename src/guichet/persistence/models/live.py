"""Live contact-center tables: contacts, interactions, offers, assignments, the event log.

The database enforces what routing must never break: one active assignment per interaction and
one open offer per interaction and agent are unique partial indexes, not only code (see
docs/events.md). Engine ids are the string form of these row ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from guichet.persistence.models.base import Base, OrgScoped, utcnow


class Contact(OrgScoped, Base):
    """A customer record, matched on intake by e-mail, phone or external id."""

    __tablename__ = "contacts"

    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )


class Interaction(OrgScoped, Base):
    """One contact's request on one channel, and where routing has put it."""

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("org_id", "idempotency_key"),
        Index("ix_interactions_org_id_status", "org_id", "status"),
    )

    channel: Mapped[str] = mapped_column(String(16))
    #: new | unrouted | in_flow | waiting | offered | assigned | paused | callback |
    #: abandoned | ended (guichet.domain.routing.InteractionStatus plus new/unrouted).
    status: Mapped[str] = mapped_column(String(16), default="new")
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id", ondelete="SET NULL"))
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id", ondelete="SET NULL"))
    #: The agent handling it now (assigned or paused conversation).
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: The agent whose personal queue it waits in (R-W-5).
    personal_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    #: Asked on intake: target queue, skill, flow and priority (R-Q-5, R-Q-8, R-TR-1).
    requested_queue_id: Mapped[int | None] = mapped_column(Integer)
    requested_skill_id: Mapped[int | None] = mapped_column(Integer)
    flow_id: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[float | None] = mapped_column(Float)
    caller_id: Mapped[str | None] = mapped_column(String(32))
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    overflow: Mapped[bool] = mapped_column(Boolean, default=False)
    callback: Mapped[bool] = mapped_column(Boolean, default=False)
    callback_offered: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Engine clock (POSIX seconds): entered its current queue, and its place in it (R-Q-8).
    queued_at: Mapped[float | None] = mapped_column(Float)
    order_t: Mapped[float | None] = mapped_column(Float)
    ended_at: Mapped[datetime | None] = mapped_column()
    disposition_id: Mapped[int | None] = mapped_column(
        ForeignKey("dispositions.id", ondelete="SET NULL")
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    #: R-W-3: ended_at + the queue's disposition timer (POSIX seconds) when the queue requires
    #: a disposition; cleared when the timer ran out without one (see docs/events.md).
    disposition_due_at: Mapped[float | None] = mapped_column(Float)
    #: Set once the agent's wrap-up for it is over: notes are then read-only (R-W-3).
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Who took it in (a channel's user for now): the contact side may read and write it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    #: The first answer given to the intake request, replayed for the same key (idempotency).
    intake_response: Mapped[dict[str, Any] | None] = mapped_column()


class InteractionEvent(Base):
    """The append-only event log (R-AN-8): one row per routing decision and state change."""

    __tablename__ = "interaction_events"
    __table_args__ = (
        Index("ix_interaction_events_org_id_at", "org_id", "at"),
        # The analytics projector reads an organization's log from its cursor, by id.
        Index("ix_interaction_events_org_id_id", "org_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    type: Mapped[str] = mapped_column(String(40))
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    queue_id: Mapped[int | None] = mapped_column(Integer)
    skill_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Offer(Base):
    """One proposal of an interaction to an agent (R-Q-4); it carries its expiry."""

    __tablename__ = "offers"
    __table_args__ = (
        Index(
            "uq_offers_open_interaction_agent",
            "interaction_id",
            "agent_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[float] = mapped_column(Float)
    outbound: Mapped[bool] = mapped_column(Boolean, default=False)
    #: open | accepted | rejected | expired | withdrawn | reclaimed
    status: Mapped[str] = mapped_column(String(16), default="open")
    closed_at: Mapped[datetime | None] = mapped_column()
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Assignment(Base):
    """An agent handling an interaction; at most one active per interaction."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index(
            "uq_assignments_active_interaction",
            "interaction_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    end_reason: Mapped[str | None] = mapped_column(String(32))


class Message(Base):
    """One message of a chat or messaging transcript."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    #: contact | agent | supervisor | system
    sender: Mapped[str] = mapped_column(String(16))
    sender_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InteractionTag(Base):
    """A tag put on an interaction (R-W-2)."""

    __tablename__ = "interaction_tags"

    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AgentPresence(Base):
    """An agent's live state (R-W-1), pause reason (R-Q-9) and logged-in queues (R-Q-12)."""

    __tablename__ = "agent_presence"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: What the agent asked for: offline | available | paused.
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    #: R-W-1 state as routing sees it: offline | available | busy | wrap_up | paused.
    state: Mapped[str] = mapped_column(String(16), default="offline")
    reason: Mapped[str | None] = mapped_column(String(255))
    state_since: Mapped[datetime] = mapped_column(default=utcnow)
    queue_ids: Mapped[list[Any]] = mapped_column(default=list)
    wrap_up_until: Mapped[float | None] = mapped_column(Float)
    wrap_interaction_id: Mapped[int | None] = mapped_column(Integer)
    #: Engine clock (POSIX seconds) when the agent last became available after being paused or
    #: offline: offers they let expire or rejected since then stay declined (R-Q-4).
    available_since: Mapped[float | None] = mapped_column(Float)
