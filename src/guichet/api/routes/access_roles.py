"""Access-rights roles, their assignments and effective rights (R-A-1..R-A-3).

Reading and changing roles needs the right to change access rights (R-A-2; the contact-center
administrator always has it): others get 403. Everyone reads their own rights at ``/me/access``.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from guichet.actions import access_roles as actions
from guichet.api.deps import CurrentUser, SessionDep, SubjectDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.access import (
    EffectiveAccessRead,
    RoleCreate,
    RoleRead,
    RoleTargets,
    RoleTargetsRead,
    RoleUpdate,
)
from guichet.authz.access import AREAS
from guichet.persistence.models import AccessRole, User
from guichet.queries.lookups import get_in_org

router = APIRouter(tags=["access rights"], responses=CLIENT_ERRORS)
ROLES = "/access-roles"


def _role(row: AccessRole) -> RoleRead:
    return RoleRead.model_validate(
        {
            "id": row.id,
            "key": row.key,
            "predefined": row.key is not None,
            "name": row.name,
            "description": row.description,
            "grants": actions.grant_table(row),
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
    )


def _effective(found: actions.EffectiveAccess) -> EffectiveAccessRead:
    scopes = found.scopes
    return EffectiveAccessRead.model_validate(
        {
            "user_id": found.user.id,
            "administrator": found.subject.administrator,
            "scopes": {a.value: scopes[a].label for a in AREAS},
            "departments": sorted(found.subject.departments),
            "roles": [
                {
                    "id": r.role.id,
                    "key": r.role.key,
                    "name": r.role.name,
                    "grants": actions.grant_table(r.role),
                    "through": [{"kind": t.kind, "id": t.id, "name": t.name} for t in r.through],
                }
                for r in found.roles
            ],
        }
    )


@router.get(ROLES, response_model=list[RoleRead])
async def list_roles(subject: SubjectDep, session: SessionDep) -> list[RoleRead]:
    """Every role of the organization: predefined first (R-A-1), then custom ones by name."""
    actions.check_may_manage(subject)
    return [_role(r) for r in await actions.list_roles(session, org_id=subject.org_id)]


@router.post(ROLES, response_model=RoleRead, status_code=status.HTTP_201_CREATED)
async def create_role(body: RoleCreate, subject: SubjectDep, session: SessionDep) -> RoleRead:
    """Create a custom role (R-A-1); areas left out of ``grants`` are denied (R-A-2)."""
    actions.check_may_manage(subject)
    row = await actions.do_create_role(
        session,
        org_id=subject.org_id,
        name=body.name,
        description=body.description,
        grants=body.grants,
    )
    return _role(row)


@router.get(ROLES + "/{role_id}", response_model=RoleRead)
async def read_role(role_id: int, subject: SubjectDep, session: SessionDep) -> RoleRead:
    """One role."""
    actions.check_may_manage(subject)
    return _role(await get_in_org(session, AccessRole, role_id, subject.org_id))


@router.patch(ROLES + "/{role_id}", response_model=RoleRead)
async def update_role(
    role_id: int, body: RoleUpdate, subject: SubjectDep, session: SessionDep
) -> RoleRead:
    """Change a custom role; only the areas of ``grants`` sent change. Predefined: 409 (R-A-1)."""
    actions.check_may_manage(subject)
    row = await get_in_org(session, AccessRole, role_id, subject.org_id)
    row = await actions.do_update_role(
        session, role=row, changes=body.model_dump(exclude_unset=True)
    )
    return _role(row)


@router.delete(ROLES + "/{role_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_role(role_id: int, subject: SubjectDep, session: SessionDep) -> None:
    """Delete a custom role and its assignments. Predefined: 409 (R-A-1)."""
    actions.check_may_manage(subject)
    row = await get_in_org(session, AccessRole, role_id, subject.org_id)
    await actions.do_delete_role(session, role=row)


@router.get(ROLES + "/{role_id}/assignments", response_model=RoleTargetsRead)
async def read_assignments(
    role_id: int, subject: SubjectDep, session: SessionDep
) -> RoleTargetsRead:
    """Who holds the role: users, departments and groups (R-A-3)."""
    actions.check_may_manage(subject)
    row = await get_in_org(session, AccessRole, role_id, subject.org_id)
    found = await actions.role_targets(session, role=row)
    return RoleTargetsRead(
        role_id=row.id, users=found.users, departments=found.departments, groups=found.groups
    )


@router.put(ROLES + "/{role_id}/assignments", response_model=RoleTargetsRead)
async def replace_assignments(
    role_id: int, body: RoleTargets, subject: SubjectDep, session: SessionDep
) -> RoleTargetsRead:
    """Replace who holds the role (R-A-3); every id must be of the organization (422 naming the
    list and the position otherwise), and invalid input changes nothing."""
    actions.check_may_manage(subject)
    row = await get_in_org(session, AccessRole, role_id, subject.org_id)
    found = await actions.do_set_targets(
        session,
        org_id=subject.org_id,
        role=row,
        users=body.users,
        departments=body.departments,
        groups=body.groups,
    )
    return RoleTargetsRead(
        role_id=row.id, users=found.users, departments=found.departments, groups=found.groups
    )


@router.get("/me/access", response_model=EffectiveAccessRead)
async def my_access(principal: CurrentUser, session: SessionDep) -> EffectiveAccessRead:
    """The caller's rights: each area's scope after the union of their roles, and the roles
    that give them, through the caller, a department or a group (R-A-3)."""
    return _effective(await actions.effective_access(session, user=principal.user))


@router.get("/users/{user_id}/access", response_model=EffectiveAccessRead)
async def user_access(
    user_id: int, subject: SubjectDep, session: SessionDep
) -> EffectiveAccessRead:
    """A user's rights, for those who may change access rights (R-A-2, R-A-3)."""
    actions.check_may_manage(subject)
    user = await get_in_org(session, User, user_id, subject.org_id)
    return _effective(await actions.effective_access(session, user=user))
