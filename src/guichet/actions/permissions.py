"""Contact-center permission switches of an organization (R-P-2, R-P-3, R-P-4)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from guichet.authz import CCPermissions
from guichet.errors import FieldProblem, Invalid
from guichet.persistence.models import ContactCenterPermissions

# How the switches are shown and edited: by the role they concern (R-P-2, R-P-3) and the
# organization-wide one (R-P-4).
GROUPS: dict[str, tuple[str, ...]] = {
    "supervisor": tuple(n for n in CCPermissions.field_names() if n.startswith("supervisor_")),
    "agent": tuple(n for n in CCPermissions.field_names() if n.startswith("agent_")),
    "organization": ("allow_unassigned_queue_login",),
}
GROUP_RULES = {"supervisor": "R-P-2", "agent": "R-P-3", "organization": "R-P-4"}


@dataclass(frozen=True, slots=True)
class PermissionState:
    """The switches with the version that counts their saved changes."""

    switches: CCPermissions
    version: int

    def grouped(self) -> dict[str, dict[str, bool]]:
        """The switches by group, as the API shows them."""
        values = asdict(self.switches)
        return {group: {n: values[n] for n in names} for group, names in GROUPS.items()}


def rule_of(switch: str) -> str:
    """The rule id a switch implements."""
    for group, names in GROUPS.items():
        if switch in names:
            return GROUP_RULES[group]
    return "R-P-2"


def _to_value(row: ContactCenterPermissions | None) -> CCPermissions:
    if row is None:
        return CCPermissions()
    return CCPermissions(**{name: getattr(row, name) for name in CCPermissions.field_names()})


async def load_permissions(session: AsyncSession, *, org_id: int) -> CCPermissions:
    """The organization's switches (the defaults when never saved)."""
    return _to_value(await session.get(ContactCenterPermissions, org_id))


async def load_permission_state(session: AsyncSession, *, org_id: int) -> PermissionState:
    """The organization's switches and their version (0 when never saved)."""
    row = await session.get(ContactCenterPermissions, org_id)
    return PermissionState(_to_value(row), row.version if row is not None else 0)


def check_changes(changes: dict[str, bool]) -> dict[str, bool]:
    """Every name must be a known switch and every value a boolean (422 otherwise)."""
    known = set(CCPermissions.field_names())
    problems = [
        FieldProblem(name, "unknown permission switch", rule_of(name), "unknown_switch")
        for name in changes
        if name not in known
    ]
    problems += [
        FieldProblem(name, "must be true or false", rule_of(name))
        for name, value in changes.items()
        if name in known and not isinstance(value, bool)
    ]
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems)
    return changes


async def do_update_permissions(
    session: AsyncSession, *, org_id: int, changes: dict[str, bool]
) -> CCPermissions:
    """Change some switches; the others keep their value. Effective on the next request."""
    return (await do_update_permission_state(session, org_id=org_id, changes=changes)).switches


async def do_update_permission_state(
    session: AsyncSession, *, org_id: int, changes: dict[str, bool]
) -> PermissionState:
    """Change some switches (validated first, all or nothing); bump the version on change."""
    row = await stage_permission_changes(session, org_id=org_id, changes=changes)
    await session.commit()
    return PermissionState(_to_value(row), row.version)


async def stage_permission_changes(
    session: AsyncSession, *, org_id: int, changes: dict[str, bool]
) -> ContactCenterPermissions:
    """The switch changes in the session, not committed: the caller's one transaction."""
    check_changes(changes)
    row = await session.get(ContactCenterPermissions, org_id)
    if row is None:
        row = ContactCenterPermissions(org_id=org_id, version=0, **asdict(CCPermissions()))
        session.add(row)
    changed = False
    for name, value in changes.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed or row.version == 0:
        row.version = (row.version or 0) + 1
    return row


async def do_reset_permissions(session: AsyncSession, *, org_id: int) -> CCPermissions:
    """R-P-2: "reset to defaults" restores every switch to its default."""
    return (await do_reset_permission_state(session, org_id=org_id)).switches


async def do_reset_permission_state(session: AsyncSession, *, org_id: int) -> PermissionState:
    """R-P-2 "reset to defaults" (R-P-3 and R-P-4 switches too), with the new version."""
    return await do_update_permission_state(session, org_id=org_id, changes=asdict(CCPermissions()))
