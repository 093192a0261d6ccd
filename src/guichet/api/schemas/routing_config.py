"""Request and response bodies of targeting rules (R-TR-1) and flows (R-Q-5).

Fields and operators of conditions are checked by the routing engine's validator, not here, so
the API accepts exactly what the engine can run (docs/targeting.md, docs/flows.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictFloat, field_validator

from guichet.api.schemas.common import Choice, Id, Input, Output, UTCTime, rule_field
from guichet.api.schemas.text import Document, Key, Line, Moment, Number, Text, Value
from guichet.domain import Channel
from guichet.persistence.models import TargetingRuleRow

TR = "R-TR-1"
QF = "R-Q-5"
MAX_TEXT = 2048
Scalar = Value | Number | StrictFloat
Values = Annotated[list[Value], Field(max_length=100)]
#: A graph is {"nodes": [...]} and a few top-level keys; its size is bounded by the body limit.
MAX_GRAPH_KEYS = 20


class Condition(Input):
    """`field operator value`; lists for `in`/`not_in`, numbers for `gt`... (R-TR-1)."""

    field: Line = rule_field(TR, max_length=100, description="page_url, attributes.plan, ...")
    operator: Line = rule_field(TR, max_length=32, description="equals, contains, matches, ...")
    value: Scalar | Values = rule_field(
        TR, "", description="text (at most 2048 characters), number or list of at most 100 texts"
    )

    @field_validator("value")
    @classmethod
    def _as_text(cls, value: str | float | list[str]) -> str | list[str]:
        """Numbers are stored as text."""
        if isinstance(value, list | str):
            return value
        return repr(value)


class Action(Input):
    """Route to a skill and/or a queue of the organization, with an optional priority."""

    skill_id: Id | None = rule_field(TR, None)
    queue_id: Id | None = rule_field(TR, None)
    priority: float | None = rule_field(TR, None, description=">= 0; overrides queue weight")


class TargetingRuleCreate(Input):
    """A new rule; `position` (0-based) inserts it, default: last before the default rule."""

    name: Line = rule_field(TR, max_length=200)
    enabled: bool = True
    conditions: list[Condition] = rule_field(TR, default_factory=list, max_length=50)
    action: Action = rule_field(TR)
    position: int | None = rule_field(TR, None, ge=0, le=100_000)


class TargetingRuleUpdate(Input):
    """Changes to a rule (PATCH); `action` is replaced whole; `position` moves the rule."""

    name: Line = rule_field(TR, None, max_length=200)
    enabled: bool = rule_field(TR, None)
    conditions: list[Condition] = rule_field(TR, None, max_length=50)
    action: Action = rule_field(TR, None)
    position: int = rule_field(TR, None, ge=0, le=100_000)


class ConditionRead(Output):
    """A stored condition."""

    field: str
    operator: str
    value: str | list[str]


class ActionRead(Output):
    """A stored action."""

    skill_id: int | None
    queue_id: int | None
    priority: float | None


class TargetingRuleRead(Output):
    """A rule as stored; the default rule has no position and comes last."""

    id: int
    name: str
    position: int | None
    enabled: bool
    is_default: bool
    conditions: list[ConditionRead]
    action: ActionRead
    created_at: UTCTime
    updated_at: UTCTime

    @classmethod
    def of(cls, row: TargetingRuleRow) -> TargetingRuleRead:
        """Build from a row (the action is three columns)."""
        return cls(
            id=row.id,
            name=row.name,
            position=row.position,
            enabled=row.enabled,
            is_default=row.is_default,
            conditions=[ConditionRead.model_validate(c) for c in row.conditions],
            action=ActionRead(skill_id=row.skill_id, queue_id=row.queue_id, priority=row.priority),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class RuleOrder(Input):
    """Every rule id once, in evaluation order; the default rule's id may close the list."""

    ids: list[Id] = rule_field(TR, max_length=1000)


class ContactContext(Input):
    """The contact context a rule reads (R-TR-2)."""

    page_url: Line | None = rule_field("R-TR-2", None, max_length=MAX_TEXT)
    referrer: Line | None = rule_field("R-TR-2", None, max_length=MAX_TEXT)
    language: Line | None = rule_field("R-TR-2", None, max_length=64)
    country: Line | None = rule_field("R-TR-2", None, max_length=64)
    device: Line | None = rule_field("R-TR-2", None, max_length=256)
    attributes: dict[Key, Value | Number | StrictFloat | StrictBool] = rule_field(
        "R-TR-2", default_factory=dict, max_length=100, description="at most 100 attributes"
    )


class TargetingTest(Input):
    """A dry run: which rule would route this contact (R-TR-1, R-X-3)."""

    channel: Choice[Channel] = rule_field(TR)
    context: ContactContext = rule_field("R-TR-2", default_factory=ContactContext)
    at: Moment | None = rule_field(TR, None, description="ISO-8601 with an offset; default: now")


class TargetingTestResult(Output):
    """The rule that matched (or the default), the conditions that held and why (R-X-3)."""

    rule_id: int | None
    rule_name: str | None
    is_default: bool
    action: ActionRead | None
    matched: list[ConditionRead]
    rules_checked: int
    explanation: str


class FlowCreate(Input):
    """A new flow; `graph` is {"nodes": [...]} as in docs/flows.md (R-Q-5)."""

    name: Line = rule_field(QF, max_length=200)
    description: Text = rule_field(QF, "", max_length=2000)
    enabled: bool = True
    graph: Document = rule_field(QF, max_length=MAX_GRAPH_KEYS)


class FlowUpdate(Input):
    """Changes to a flow (PATCH); `version`, when sent, must be the stored one (409 if not)."""

    name: Line = rule_field(QF, None, max_length=200)
    description: Text = rule_field(QF, None, max_length=2000)
    enabled: bool = rule_field(QF, None)
    graph: Document = rule_field(QF, None, max_length=MAX_GRAPH_KEYS)
    version: int = rule_field(QF, None, ge=1, le=2**31 - 1)


class FlowRead(Output):
    """A stored flow; `graph.id` is the flow's id as the routing engine knows it."""

    id: int
    name: str
    description: str
    enabled: bool
    version: int
    graph: dict[str, Any]
    created_at: UTCTime
    updated_at: UTCTime


class FlowCheck(Input):
    """A graph to validate without saving (R-Q-5)."""

    graph: Document = rule_field(QF, max_length=MAX_GRAPH_KEYS)


class GraphProblem(Output):
    """One reason a graph cannot be saved, with its path from the request body."""

    field: str
    message: str
    rule: str | None
    code: str


class FlowValidation(Output):
    """The dry run's answer: valid, or every problem (R-Q-5)."""

    valid: bool
    errors: list[GraphProblem]
