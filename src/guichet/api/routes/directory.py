"""Routes of departments (a tree) and groups of users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions import directory as actions
from guichet.api.deps import Principal, Require, SessionDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.directory import (
    DepartmentCreate,
    DepartmentNode,
    DepartmentRead,
    DepartmentUpdate,
    GroupCreate,
    GroupMembers,
    GroupRead,
    GroupUpdate,
)
from guichet.authz import Permission
from guichet.persistence.models import Department, Group
from guichet.queries.lookups import get_in_org

router = APIRouter(tags=["directory"], responses=CLIENT_ERRORS)
Viewer = Annotated[Principal, Require(Permission.USERS_VIEW)]
Manager = Annotated[Principal, Require(Permission.USERS_MANAGE)]


def _node(node: actions.Node[Department]) -> DepartmentNode:
    base = DepartmentRead.model_validate(node.item).model_dump()
    return DepartmentNode(**base, children=[_node(c) for c in node.children])


@router.get("/departments", response_model=list[DepartmentRead])
async def list_departments(principal: Viewer, session: SessionDep) -> list[DepartmentRead]:
    """The organization's departments, ordered by name."""
    rows = await actions.list_departments(session, org_id=principal.org_id)
    return [DepartmentRead.model_validate(r) for r in rows]


@router.post("/departments", response_model=DepartmentRead, status_code=status.HTTP_201_CREATED)
async def create_department(
    body: DepartmentCreate, principal: Manager, session: SessionDep
) -> DepartmentRead:
    """Create a department; its name is unique in the organization, ignoring case."""
    row = await actions.do_create_department(
        session, org_id=principal.org_id, name=body.name, parent_id=body.parent_id
    )
    return DepartmentRead.model_validate(row)


@router.get("/departments/tree", response_model=list[DepartmentNode])
async def department_tree(principal: Viewer, session: SessionDep) -> list[DepartmentNode]:
    """The department tree as nested JSON, siblings ordered by name."""
    return [_node(n) for n in await actions.department_tree(session, org_id=principal.org_id)]


@router.get("/departments/{department_id}", response_model=DepartmentRead)
async def read_department(
    department_id: int, principal: Viewer, session: SessionDep
) -> DepartmentRead:
    """One department."""
    row = await get_in_org(session, Department, department_id, principal.org_id)
    return DepartmentRead.model_validate(row)


@router.patch("/departments/{department_id}", response_model=DepartmentRead)
async def update_department(
    department_id: int, body: DepartmentUpdate, principal: Manager, session: SessionDep
) -> DepartmentRead:
    """Rename or move a department; a parent that would make a cycle is refused (422)."""
    row = await get_in_org(session, Department, department_id, principal.org_id)
    row = await actions.do_save_department(
        session,
        org_id=principal.org_id,
        department=row,
        changes=body.model_dump(exclude_unset=True),
    )
    return DepartmentRead.model_validate(row)


@router.delete("/departments/{department_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_department(department_id: int, principal: Manager, session: SessionDep) -> None:
    """Delete a department without sub-departments (409 otherwise); its users keep none."""
    row = await get_in_org(session, Department, department_id, principal.org_id)
    await actions.do_delete_department(session, department=row)


async def _group(session: AsyncSession, group: Group) -> GroupRead:
    members = await actions.group_member_ids(session, group_ids=[group.id])
    return GroupRead(
        id=group.id,
        name=group.name,
        member_ids=members[group.id],
        created_at=group.created_at,
        updated_at=group.updated_at,
    )


@router.get("/groups", response_model=list[GroupRead])
async def list_groups(principal: Viewer, session: SessionDep) -> list[GroupRead]:
    """The organization's groups with their members, ordered by name."""
    rows = await actions.list_groups(session, org_id=principal.org_id)
    members = await actions.group_member_ids(session, group_ids=[g.id for g in rows])
    return [
        GroupRead(
            id=g.id,
            name=g.name,
            member_ids=members[g.id],
            created_at=g.created_at,
            updated_at=g.updated_at,
        )
        for g in rows
    ]


@router.post("/groups", response_model=GroupRead, status_code=status.HTTP_201_CREATED)
async def create_group(body: GroupCreate, principal: Manager, session: SessionDep) -> GroupRead:
    """Create a group with its first members."""
    group = await actions.do_create_group(
        session, org_id=principal.org_id, name=body.name, user_ids=body.user_ids
    )
    return await _group(session, group)


@router.get("/groups/{group_id}", response_model=GroupRead)
async def read_group(group_id: int, principal: Viewer, session: SessionDep) -> GroupRead:
    """One group and its members."""
    return await _group(session, await get_in_org(session, Group, group_id, principal.org_id))


@router.patch("/groups/{group_id}", response_model=GroupRead)
async def update_group(
    group_id: int, body: GroupUpdate, principal: Manager, session: SessionDep
) -> GroupRead:
    """Rename a group."""
    group = await get_in_org(session, Group, group_id, principal.org_id)
    group = await actions.do_save_group(
        session,
        org_id=principal.org_id,
        group=group,
        name=body.model_dump(exclude_unset=True).get("name"),
    )
    return await _group(session, group)


@router.put("/groups/{group_id}/members", response_model=GroupRead)
async def replace_members(
    group_id: int, body: GroupMembers, principal: Manager, session: SessionDep
) -> GroupRead:
    """Replace a group's members (users of the organization; all or nothing)."""
    group = await get_in_org(session, Group, group_id, principal.org_id)
    group = await actions.do_save_group(
        session, org_id=principal.org_id, group=group, user_ids=body.user_ids
    )
    return await _group(session, group)


@router.delete("/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_group(group_id: int, principal: Manager, session: SessionDep) -> None:
    """Delete a group; its memberships go with it."""
    group = await get_in_org(session, Group, group_id, principal.org_id)
    await actions.do_delete_group(session, group=group)
