"""Bodies and answers of the conversation API: evaluations (R-A-2, R-A-5), contact records
(R-A-4)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from guichet.api.schemas.common import Id, Input, Output, TimeText, rule_field
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


# --- Answers -------------------------------------------------------------------------------


class EvaluationRead(Output):
    """A quality rating of a conversation (R-A-2 evaluate, R-A-5)."""

    id: int
    interaction_id: int
    evaluator_id: int | None = Field(description="who rated it (None once that user is gone)")
    agent_id: int | None = Field(description="the agent rated: who handled it last")
    score: int = Field(description="1 to 5")
    criteria: dict[str, int] = Field(description="a score per criterion, if any")
    comment: str
    created_at: TimeText | None


class ContactRead(Output):
    """A contact record (R-A-4)."""

    id: int
    name: str
    email: str | None
    phone: str | None
    external_id: str | None = Field(description="the contact's id in another system")
    owner_id: int | None = Field(description="R-A-4: the user who owns the record")
    department_id: int | None = Field(description="R-A-4: the department it belongs to")
    created_at: TimeText | None
    updated_at: TimeText | None


class ContactPage(Output):
    """A page of contact records, newest first; ask the next with ``before_id``."""

    items: list[ContactRead]
    next_before_id: int | None = Field(description="the ``before_id`` of the next page, if any")
