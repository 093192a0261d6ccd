"""Skills (R-SK-1, R-SK-2) and the skills users hold (R-SK-3)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guichet.persistence.models.base import Base, OrgScoped


class Skill(OrgScoped, Base):
    """A routing capability; skills form a forest (R-SK-2)."""

    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("skills.id", ondelete="RESTRICT"), index=True
    )
    visible_to_experts: Mapped[bool] = mapped_column(Boolean, default=False)
    phone_number: Mapped[str | None] = mapped_column(String(16))
    overflow_out: Mapped[bool] = mapped_column(Boolean, default=True)
    overflow_in: Mapped[bool] = mapped_column(Boolean, default=True)
    overflow_after_s: Mapped[int] = mapped_column(Integer, default=0)


class UserSkill(Base):
    """A skill granted to a user, with a proficiency 1–5 (R-SK-3)."""

    __tablename__ = "user_skills"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    proficiency: Mapped[int] = mapped_column(Integer, default=3)
