"""Organizations (tenants), departments, groups, users and their tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from guichet.persistence.models.base import Base, OrgScoped, utcnow


class Organization(Base):
    """A tenant: every other row belongs to exactly one organization."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: The language texts are shown in when nothing else says (`fr` or `en`).
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    #: R-W-1: whether a call may run alongside chats and messages.
    allow_mixing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: R-X-8: budget units an interaction costs per channel; None keeps the defaults.
    channel_costs: Mapped[dict[str, int] | None] = mapped_column(default=None)
    #: R-W-6, R-X-8: budget units a paused conversation still costs; None keeps the default.
    paused_cost: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Department(OrgScoped, Base):
    """A node of the organization's department tree."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )


group_members = Table(
    "group_members",
    Base.metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Group(OrgScoped, Base):
    """A named set of users (roles can be given to groups, R-A-3)."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))


class User(OrgScoped, Base):
    """A person who logs in: agent, supervisor and/or administrator (R-P-1)."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    roles: Mapped[list[str]] = mapped_column(default=list)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    # R-W-1 capacity per channel, e.g. {"voice": 1, "chat": 3}; R-X-8 weighted budget.
    capacity: Mapped[dict[str, int]] = mapped_column(default=dict)
    budget: Mapped[int] = mapped_column(Integer, default=100)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AuthToken(Base):
    """A login session or a personal API token; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "session" | "api"
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
