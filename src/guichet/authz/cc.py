"""Contact-center roles and their permission switches (R-P-1..R-P-4), as one pure function."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields
from enum import StrEnum

ADMINISTRATOR = "administrator"
SUPERVISOR = "supervisor"
AGENT = "agent"
ROLES = (ADMINISTRATOR, SUPERVISOR, AGENT)


class Permission(StrEnum):
    """Everything a route may require."""

    CONFIG_PORTAL = "config.portal"
    QUEUES_VIEW = "queues.view"
    QUEUES_MANAGE = "queues.manage"
    PAUSE_REASONS_VIEW = "pause_reasons.view"
    PAUSE_REASONS_MANAGE = "pause_reasons.manage"
    SKILLS_VIEW = "skills.view"
    SKILLS_MANAGE = "skills.manage"
    USERS_VIEW = "users.view"
    USERS_MANAGE = "users.manage"
    ROLES_GRANT_ADMIN = "roles.grant_admin"
    CAMPAIGNS_VIEW = "campaigns.view"
    CAMPAIGNS_MANAGE = "campaigns.manage"
    CATALOG_VIEW = "catalog.view"
    LABELS_MANAGE = "labels.manage"
    LABELS_CREATE = "labels.create"
    CANNED_OWN = "canned.manage_own"
    CANNED_PUBLIC = "canned.manage_public"
    DISPOSITIONS_MANAGE = "dispositions.manage"
    TAGS_MANAGE = "tags.manage"
    PERMISSIONS_VIEW = "permissions.view"
    PERMISSIONS_MANAGE = "permissions.manage"
    ORG_MANAGE = "org.manage"


@dataclass(frozen=True, slots=True)
class CCPermissions:
    """The organization's switches; defaults are what "reset to defaults" restores (R-P-2..4)."""

    supervisor_config_portal: bool = True
    supervisor_limit_to_assigned_queues: bool = True
    supervisor_view_queue_settings: bool = True
    supervisor_manage_queue_settings: bool = False
    supervisor_view_pause_reasons: bool = True
    supervisor_manage_pause_reasons: bool = False
    supervisor_view_skills: bool = True
    supervisor_manage_skills: bool = False
    agent_manage_own_canned: bool = True
    agent_manage_public_canned: bool = False
    agent_create_labels: bool = False
    allow_unassigned_queue_login: bool = False

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The names of every switch, in declaration order."""
        return tuple(f.name for f in fields(cls))


def _supervisor_can(p: CCPermissions, perm: Permission) -> bool:
    """R-P-2: each supervisor permission is a switch; the portal switch gates configuration."""
    if perm in (Permission.CATALOG_VIEW, Permission.CANNED_OWN):
        return True
    if not p.supervisor_config_portal:
        return False
    table: dict[Permission, bool] = {
        Permission.CONFIG_PORTAL: True,
        Permission.QUEUES_VIEW: p.supervisor_view_queue_settings
        or p.supervisor_manage_queue_settings,
        Permission.QUEUES_MANAGE: p.supervisor_manage_queue_settings,
        Permission.CAMPAIGNS_VIEW: p.supervisor_view_queue_settings
        or p.supervisor_manage_queue_settings,
        Permission.CAMPAIGNS_MANAGE: p.supervisor_manage_queue_settings,
        Permission.PAUSE_REASONS_VIEW: p.supervisor_view_pause_reasons
        or p.supervisor_manage_pause_reasons,
        Permission.PAUSE_REASONS_MANAGE: p.supervisor_manage_pause_reasons,
        Permission.SKILLS_VIEW: p.supervisor_view_skills or p.supervisor_manage_skills,
        Permission.SKILLS_MANAGE: p.supervisor_manage_skills,
        # Assigning skills means reading the users they are assigned to.
        Permission.USERS_VIEW: p.supervisor_view_skills or p.supervisor_manage_skills,
        Permission.PERMISSIONS_VIEW: True,
    }
    return table.get(perm, False)


def _agent_can(p: CCPermissions, perm: Permission) -> bool:
    """R-P-3: agents read the lists they use and manage canned messages/labels when allowed."""
    if perm is Permission.CATALOG_VIEW:
        return True
    if perm is Permission.CANNED_OWN:
        return p.agent_manage_own_canned
    if perm is Permission.CANNED_PUBLIC:
        return p.agent_manage_public_canned
    if perm is Permission.LABELS_CREATE:
        return p.agent_create_labels
    return False


def can(roles: Collection[str], perms: CCPermissions, perm: Permission) -> bool:
    """May a user holding ``roles`` do ``perm``, under the organization's switches ``perms``?

    Administrators may do everything (R-P-1); the other roles add up, each granting what its
    switches allow (R-P-2 supervisors, R-P-3 agents).
    """
    if ADMINISTRATOR in roles:
        return True
    if SUPERVISOR in roles and _supervisor_can(perms, perm):
        return True
    return AGENT in roles and _agent_can(perms, perm)
