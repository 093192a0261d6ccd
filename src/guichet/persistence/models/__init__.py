"""Every table, imported so that ``Base.metadata`` knows them all."""

from guichet.persistence.models.base import Base, utcnow
from guichet.persistence.models.catalog import (
    CannedMessage,
    ContactCenterPermissions,
    Disposition,
    Label,
    PauseReason,
    Tag,
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
    "AuthToken",
    "Base",
    "Campaign",
    "CampaignMember",
    "CannedMessage",
    "ContactCenterPermissions",
    "Department",
    "Disposition",
    "FlowRow",
    "Group",
    "Label",
    "Organization",
    "PauseReason",
    "Queue",
    "QueueMember",
    "Skill",
    "Tag",
    "TargetingRuleRow",
    "User",
    "UserSkill",
    "group_members",
    "utcnow",
]
