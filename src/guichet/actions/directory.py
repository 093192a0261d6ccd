"""Departments (a tree) and groups of users, with the forest helpers skills share (R-A-3)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.text import clean_name
from guichet.errors import Conflict, invalid
from guichet.persistence.models import Department, Group, User, group_members
from guichet.queries.lookups import check_ids_in_org, check_name_free, name_key

T = TypeVar("T")
NAME_MAX = 200


@dataclass
class Node(Generic[T]):
    """One node of a forest (skills or departments) with its children, ordered as given."""

    item: T
    children: list[Node[T]] = field(default_factory=list)


def check_name(
    name: str, *, field: str = "name", max_length: int = NAME_MAX, rule: str | None = None
) -> str:
    """A stripped name of 1..max_length characters without control characters."""
    return clean_name(name, field=field, rule=rule, max_length=max_length)


def creates_cycle(parents: Mapping[int, int | None], node_id: int, new_parent: int) -> bool:
    """True when making ``new_parent`` the parent of ``node_id`` closes a loop (or self-parent)."""
    seen: set[int] = set()
    current: int | None = new_parent
    while current is not None and current not in seen:
        if current == node_id:
            return True
        seen.add(current)
        current = parents.get(current)
    return current is not None  # an existing loop above: refuse rather than extend it


def descendant_ids(parents: Mapping[int, int | None], root: int) -> list[int]:
    """Every id below ``root`` in the forest, sorted (``root`` itself excluded)."""
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[int] = set()
    stack = list(children.get(root, []))
    while stack:
        node = stack.pop()
        if node in found or node == root:
            continue
        found.add(node)
        stack.extend(children.get(node, []))
    return sorted(found)


def build_forest(
    rows: Iterable[T], *, key: Callable[[T], int], parent: Callable[[T], int | None]
) -> list[Node[T]]:
    """Nest ``rows`` (already sorted) under their parents; orphans become roots."""
    nodes = {key(r): Node(r) for r in rows}
    roots: list[Node[T]] = []
    for node_id, node in nodes.items():
        parent_id = parent(node.item)
        if parent_id is not None and parent_id in nodes and parent_id != node_id:
            nodes[parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


async def _check_name_free(
    session: AsyncSession, model: type[Any], org_id: int, key: str, exclude_id: int | None
) -> None:
    message = "this name is taken in the organization (names ignore case)"
    await check_name_free(
        session, model, org_id=org_id, key=key, exclude_id=exclude_id, message=message
    )


# --- Departments: a tree, names unique in the whole organization ------------------------------


async def list_departments(session: AsyncSession, *, org_id: int) -> list[Department]:
    """The organization's departments, ordered by name (case-insensitive)."""
    rows = await session.scalars(
        select(Department)
        .where(Department.org_id == org_id)
        .order_by(Department.name_key, Department.id)
    )
    return list(rows)


async def department_tree(session: AsyncSession, *, org_id: int) -> list[Node[Department]]:
    """The department tree, siblings ordered by name."""
    rows = await list_departments(session, org_id=org_id)
    return build_forest(rows, key=lambda d: d.id, parent=lambda d: d.parent_id)


async def check_department_parent(
    session: AsyncSession, *, org_id: int, department_id: int | None, parent_id: int | None
) -> int | None:
    """The parent exists in the organization and keeps the departments a tree."""
    if parent_id is None:
        return None
    stmt = select(Department.id, Department.parent_id).where(Department.org_id == org_id)
    rows = await session.execute(stmt.with_for_update())
    parents: dict[int, int | None] = {row.id: row.parent_id for row in rows}
    if parent_id not in parents:
        raise invalid("parent_id", "unknown id in this organization")
    if department_id is not None and creates_cycle(parents, department_id, parent_id):
        raise invalid("parent_id", "this parent would make a cycle", code="cycle")
    return parent_id


async def do_save_department(
    session: AsyncSession, *, org_id: int, department: Department, changes: Mapping[str, Any]
) -> Department:
    """Create (a new ``Department``) or change one: ``name`` and/or ``parent_id``."""
    unknown = set(changes) - {"name", "parent_id"}
    if unknown:
        raise invalid(sorted(unknown)[0], "this field cannot be changed")
    values = dict(changes)
    if "name" in values:
        values["name"] = check_name(values["name"])
        values["name_key"] = name_key(values["name"])
        await _check_name_free(session, Department, org_id, values["name_key"], department.id)
    if "parent_id" in values:
        values["parent_id"] = await check_department_parent(
            session, org_id=org_id, department_id=department.id, parent_id=values["parent_id"]
        )
    for column, value in values.items():
        setattr(department, column, value)
    if department.id is None:
        session.add(department)
    msg = "this name is taken in the organization (names ignore case)"
    await commit_or_conflict(session, field="name", message=msg, rule=None)
    return department


async def do_create_department(
    session: AsyncSession, *, org_id: int, name: str, parent_id: int | None = None
) -> Department:
    """Create a department, optionally under a parent."""
    return await do_save_department(
        session,
        org_id=org_id,
        department=Department(org_id=org_id),
        changes={"name": name, "parent_id": parent_id},
    )


async def do_delete_department(session: AsyncSession, *, department: Department) -> None:
    """Delete a department without sub-departments; its users are left without one."""
    child = await session.scalar(
        select(Department.name).where(Department.parent_id == department.id).limit(1)
    )
    if child is not None:
        raise Conflict(
            f"this department has sub-departments (e.g. {child!r}): move or delete them first",
            code="has_children",
        )
    # users.department_id is ON DELETE SET NULL.
    await session.delete(department)
    await session.commit()


# --- Groups: named sets of users -------------------------------------------------------------


async def list_groups(session: AsyncSession, *, org_id: int) -> list[Group]:
    """The organization's groups, ordered by name (case-insensitive)."""
    rows = await session.scalars(
        select(Group).where(Group.org_id == org_id).order_by(Group.name_key, Group.id)
    )
    return list(rows)


async def group_member_ids(
    session: AsyncSession, *, group_ids: Iterable[int]
) -> dict[int, list[int]]:
    """Group id -> the ids of its members, sorted."""
    out: dict[int, list[int]] = {gid: [] for gid in group_ids}
    rows = await session.execute(
        select(group_members.c.group_id, group_members.c.user_id)
        .where(group_members.c.group_id.in_(list(out)))
        .order_by(group_members.c.user_id)
    )
    for group_id, user_id in rows:
        out[group_id].append(user_id)
    return out


async def do_save_group(
    session: AsyncSession,
    *,
    org_id: int,
    group: Group,
    name: str | None = None,
    user_ids: Iterable[int] | None = None,
) -> Group:
    """Create (a new ``Group``) or rename one; ``user_ids`` replaces the members when given."""
    if name is not None:
        clean = check_name(name)
        await _check_name_free(session, Group, org_id, name_key(clean), group.id)
        group.name, group.name_key = clean, name_key(clean)
    members = None
    if user_ids is not None:
        # Check the members before anything is written: bad input changes nothing.
        members = await check_ids_in_org(
            session, User, org_id=org_id, ids=user_ids, field="user_ids"
        )
    if group.id is None:
        session.add(group)
        await session.flush()
    if members is not None:
        await session.execute(delete(group_members).where(group_members.c.group_id == group.id))
        if members:
            rows = [{"group_id": group.id, "user_id": uid} for uid in members]
            await session.execute(insert(group_members), rows)
    msg = "this name is taken in the organization (names ignore case)"
    await commit_or_conflict(session, field="name", message=msg, rule=None)
    return group


async def do_create_group(
    session: AsyncSession, *, org_id: int, name: str, user_ids: Iterable[int] = ()
) -> Group:
    """Create a group with its first members."""
    return await do_save_group(
        session, org_id=org_id, group=Group(org_id=org_id), name=name, user_ids=user_ids
    )


async def do_delete_group(session: AsyncSession, *, group: Group) -> None:
    """Delete a group; its memberships go with it."""
    await session.execute(delete(group_members).where(group_members.c.group_id == group.id))
    await session.delete(group)
    await session.commit()
