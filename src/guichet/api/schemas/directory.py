"""Schemas of departments (a tree) and groups of users."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from guichet.api.schemas.common import MAX_IDS, Id, Input, Output, UTCTime, rule_field
from guichet.api.schemas.text import Line


def patch_field(rule: str | None = None, **kwargs: Any) -> Any:
    """An optional PATCH field: left out, nothing changes; an explicit null is refused."""
    if rule is not None:
        return rule_field(rule, None, **kwargs)
    return Field(None, **kwargs)


class DepartmentCreate(Input):
    """A new department; names are unique in the whole organization, ignoring case."""

    name: Line = Field(min_length=1, max_length=200)
    parent_id: Id | None = None


class DepartmentUpdate(Input):
    """Fields to change; ``parent_id: null`` makes the department a root."""

    name: Line = patch_field(min_length=1, max_length=200)
    parent_id: Id | None = None


class DepartmentRead(Output):
    """A department."""

    id: int
    name: str
    parent_id: int | None
    created_at: UTCTime
    updated_at: UTCTime


class DepartmentNode(DepartmentRead):
    """A department with its sub-departments, ordered by name."""

    children: list[DepartmentNode] = Field(default_factory=list)


class GroupCreate(Input):
    """A new group with its first members (users of the organization)."""

    name: Line = Field(min_length=1, max_length=200)
    user_ids: list[Id] = Field(default_factory=list, max_length=MAX_IDS)


class GroupUpdate(Input):
    """Rename a group."""

    name: Line = patch_field(min_length=1, max_length=200)


class GroupMembers(Input):
    """The complete new list of a group's members."""

    user_ids: list[Id] = Field(max_length=MAX_IDS)


class GroupRead(Output):
    """A group and the ids of its members."""

    id: int
    name: str
    member_ids: list[int]
    created_at: UTCTime
    updated_at: UTCTime
