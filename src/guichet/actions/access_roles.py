"""Access-rights roles and who holds them (R-A-1..R-A-3).

Predefined roles (Administrator, Director, Manager) are read-only (R-A-1); custom roles carry a
name unique in the organization regardless of case, a description and a grant table: per area a
scope among ``own``, ``department``, ``all`` and ``denied`` (R-A-2). Any role may be given to
users, to departments (their members and the members of every department below) and to groups;
a user's rights are, area by area, the most permissive scope of every role reaching them (R-A-3).

Only a subject who may change access rights (:func:`~guichet.authz.access.may_manage_access`)
reads or changes roles; :func:`check_may_manage` answers 403 otherwise. The contact-center
administrator holds every scope whatever roles say, so no change of roles locks everyone out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.text import clean_name, first_control
from guichet.authz import access as policy
from guichet.authz.access import AREAS, Area, Scope, Subject
from guichet.errors import Conflict, Forbidden, invalid
from guichet.persistence.models import (
    AccessRole,
    Department,
    Group,
    RoleAssignment,
    User,
    group_members,
)
from guichet.queries.access import ancestors, grants_of, load_subject
from guichet.queries.lookups import check_name_free, name_key, storable_id

NAME_MAX = 100
DESCRIPTION_MAX = 500
_PREDEFINED_ORDER = {role.key: index for index, role in enumerate(policy.PREDEFINED_ROLES)}
_SCOPES = ", ".join(s.label for s in Scope)
_NAME_TAKEN = "a role with this name exists in the organization (names ignore case)"
#: The kinds of targets a role is given to, in the order answers list them (R-A-3).
TARGET_KINDS = ("user", "department", "group")


def check_may_manage(subject: Subject) -> None:
    """403 unless the subject may change access rights (R-A-2; administrators always may)."""
    if not policy.may_manage_access(subject):
        raise Forbidden(
            "this needs the right to change access rights", code="forbidden", rule="R-A-2"
        )


def check_grants(given: Mapping[str, Any], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """A complete grant table: ``given`` over ``base`` (every area denied when ``base`` is None).

    An unknown area or scope is a 422 naming ``grants.<area>`` under R-A-2.
    """
    out = {a.value: Scope.DENIED.label for a in AREAS}
    if base is not None:
        out.update({a.value: base[a.value] for a in AREAS if a.value in base})
    for area, scope in given.items():
        where = f"grants.{area}"
        if area not in out:
            raise invalid(where, f"unknown area; use one of {[a.value for a in AREAS]}", "R-A-2")
        if not isinstance(scope, str) or scope.upper() not in Scope.__members__:
            raise invalid(where, f"unknown scope; use one of {_SCOPES}", "R-A-2")
        out[area] = Scope.parse(scope).label
    return out


def grant_table(role: AccessRole) -> dict[str, str]:
    """A role's grants as area name -> scope name, every area present (R-A-2)."""
    return {a.value: s.label for a, s in grants_of(role).items()}


def check_description(value: str) -> str:
    """A description of at most 500 characters; line breaks and tabs are the only controls."""
    text = unicodedata.normalize("NFC", value).strip()
    if len(text) > DESCRIPTION_MAX:
        raise invalid("description", f"at most {DESCRIPTION_MAX} characters", code="too_long")
    found = first_control(text, allowed=frozenset("\n\r\t"))
    if found is not None:
        raise invalid(
            "description",
            f"control characters other than line breaks and tabs are not allowed ({found[1]})",
            code="control_character",
        )
    return text


def _check_custom(role: AccessRole, action: str) -> None:
    """R-A-1: predefined roles keep their name and grants and cannot be deleted."""
    if role.key is not None:
        raise Conflict(
            f"the predefined role {role.name!r} cannot be {action}", rule="R-A-1", code="predefined"
        )


def role_order(role: AccessRole) -> tuple[int, int, str, int]:
    """Sort key: predefined roles first in their documented order, then custom ones by name."""
    if role.key is not None:
        return (0, _PREDEFINED_ORDER.get(role.key, len(_PREDEFINED_ORDER)), "", role.id)
    return (1, 0, role.name_key, role.id)


async def list_roles(session: AsyncSession, *, org_id: int) -> list[AccessRole]:
    """The organization's roles: the predefined ones first (R-A-1), then custom ones by name."""
    rows = list(await session.scalars(select(AccessRole).where(AccessRole.org_id == org_id)))
    return sorted(rows, key=role_order)


async def do_create_role(
    session: AsyncSession,
    *,
    org_id: int,
    name: str,
    description: str = "",
    grants: Mapping[str, Any],
) -> AccessRole:
    """Create a custom role (R-A-1); areas left out are denied (R-A-2)."""
    clean = clean_name(name, field="name", rule="R-A-1", max_length=NAME_MAX)
    text = check_description(description)
    table = check_grants(grants)
    key = name_key(clean)
    await check_name_free(
        session, AccessRole, org_id=org_id, key=key, message=_NAME_TAKEN, rule="R-A-1"
    )
    role = AccessRole(
        org_id=org_id, key=None, name=clean, name_key=key, description=text, grants=table
    )
    session.add(role)
    await commit_or_conflict(session, field="name", message=_NAME_TAKEN, rule="R-A-1")
    return role


async def do_update_role(
    session: AsyncSession, *, role: AccessRole, changes: Mapping[str, Any]
) -> AccessRole:
    """Change a custom role: ``name``, ``description`` and the areas of ``grants`` given.

    Predefined roles are refused with 409 (R-A-1). Grants sent replace those areas only.
    """
    _check_custom(role, "changed")
    unknown = set(changes) - {"name", "description", "grants"}
    if unknown:
        raise invalid(sorted(unknown)[0], "this field cannot be changed")
    for column in ("name", "description", "grants"):
        if column in changes and changes[column] is None:
            raise invalid(column, "must not be null")
    if "name" in changes:
        clean = clean_name(changes["name"], field="name", rule="R-A-1", max_length=NAME_MAX)
        key = name_key(clean)
        await check_name_free(
            session,
            AccessRole,
            org_id=role.org_id,
            key=key,
            exclude_id=role.id,
            message=_NAME_TAKEN,
            rule="R-A-1",
        )
        role.name, role.name_key = clean, key
    if "description" in changes:
        role.description = check_description(changes["description"])
    if "grants" in changes:
        # A new dict: the JSON column only notices a replaced value.
        role.grants = check_grants(changes["grants"], base=dict(role.grants))
    await commit_or_conflict(session, field="name", message=_NAME_TAKEN, rule="R-A-1")
    return role


async def do_delete_role(session: AsyncSession, *, role: AccessRole) -> None:
    """Delete a custom role and every assignment of it (R-A-1: predefined ones stay)."""
    _check_custom(role, "deleted")
    await session.execute(delete(RoleAssignment).where(RoleAssignment.role_id == role.id))
    await session.delete(role)
    await session.commit()


# --- Assignments (R-A-3) ---------------------------------------------------------------------


@dataclass
class Targets:
    """Who a role is given to: users, departments (with their sub-departments) and groups."""

    users: list[int] = field(default_factory=list)
    departments: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)


async def role_targets(session: AsyncSession, *, role: AccessRole) -> Targets:
    """The users, departments and groups ``role`` is given to, each list sorted."""
    rows = await session.execute(
        select(RoleAssignment.user_id, RoleAssignment.department_id, RoleAssignment.group_id)
        .where(RoleAssignment.role_id == role.id)
        .order_by(RoleAssignment.id)
    )
    out = Targets()
    for user_id, department_id, group_id in rows:
        if user_id is not None:
            out.users.append(user_id)
        elif department_id is not None:
            out.departments.append(department_id)
        elif group_id is not None:
            out.groups.append(group_id)
    out.users.sort()
    out.departments.sort()
    out.groups.sort()
    return out


async def _check_listed(
    session: AsyncSession, model: type[Any], *, org_id: int, ids: Sequence[int], field: str
) -> list[int]:
    """The distinct ids, sorted; 422 naming ``<field>.<index>`` of the first one that is not a
    row of the organization (another organization's id reads like an unknown one)."""
    wanted = sorted({i for i in ids if storable_id(i)})
    found: set[int] = set()
    if wanted:
        found = set(
            await session.scalars(
                select(model.id).where(model.org_id == org_id, model.id.in_(wanted))
            )
        )
    for index, value in enumerate(ids):
        if value not in found:
            raise invalid(f"{field}.{index}", f"unknown id in this organization: {value}", "R-A-3")
    return sorted(set(ids))


async def do_set_targets(
    session: AsyncSession,
    *,
    org_id: int,
    role: AccessRole,
    users: Sequence[int],
    departments: Sequence[int],
    groups: Sequence[int],
) -> Targets:
    """Replace who holds ``role`` (R-A-3). Every id is checked before anything is written."""
    wanted = Targets(
        users=await _check_listed(session, User, org_id=org_id, ids=users, field="users"),
        departments=await _check_listed(
            session, Department, org_id=org_id, ids=departments, field="departments"
        ),
        groups=await _check_listed(session, Group, org_id=org_id, ids=groups, field="groups"),
    )
    await session.execute(delete(RoleAssignment).where(RoleAssignment.role_id == role.id))
    rows: list[dict[str, Any]] = []
    for kind, ids in (
        ("user", wanted.users),
        ("department", wanted.departments),
        ("group", wanted.groups),
    ):
        for target in ids:
            rows.append(
                {
                    "org_id": org_id,
                    "role_id": role.id,
                    "user_id": target if kind == "user" else None,
                    "department_id": target if kind == "department" else None,
                    "group_id": target if kind == "group" else None,
                    "target_key": f"{kind}:{target}",
                }
            )
    if rows:
        await session.execute(insert(RoleAssignment), rows)
    await commit_or_conflict(
        session, field="users", message="the assignments changed meanwhile", rule="R-A-3"
    )
    return wanted


# --- Effective rights (R-A-3) ----------------------------------------------------------------


@dataclass(frozen=True)
class Through:
    """How a role reaches a user: given to them, to a department above them, or a group."""

    kind: str
    id: int
    name: str


@dataclass
class Reaching:
    """One role reaching a user, with every way it does."""

    role: AccessRole
    through: list[Through] = field(default_factory=list)


@dataclass
class EffectiveAccess:
    """A user's rights: each area's scope after the union of their roles (R-A-3)."""

    user: User
    subject: Subject
    roles: list[Reaching]

    @property
    def scopes(self) -> dict[Area, Scope]:
        """Area -> scope, every area (all of them for a contact-center administrator)."""
        return {a: self.subject.scope(a) for a in AREAS}


def target_of(assignment: RoleAssignment) -> tuple[str, int]:
    """The kind (user, department or group) and id an assignment gives its role to."""
    if assignment.user_id is not None:
        return "user", assignment.user_id
    if assignment.department_id is not None:
        return "department", assignment.department_id
    if assignment.group_id is not None:
        return "group", assignment.group_id
    raise ValueError(f"role assignment {assignment.id} has no target")  # pragma: no cover


async def effective_access(session: AsyncSession, *, user: User) -> EffectiveAccess:
    """What ``user`` may do, and which roles give it through what (R-A-3)."""
    subject = await load_subject(session, user)
    tree = await session.execute(
        select(Department.id, Department.parent_id).where(Department.org_id == user.org_id)
    )
    depts = dict(tree.all())
    above = ancestors(depts, user.department_id)
    groups = list(
        await session.scalars(
            select(group_members.c.group_id).where(group_members.c.user_id == user.id)
        )
    )
    reach = [RoleAssignment.user_id == user.id]
    if above:
        reach.append(RoleAssignment.department_id.in_(above))
    if groups:
        reach.append(RoleAssignment.group_id.in_(groups))
    rows = (
        await session.execute(
            select(RoleAssignment, AccessRole)
            .join(AccessRole, AccessRole.id == RoleAssignment.role_id)
            .where(RoleAssignment.org_id == user.org_id, or_(*reach))
            .order_by(RoleAssignment.id)
        )
    ).all()
    names = await _target_names(session, org_id=user.org_id, assignments=[a for a, _ in rows])
    by_role: dict[int, Reaching] = {}
    for assignment, role in rows:
        kind, target = target_of(assignment)
        reaching = by_role.setdefault(role.id, Reaching(role))
        reaching.through.append(Through(kind, target, names.get((kind, target), "")))
    ordered = sorted(by_role.values(), key=lambda r: role_order(r.role))
    for reaching in ordered:
        reaching.through.sort(key=lambda t: (TARGET_KINDS.index(t.kind), t.id))
    return EffectiveAccess(user=user, subject=subject, roles=ordered)


async def _target_names(
    session: AsyncSession, *, org_id: int, assignments: Iterable[RoleAssignment]
) -> dict[tuple[str, int], str]:
    """(kind, id) -> display name of the users, departments and groups named."""
    wanted: dict[str, set[int]] = {kind: set() for kind in TARGET_KINDS}
    for a in assignments:
        kind, target = target_of(a)
        wanted[kind].add(target)
    out: dict[tuple[str, int], str] = {}
    sources: tuple[tuple[str, Any, Any], ...] = (
        ("user", User, User.display_name),
        ("department", Department, Department.name),
        ("group", Group, Group.name),
    )
    for kind, model, column in sources:
        if wanted[kind]:
            rows = await session.execute(
                select(model.id, column).where(
                    model.org_id == org_id, model.id.in_(sorted(wanted[kind]))
                )
            )
            out.update({(kind, row_id): name for row_id, name in rows.all()})
    return out


async def ensure_predefined_roles(session: AsyncSession, *, org_id: int) -> None:
    """Give the organization the predefined roles it lacks (R-A-1); the caller commits."""
    have = set(
        await session.scalars(
            select(AccessRole.key).where(AccessRole.org_id == org_id, AccessRole.key.is_not(None))
        )
    )
    for role in policy.PREDEFINED_ROLES:
        if role.key in have:
            continue
        session.add(
            AccessRole(
                org_id=org_id,
                key=role.key,
                name=role.name,
                name_key=role.name.lower(),
                grants={a.value: s.label for a, s in role.grants.items()},
            )
        )
    await session.flush()
