"""Lists the workspace uses: pause reasons, labels, canned messages, dispositions, tags."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from guichet.persistence.models.base import Base, OrgScoped


class PauseReason(OrgScoped, Base):
    """Why an agent is not available (R-Q-9); system reasons cannot be edited."""

    __tablename__ = "pause_reasons"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)


class Label(OrgScoped, Base):
    """A label agents put on interactions (R-Q-10)."""

    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CannedMessage(OrgScoped, Base):
    """Reusable reply text with a shortcut, public or private to its author (R-Q-11)."""

    __tablename__ = "canned_messages"
    # scope_key is "public" or "user:<id>": shortcuts are unique within each scope.
    __table_args__ = (UniqueConstraint("org_id", "scope_key", "shortcut_key"),)

    shortcut: Mapped[str] = mapped_column(String(64))
    shortcut_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(8))  # public | private
    scope_key: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: The queue (channel) a public message belongs to; None: the whole organization's (R-A-2).
    queue_id: Mapped[int | None] = mapped_column(
        ForeignKey("queues.id", ondelete="CASCADE"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Disposition(OrgScoped, Base):
    """An outcome chosen at the end of an interaction (R-W-3)."""

    __tablename__ = "dispositions"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Tag(OrgScoped, Base):
    """A free keyword on interactions (R-W-2)."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))


class ContactCenterPermissions(Base):
    """The organization's contact-center permission switches (R-P-2, R-P-3, R-P-4)."""

    __tablename__ = "contact_center_permissions"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    # R-P-2 supervisor switches
    supervisor_config_portal: Mapped[bool] = mapped_column(Boolean, default=True)
    supervisor_limit_to_assigned_queues: Mapped[bool] = mapped_column(Boolean, default=True)
    supervisor_view_queue_settings: Mapped[bool] = mapped_column(Boolean, default=True)
    supervisor_manage_queue_settings: Mapped[bool] = mapped_column(Boolean, default=False)
    supervisor_view_pause_reasons: Mapped[bool] = mapped_column(Boolean, default=True)
    supervisor_manage_pause_reasons: Mapped[bool] = mapped_column(Boolean, default=False)
    supervisor_view_skills: Mapped[bool] = mapped_column(Boolean, default=True)
    supervisor_manage_skills: Mapped[bool] = mapped_column(Boolean, default=False)
    # R-P-3 agent switches
    agent_manage_own_canned: Mapped[bool] = mapped_column(Boolean, default=True)
    agent_manage_public_canned: Mapped[bool] = mapped_column(Boolean, default=False)
    agent_create_labels: Mapped[bool] = mapped_column(Boolean, default=False)
    # R-P-4 organization switch
    allow_unassigned_queue_login: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
