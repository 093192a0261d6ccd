"""The contact-center permission policy, pure (R-P-1, R-P-2, R-P-3)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.authz import CCPermissions, Permission, can

DEFAULTS = CCPermissions()


def test_r_p_1_administrator_may_do_everything() -> None:
    assert all(can(["administrator"], DEFAULTS, p) for p in Permission)
    assert can(["administrator"], DEFAULTS, Permission.ROLES_GRANT_ADMIN)
    assert not can(["supervisor", "agent"], DEFAULTS, Permission.ROLES_GRANT_ADMIN)


@pytest.mark.parametrize(
    ("switch", "perm"),
    [
        ("supervisor_manage_queue_settings", Permission.QUEUES_MANAGE),
        ("supervisor_manage_pause_reasons", Permission.PAUSE_REASONS_MANAGE),
        ("supervisor_manage_skills", Permission.SKILLS_MANAGE),
        ("supervisor_view_queue_settings", Permission.QUEUES_VIEW),
        ("supervisor_view_pause_reasons", Permission.PAUSE_REASONS_VIEW),
        ("supervisor_view_skills", Permission.SKILLS_VIEW),
    ],
)
def test_r_p_2_each_supervisor_permission_is_a_switch(switch: str, perm: Permission) -> None:
    on = replace(DEFAULTS, **{switch: True})
    off = CCPermissions(**{**dict.fromkeys(CCPermissions.field_names(), False), switch: False})
    assert can(["supervisor"], on, perm)
    assert not can(["supervisor"], replace(off, supervisor_config_portal=True), perm)


def test_r_p_2_configuration_portal_switch_gates_all_configuration() -> None:
    everything = CCPermissions(**dict.fromkeys(CCPermissions.field_names(), True))
    closed = replace(everything, supervisor_config_portal=False)
    assert can(["supervisor"], everything, Permission.QUEUES_MANAGE)
    assert not can(["supervisor"], closed, Permission.QUEUES_MANAGE)
    assert not can(["supervisor"], closed, Permission.SKILLS_VIEW)
    # Reading the lists used while handling interactions never depends on the portal.
    assert can(["supervisor"], closed, Permission.CATALOG_VIEW)


def test_r_p_2_manage_implies_view() -> None:
    p = replace(DEFAULTS, supervisor_view_skills=False, supervisor_manage_skills=True)
    assert can(["supervisor"], p, Permission.SKILLS_VIEW)


@pytest.mark.parametrize(
    ("switch", "perm"),
    [
        ("agent_manage_own_canned", Permission.CANNED_OWN),
        ("agent_manage_public_canned", Permission.CANNED_PUBLIC),
        ("agent_create_labels", Permission.LABELS_CREATE),
    ],
)
def test_r_p_3_agent_switches(switch: str, perm: Permission) -> None:
    assert can(["agent"], replace(DEFAULTS, **{switch: True}), perm)
    assert not can(["agent"], replace(DEFAULTS, **{switch: False}), perm)


def test_agents_never_configure() -> None:
    everything = CCPermissions(**dict.fromkeys(CCPermissions.field_names(), True))
    for perm in (Permission.QUEUES_MANAGE, Permission.USERS_MANAGE, Permission.PERMISSIONS_MANAGE):
        assert not can(["agent"], everything, perm)


@given(
    roles=st.sets(st.sampled_from(["administrator", "supervisor", "agent"])),
    switches=st.fixed_dictionaries({n: st.booleans() for n in CCPermissions.field_names()}),
    perm=st.sampled_from(list(Permission)),
)
def test_roles_add_up(roles: set[str], switches: dict[str, bool], perm: Permission) -> None:
    """A user with several roles may do what any one of them may do, and nothing more."""
    perms = CCPermissions(**switches)
    assert can(roles, perms, perm) == any(can([r], perms, perm) for r in roles)
