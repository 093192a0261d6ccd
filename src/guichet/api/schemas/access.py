"""Schemas of access-rights roles, their assignments and a user's effective rights (R-A-1..3)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from guichet.api.schemas.common import MAX_IDS, Id, Input, Output, UTCTime, rule_field
from guichet.api.schemas.directory import patch_field
from guichet.api.schemas.text import Line, Text, Word

ScopeName = Literal["denied", "own", "department", "all"]
AreaName = Literal[
    "channels_view",
    "channels_edit",
    "channels_connect",
    "statistics",
    "history",
    "join",
    "evaluate",
    "canned",
    "access_rights",
]
GRANTS_HELP = (
    "Area -> scope (denied, own, department, all). Areas: channels_view, channels_edit, "
    "channels_connect, statistics, history, join, evaluate, canned, access_rights."
)


class RoleCreate(Input):
    """A new custom role; areas left out of ``grants`` are denied (R-A-2)."""

    name: Line = rule_field("R-A-1", min_length=1, max_length=100)
    description: Text = Field("", max_length=500)
    # Checked by the action, so an unknown area or scope is named as grants.<area> (R-A-2).
    grants: dict[Word, Word] = rule_field(
        "R-A-2", default_factory=dict, max_length=50, description=GRANTS_HELP
    )


class RoleUpdate(Input):
    """Fields to change; in ``grants`` only the areas sent change."""

    name: Line = patch_field("R-A-1", min_length=1, max_length=100)
    description: Text = patch_field(max_length=500)
    grants: dict[Word, Word] = patch_field("R-A-2", max_length=50, description=GRANTS_HELP)


class RoleRead(Output):
    """A role: predefined ones have a ``key`` and cannot change (R-A-1)."""

    id: int
    key: str | None = Field(description="administrator, director or manager; null when custom")
    predefined: bool
    name: str
    description: str
    grants: dict[AreaName, ScopeName]
    created_at: UTCTime
    updated_at: UTCTime


class RoleTargets(Input):
    """Who holds a role: the complete new lists (R-A-3). A department reaches its members and
    the members of every department below it; a group reaches its members."""

    users: list[Id] = rule_field("R-A-3", default_factory=list, max_length=MAX_IDS)
    departments: list[Id] = rule_field("R-A-3", default_factory=list, max_length=MAX_IDS)
    groups: list[Id] = rule_field("R-A-3", default_factory=list, max_length=MAX_IDS)


class RoleTargetsRead(Output):
    """Who holds a role, ids sorted."""

    role_id: int
    users: list[int]
    departments: list[int]
    groups: list[int]


class ThroughRead(Output):
    """How a role reaches the user: given to them, to their department (or one above), or to a
    group they belong to."""

    kind: Literal["user", "department", "group"]
    id: int
    name: str


class ReachingRole(Output):
    """A role that reaches the user and every way it does."""

    id: int
    key: str | None
    name: str
    grants: dict[AreaName, ScopeName]
    through: list[ThroughRead]


class EffectiveAccessRead(Output):
    """A user's rights: each area's scope after the union of their roles (R-A-3)."""

    user_id: int
    administrator: bool = Field(
        description="contact-center administrator: every area is 'all' whatever the roles"
    )
    scopes: dict[AreaName, ScopeName]
    departments: list[int] = Field(
        description="what the 'department' scope covers: their department and those below"
    )
    roles: list[ReachingRole]
