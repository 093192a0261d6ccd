"""Routing configuration: targeting rules (R-TR-1) and flows (R-Q-5).

Rules form an ordered list per organization (`position`, dense from 0) plus exactly one default
rule, which has no position and applies when no rule matches. The database enforces both: a
unique position per organization, a unique partial index on the default, and a check that only
the default lacks a position. Rules reference skills and queues by foreign key (RESTRICT), so a
referenced queue or skill cannot vanish under a rule. Flows store their graph as the JSON of
`guichet.flows.flow_to_dict`; their queue references live inside that JSON.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
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

from guichet.persistence.models.base import Base, OrgScoped


class TargetingRuleRow(OrgScoped, Base):
    """One targeting rule: conditions on the contact context and an action (R-TR-1)."""

    __tablename__ = "targeting_rules"
    __table_args__ = (
        UniqueConstraint("org_id", "name_key"),
        UniqueConstraint("org_id", "position"),
        CheckConstraint(
            "(is_default AND position IS NULL) OR (NOT is_default AND position IS NOT NULL)",
            name="default_has_no_position",
        ),
        Index(
            "uq_targeting_rules_one_default",
            "org_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    #: 0-based place in the organization's ordered list; None for the default rule.
    position: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    #: [{"field": ..., "operator": ..., "value": str | [str, ...]}, ...]
    conditions: Mapped[list[Any]] = mapped_column(default=list)
    skill_id: Mapped[int | None] = mapped_column(
        ForeignKey("skills.id", ondelete="RESTRICT"), index=True
    )
    queue_id: Mapped[int | None] = mapped_column(
        ForeignKey("queues.id", ondelete="RESTRICT"), index=True
    )
    #: Overrides the queue's weight (R-Q-8) when set.
    priority: Mapped[float | None] = mapped_column(Float)


class FlowRow(OrgScoped, Base):
    """A flow (dial plan) graph, validated on save (R-Q-5)."""

    __tablename__ = "flows"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    #: `flow_to_dict` output: {"id": str(id), "name": name, "nodes": [...]}.
    graph: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Starts at 1 and grows by one on every change; every UPDATE checks it, so two editors
    #: saving the same version cannot both win (optimistic concurrency).
    version: Mapped[int] = mapped_column(Integer, default=1)

    # The actions set the next version; SQLAlchemy checks the old one in the UPDATE.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
