"""Every table, imported so that ``Base.metadata`` knows them all."""

from sqlalchemy import Integer

from guichet.persistence.models.access import AccessRole, Evaluation, RoleAssignment
from guichet.persistence.models.analytics import (
    AnalyticsAgentState,
    AnalyticsCursor,
    AnalyticsInteraction,
    AnalyticsSegment,
    ExportJob,
)
from guichet.persistence.models.base import Base, utcnow
from guichet.persistence.models.catalog import (
    CannedMessage,
    ContactCenterPermissions,
    Disposition,
    Label,
    PauseReason,
    Tag,
)
from guichet.persistence.models.live import (
    AgentPresence,
    Assignment,
    Contact,
    Interaction,
    InteractionEvent,
    InteractionTag,
    Message,
    Offer,
)
from guichet.persistence.models.org import (
    AuthToken,
    Department,
    Group,
    Organization,
    User,
    group_members,
)
from guichet.persistence.models.queues import Campaign, CampaignMember, Queue, QueueMember
from guichet.persistence.models.routing_config import FlowRow, TargetingRuleRow
from guichet.persistence.models.skills import Skill, UserSkill


def _ids_never_reused() -> None:
    """SQLite AUTOINCREMENT on every table keyed by an integer ``id`` (issue: ids reused).

    Without it SQLite gives a new row the largest id plus one, so a deleted queue's id went to
    the next queue and stale references attached to it. PostgreSQL sequences never go back.
    """
    for table in Base.metadata.tables.values():
        key = list(table.primary_key.columns)
        if len(key) == 1 and key[0].name == "id" and isinstance(key[0].type, Integer):
            table.dialect_kwargs["sqlite_autoincrement"] = True


_ids_never_reused()

__all__ = [
    "AccessRole",
    "AgentPresence",
    "AnalyticsAgentState",
    "AnalyticsCursor",
    "AnalyticsInteraction",
    "AnalyticsSegment",
    "Assignment",
    "AuthToken",
    "Base",
    "Campaign",
    "CampaignMember",
    "CannedMessage",
    "Contact",
    "ContactCenterPermissions",
    "Department",
    "Disposition",
    "Evaluation",
    "ExportJob",
    "FlowRow",
    "Group",
    "Interaction",
    "InteractionEvent",
    "InteractionTag",
    "Label",
    "Message",
    "Offer",
    "Organization",
    "PauseReason",
    "Queue",
    "QueueMember",
    "RoleAssignment",
    "Skill",
    "Tag",
    "TargetingRuleRow",
    "User",
    "UserSkill",
    "group_members",
    "utcnow",
]
