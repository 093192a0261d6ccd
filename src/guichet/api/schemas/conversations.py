"""Bodies of the conversation API: evaluations (R-A-2, R-A-5) and contact records (R-A-4)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from guichet.api.schemas.common import Input, rule_field

CriterionName = Annotated[str, Field(min_length=1, max_length=60)]
Score = Annotated[int, Field(ge=1, le=5, strict=True)]


class EvaluationCreate(Input):
    """A quality rating of an ended conversation: a score, optional criteria, a comment."""

    score: Score = rule_field("R-A-2")
    criteria: dict[CriterionName, Score] = rule_field("R-A-2", default_factory=dict, max_length=20)
    comment: str = rule_field("R-A-2", "", max_length=5000)


class ContactUpdate(Input):
    """R-A-4: a contact's name, owner and department (only the fields sent change)."""

    name: str | None = Field(None, max_length=200)
    owner_id: int | None = rule_field("R-A-4", None, ge=1)
    department_id: int | None = rule_field("R-A-4", None, ge=1)
