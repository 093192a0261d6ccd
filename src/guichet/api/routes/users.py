"""Routes of users: roles (R-P-1), department, capacity (R-W-1), budget (R-X-8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from guichet.actions import users as actions
from guichet.actions.skills import qualifying_skill_ids, user_skills
from guichet.api.deps import Principal, Require, SessionDep, StateDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.skills import UserSkillRead
from guichet.api.schemas.text import Line
from guichet.api.schemas.users import Role, UserCreate, UserDetail, UserRead, UserUpdate
from guichet.authz import Permission
from guichet.persistence.models import Department, Skill, User
from guichet.queries.lookups import check_ids_in_org, get_in_org

router = APIRouter(tags=["users"], responses=CLIENT_ERRORS)
Viewer = Annotated[Principal, Require(Permission.USERS_VIEW)]
Manager = Annotated[Principal, Require(Permission.USERS_MANAGE)]


async def _detail(session: SessionDep, user: User) -> UserDetail:
    held = await user_skills(session, org_id=user.org_id, user_id=user.id)
    skills = [
        UserSkillRead(skill_id=s.id, name=s.name, parent_id=s.parent_id, proficiency=p)
        for s, p in held
    ]
    return UserDetail(**UserRead.model_validate(user).model_dump(), skills=skills)


@router.get("/users", response_model=list[UserRead])
async def list_users(
    principal: Viewer,
    session: SessionDep,
    role: Role | None = None,
    department_id: int | None = None,
    skill_id: int | None = None,
    include_descendants: Annotated[
        bool, Query(description="R-SK-2: holders of sub-skills")
    ] = False,
    q: Annotated[Line | None, Query(max_length=200)] = None,
    is_active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> list[UserRead]:
    """The organization's users matching every filter given, ordered by id."""
    org_id = principal.org_id
    if department_id is not None:
        await check_ids_in_org(
            session, Department, org_id=org_id, ids=[department_id], field="department_id"
        )
    skill_ids: list[int] | None = None
    if skill_id is not None:
        skill_ids = await check_ids_in_org(
            session, Skill, org_id=org_id, ids=[skill_id], field="skill_id"
        )
        if include_descendants:
            skill_ids = await qualifying_skill_ids(session, org_id=org_id, skill_id=skill_id)
    rows = await actions.list_users(
        session,
        org_id=org_id,
        role=role,
        department_id=department_id,
        skill_ids=skill_ids,
        q=q,
        is_active=is_active,
        limit=limit,
        offset=offset,
    )
    return [UserRead.model_validate(r) for r in rows]


@router.post("/users", response_model=UserDetail, status_code=status.HTTP_201_CREATED)
async def create_user(
    body: UserCreate, principal: Manager, session: SessionDep, state: StateDep
) -> UserDetail:
    """Create a user; only an administrator may create another administrator (R-P-1)."""
    user = await actions.do_create_user(
        session,
        passwords=state.passwords,
        org_id=principal.org_id,
        may_grant_admin=principal.can(Permission.ROLES_GRANT_ADMIN),
        **body.model_dump(),
    )
    return await _detail(session, user)


@router.get("/users/{user_id}", response_model=UserDetail)
async def read_user(user_id: int, principal: Viewer, session: SessionDep) -> UserDetail:
    """One user, with the skills they hold and their proficiency (R-SK-3)."""
    return await _detail(session, await get_in_org(session, User, user_id, principal.org_id))


@router.patch("/users/{user_id}", response_model=UserDetail)
async def update_user(
    user_id: int, body: UserUpdate, principal: Manager, session: SessionDep, state: StateDep
) -> UserDetail:
    """Change the fields sent; the last active administrator keeps the role (R-P-1)."""
    user = await get_in_org(session, User, user_id, principal.org_id)
    user = await actions.do_update_user(
        session,
        passwords=state.passwords,
        user=user,
        changes=body.model_dump(exclude_unset=True),
        may_grant_admin=principal.can(Permission.ROLES_GRANT_ADMIN),
        keep_token_id=principal.token_id,
    )
    return await _detail(session, user)


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def deactivate_user(
    user_id: int, principal: Manager, session: SessionDep, state: StateDep
) -> None:
    """Deactivate (soft delete): the user cannot log in and their tokens stop working."""
    user = await get_in_org(session, User, user_id, principal.org_id)
    await actions.do_deactivate_user(
        session,
        passwords=state.passwords,
        user=user,
        may_grant_admin=principal.can(Permission.ROLES_GRANT_ADMIN),
    )
