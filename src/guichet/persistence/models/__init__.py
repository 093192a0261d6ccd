"""Every table, imported so that ``Base.metadata`` knows them all."""

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
