"""Schemas of users: roles (R-P-1), capacity (R-W-1), budget (R-X-8)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from guichet.api.schemas.common import Id, Input, Output, UTCTime, rule_field
from guichet.api.schemas.directory import patch_field
from guichet.api.schemas.skills import UserSkillRead
from guichet.api.schemas.text import Line, Word

Role = Literal["administrator", "supervisor", "agent"]
#: Interactions of one channel an agent takes at once (R-W-1); the action checks the channel.
Slots = Annotated[int, Field(ge=0, le=100)]


class UserCreate(Input):
    """A new user; without a password they cannot log in until one is set."""

    email: Line = Field(min_length=3, max_length=320)
    display_name: Line = Field("", max_length=200)
    password: str | None = Field(None, min_length=8, max_length=1024)
    roles: list[Role] = rule_field("R-P-1", default_factory=lambda: ["agent"], max_length=3)
    department_id: Id | None = None
    capacity: dict[Word, Slots] = rule_field("R-W-1", default_factory=dict, max_length=10)
    budget: int = rule_field("R-X-8", 100, ge=1, le=1000)


class UserUpdate(Input):
    """Fields to change; ``capacity`` changes the channels given and keeps the others."""

    display_name: Line = patch_field(min_length=1, max_length=200)
    roles: list[Role] = patch_field("R-P-1", max_length=3)
    department_id: Id | None = None
    capacity: dict[Word, Slots] = patch_field("R-W-1", max_length=10)
    budget: int = patch_field("R-X-8", ge=1, le=1000)
    is_active: bool = patch_field()
    password: str = patch_field(min_length=8, max_length=1024)


class UserRead(Output):
    """A user (never their password)."""

    id: int
    email: str
    display_name: str
    roles: list[str]
    department_id: int | None
    capacity: dict[str, int]
    budget: int
    is_active: bool
    created_at: UTCTime
    updated_at: UTCTime


class UserDetail(UserRead):
    """A user with the skills they hold and their proficiency (R-SK-3)."""

    skills: list[UserSkillRead]
