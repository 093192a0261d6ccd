"""Schemas of skills (R-SK-1, R-SK-2, R-SK-4) and of the skills users hold (R-SK-3)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from guichet.api.schemas.common import MAX_IDS, Id, Input, Output, UTCTime, rule_field
from guichet.api.schemas.directory import patch_field
from guichet.api.schemas.text import Line, Phone


def _proficiency(value: int) -> int:
    if not 1 <= value <= 5:
        raise PydanticCustomError("R-SK-3", "proficiency must be between 1 and 5")
    return value


Proficiency = Annotated[
    int, AfterValidator(_proficiency), Field(json_schema_extra={"minimum": 1, "maximum": 5})
]


class SkillCreate(Input):
    """A new skill (R-SK-1); ``parent_id`` places it in the forest (R-SK-2)."""

    name: Line = rule_field("R-SK-1", min_length=1, max_length=100)
    parent_id: Id | None = None
    visible_to_experts: bool = False
    phone_number: Phone | None = rule_field("R-SK-1", None, max_length=16, description="E.164")
    overflow_out: bool = True
    overflow_in: bool = True
    overflow_after_s: int = rule_field("R-SK-4", 0, ge=0, le=86400)


class SkillUpdate(Input):
    """Fields to change; ``parent_id: null`` makes a root, ``phone_number: null`` clears it."""

    name: Line = patch_field("R-SK-1", min_length=1, max_length=100)
    parent_id: Id | None = None
    visible_to_experts: bool = patch_field()
    phone_number: Phone | None = rule_field("R-SK-1", None, max_length=16, description="E.164")
    overflow_out: bool = patch_field("R-SK-4")
    overflow_in: bool = patch_field("R-SK-4")
    overflow_after_s: int = patch_field("R-SK-4", ge=0, le=86400)


class SkillRead(Output):
    """A skill."""

    id: int
    name: str
    parent_id: int | None
    visible_to_experts: bool
    phone_number: str | None
    overflow_out: bool
    overflow_in: bool
    overflow_after_s: int
    created_at: UTCTime
    updated_at: UTCTime


class SkillNode(SkillRead):
    """A skill with its child skills, ordered by name (R-SK-2)."""

    children: list[SkillNode] = Field(default_factory=list)


class SkillDescendants(Output):
    """R-SK-2: who holds any of ``qualifying_ids`` may serve an interaction targeted at S."""

    skill_id: int
    descendant_ids: list[int]
    qualifying_ids: list[int]


class UserSkillSet(Input):
    """One skill of a user's complete list, with its proficiency (default 3)."""

    skill_id: Id
    proficiency: Proficiency = 3


class UserSkillRead(Output):
    """A skill a user holds (R-SK-3)."""

    skill_id: int
    name: str
    parent_id: int | None
    proficiency: int


class SkillGrantItem(Input):
    """A skill to grant; without a proficiency, new grants get 3 and held ones keep theirs."""

    skill_id: Id
    proficiency: Proficiency | None = None


class SkillGrants(Input):
    """R-SK-3: grant several skills to several users at once."""

    user_ids: list[Id] = rule_field("R-SK-3", min_length=1, max_length=MAX_IDS)
    skills: list[SkillGrantItem] = rule_field("R-SK-3", min_length=1, max_length=500)


class SkillRevocations(Input):
    """R-SK-3: remove several skills from several users at once."""

    user_ids: list[Id] = rule_field("R-SK-3", min_length=1, max_length=MAX_IDS)
    skill_ids: list[Id] = rule_field("R-SK-3", min_length=1, max_length=500)


class GrantResult(Output):
    """What a bulk grant did."""

    created: int
    updated: int
    unchanged: int


class RevokeResult(Output):
    """How many grants a bulk revocation removed."""

    removed: int
