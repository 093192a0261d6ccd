"""Access-rights roles, their assignments (R-A-1..R-A-3) and conversation evaluations (R-A-2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guichet.persistence.models.base import Base, OrgScoped, utcnow


class AccessRole(OrgScoped, Base):
    """A role: per area a scope (R-A-2). Predefined roles carry a ``key`` and cannot change."""

    __tablename__ = "access_roles"
    __table_args__ = (UniqueConstraint("org_id", "name_key"), UniqueConstraint("org_id", "key"))

    #: "administrator", "director" or "manager" for the predefined roles (R-A-1), else None.
    key: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: Area name -> scope name ("own", "department", "all", "denied"), every area present.
    grants: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RoleAssignment(Base):
    """A role given to a user, to a department (every member, sub-departments included) or to a
    group (R-A-3). Exactly one of the three targets is set."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN department_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        UniqueConstraint("role_id", "target_key"),
        Index("ix_role_assignments_org_id", "org_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    role_id: Mapped[int] = mapped_column(
        ForeignKey("access_roles.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    #: "user:<id>", "department:<id>" or "group:<id>": one assignment per role and target.
    target_key: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Evaluation(OrgScoped, Base):
    """A quality rating of one conversation (R-A-2 "evaluate", R-A-5): a score from 1 to 5,
    optional criteria scored the same way, and a comment."""

    __tablename__ = "evaluations"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The agent whose work is rated (the conversation's agent when it was rated).
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[dict[str, int]] = mapped_column(default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
