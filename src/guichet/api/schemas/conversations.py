"""Bodies of the conversation API: evaluations (R-A-2, R-A-5) and contact records (R-A-4)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from guichet.api.schemas.common import Id, Input, rule_field
from guichet.api.schemas.text import LINE_PATTERN, JsonPattern, Line, Text, check_line

CriterionName = Annotated[
    str, Field(min_length=1, max_length=60), AfterValidator(check_line), JsonPattern(LINE_PATTERN)
]
Score = Annotated[int, Field(ge=1, le=5, strict=True)]


class EvaluationCreate(Input):
    """A quality rating of an ended conversation: a score, optional criteria, a comment."""

    score: Score = rule_field("R-A-2")
    criteria: dict[CriterionName, Score] = rule_field("R-A-2", default_factory=dict, max_length=20)
    comment: Text = rule_field("R-A-2", "", max_length=5000)


class ContactUpdate(Input):
    """R-A-4: a contact's name, owner and department (only the fields sent change)."""

    name: Line | None = Field(None, max_length=200)
    owner_id: Id | None = rule_field("R-A-4", None)
    department_id: Id | None = rule_field("R-A-4", None)
