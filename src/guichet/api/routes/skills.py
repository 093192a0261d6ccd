"""Routes of skills (R-SK-1, R-SK-2, R-SK-4) and of the skills users hold (R-SK-3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, status

from guichet.actions import skills as actions
from guichet.actions.directory import Node
from guichet.api.deps import Principal, Require, SessionDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.skills import (
    GrantResult,
    RevokeResult,
    SkillCreate,
    SkillDescendants,
    SkillGrants,
    SkillNode,
    SkillRead,
    SkillRevocations,
    SkillUpdate,
    UserSkillRead,
    UserSkillSet,
)
from guichet.authz import Permission
from guichet.persistence.models import Skill
from guichet.queries.lookups import get_in_org

router = APIRouter(tags=["skills"], responses=CLIENT_ERRORS)
Viewer = Annotated[Principal, Require(Permission.SKILLS_VIEW)]
Manager = Annotated[Principal, Require(Permission.SKILLS_MANAGE)]


def _node(node: Node[Skill]) -> SkillNode:
    base = SkillRead.model_validate(node.item).model_dump()
    return SkillNode(**base, children=[_node(c) for c in node.children])


def _held(rows: list[tuple[Skill, int]]) -> list[UserSkillRead]:
    return [
        UserSkillRead(skill_id=s.id, name=s.name, parent_id=s.parent_id, proficiency=p)
        for s, p in rows
    ]


@router.get("/skills", response_model=list[SkillRead])
async def list_skills(principal: Viewer, session: SessionDep) -> list[SkillRead]:
    """The organization's skills, ordered by name."""
    rows = await actions.list_skills(session, org_id=principal.org_id)
    return [SkillRead.model_validate(r) for r in rows]


@router.post("/skills", response_model=SkillRead, status_code=status.HTTP_201_CREATED)
async def create_skill(body: SkillCreate, principal: Manager, session: SessionDep) -> SkillRead:
    """Create a skill (R-SK-1), optionally under a parent (R-SK-2)."""
    skill = await actions.do_create_skill(session, org_id=principal.org_id, **body.model_dump())
    return SkillRead.model_validate(skill)


@router.get("/skills/tree", response_model=list[SkillNode])
async def skill_tree(principal: Viewer, session: SessionDep) -> list[SkillNode]:
    """R-SK-2: the skill forest as nested JSON, siblings ordered by name."""
    return [_node(n) for n in await actions.skill_tree(session, org_id=principal.org_id)]


@router.post("/skills/grants", response_model=GrantResult)
async def grant_skills(body: SkillGrants, principal: Manager, session: SessionDep) -> GrantResult:
    """R-SK-3: grant several skills to several users at once (all or nothing)."""
    summary = await actions.do_grant_skills(
        session,
        org_id=principal.org_id,
        user_ids=body.user_ids,
        grants=[(g.skill_id, g.proficiency) for g in body.skills],
    )
    return GrantResult(
        created=summary.created, updated=summary.updated, unchanged=summary.unchanged
    )


@router.post("/skills/revocations", response_model=RevokeResult)
async def revoke_skills(
    body: SkillRevocations, principal: Manager, session: SessionDep
) -> RevokeResult:
    """R-SK-3: remove several skills from several users at once (all or nothing)."""
    removed = await actions.do_revoke_skills(
        session, org_id=principal.org_id, user_ids=body.user_ids, skill_ids=body.skill_ids
    )
    return RevokeResult(removed=removed)


@router.get("/skills/{skill_id}", response_model=SkillRead)
async def read_skill(skill_id: int, principal: Viewer, session: SessionDep) -> SkillRead:
    """One skill."""
    return SkillRead.model_validate(await get_in_org(session, Skill, skill_id, principal.org_id))


@router.get("/skills/{skill_id}/descendants", response_model=SkillDescendants)
async def skill_descendants(
    skill_id: int, principal: Viewer, session: SessionDep
) -> SkillDescendants:
    """R-SK-2: the skills whose holders qualify for S (S and every descendant)."""
    ids = await actions.qualifying_skill_ids(session, org_id=principal.org_id, skill_id=skill_id)
    return SkillDescendants(skill_id=skill_id, descendant_ids=ids[1:], qualifying_ids=ids)


@router.patch("/skills/{skill_id}", response_model=SkillRead)
async def update_skill(
    skill_id: int, body: SkillUpdate, principal: Manager, session: SessionDep
) -> SkillRead:
    """Change the fields sent; a parent that would make a cycle is refused (R-SK-2)."""
    skill = await get_in_org(session, Skill, skill_id, principal.org_id)
    skill = await actions.do_update_skill(
        session, org_id=principal.org_id, skill=skill, changes=body.model_dump(exclude_unset=True)
    )
    return SkillRead.model_validate(skill)


@router.delete("/skills/{skill_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_skill(skill_id: int, principal: Manager, session: SessionDep) -> None:
    """Delete a skill without children (409 otherwise, R-SK-2); its grants go with it."""
    skill = await get_in_org(session, Skill, skill_id, principal.org_id)
    await actions.do_delete_skill(session, skill=skill)


@router.get("/users/{user_id}/skills", response_model=list[UserSkillRead])
async def read_user_skills(
    user_id: int, principal: Viewer, session: SessionDep
) -> list[UserSkillRead]:
    """R-SK-3: the skills a user holds, with their proficiency."""
    return _held(await actions.user_skills(session, org_id=principal.org_id, user_id=user_id))


@router.put("/users/{user_id}/skills", response_model=list[UserSkillRead])
async def replace_user_skills(
    user_id: int,
    body: Annotated[list[UserSkillSet], Body(max_length=500)],
    principal: Manager,
    session: SessionDep,
) -> list[UserSkillRead]:
    """R-SK-3: replace every skill a user holds (proficiency 1–5, default 3)."""
    rows = await actions.do_set_user_skills(
        session,
        org_id=principal.org_id,
        user_id=user_id,
        grants=[(g.skill_id, g.proficiency) for g in body],
    )
    return _held(rows)
