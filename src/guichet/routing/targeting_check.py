"""Validation of targeting rules on save (R-TR-1): unknown fields, bad regexes, empty actions.

Each problem carries a JSON-pointer-like path into the rule, a message and the rule id, which the
configuration API turns into a problem document.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, NamedTuple

from guichet.domain.enums import Channel

from . import targeting_ops as ops

if TYPE_CHECKING:
    from .targeting import Condition, TargetingRule

RULE_ID = "R-TR-1"
MAX_NAME_LENGTH = 255
_CHANNELS = frozenset(c.value for c in Channel)


class RuleProblem(NamedTuple):
    """One reason a targeting rule cannot be saved."""

    field: str
    message: str
    rule_id: str = RULE_ID


def validate_rule(
    rule: TargetingRule,
    *,
    known_skill_ids: Collection[str] | None = None,
    known_queue_ids: Collection[str] | None = None,
) -> list[RuleProblem]:
    """Problems that keep `rule` from being saved; empty when it is valid (R-TR-1)."""
    problems: list[RuleProblem] = []
    if not rule.id.strip():
        problems.append(RuleProblem("/id", "rule id is empty"))
    name = rule.name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        problems.append(RuleProblem("/name", f"name must have 1 to {MAX_NAME_LENGTH} characters"))
    for index, condition in enumerate(rule.conditions):
        for where, message in _condition_problems(condition):
            problems.append(RuleProblem(f"/conditions/{index}/{where}", message))
    action = rule.action
    if not action.skill_id and not action.queue_id:
        problems.append(RuleProblem("/action", "action routes to neither a skill nor a queue"))
    if action.skill_id and known_skill_ids is not None and action.skill_id not in known_skill_ids:
        problems.append(RuleProblem("/action/skill_id", f"unknown skill {action.skill_id!r}"))
    if action.queue_id and known_queue_ids is not None and action.queue_id not in known_queue_ids:
        problems.append(RuleProblem("/action/queue_id", f"unknown queue {action.queue_id!r}"))
    if action.priority is not None and not (
        math.isfinite(action.priority) and action.priority >= 0
    ):
        problems.append(RuleProblem("/action/priority", "priority must be a number >= 0"))
    return problems


def validate_rules(
    rules: Sequence[TargetingRule],
    *,
    known_skill_ids: Collection[str] | None = None,
    known_queue_ids: Collection[str] | None = None,
) -> list[RuleProblem]:
    """Problems of a whole ordered list: each rule's, plus duplicate ids (R-TR-1)."""
    problems: list[RuleProblem] = []
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.id in seen:
            problems.append(RuleProblem(f"/{index}/id", f"duplicate rule id {rule.id!r}"))
        seen.add(rule.id)
        for problem in validate_rule(
            rule, known_skill_ids=known_skill_ids, known_queue_ids=known_queue_ids
        ):
            problems.append(problem._replace(field=f"/{index}{problem.field}"))
    return problems


def _condition_problems(condition: Condition) -> list[tuple[str, str]]:
    field, op, value = condition.field, condition.operator, condition.value
    allowed = ops.allowed_operators(field)
    if allowed is None:
        return [("field", f"unknown field {field!r}")]
    if op not in allowed:
        return [("operator", f"operator {op!r} is not allowed on {field!r}")]
    if op in ops.NO_VALUE_OPERATORS:
        return []
    parts = ops.values_of(value)
    joined = ops.as_text(field, op, value)
    if not parts:
        return [("value", "value is empty")]
    message = _value_problem(field, op, joined, parts)
    return [("value", message)] if message else []


def _value_problem(field: str, op: str, joined: str, parts: tuple[str, ...]) -> str | None:
    if field == "channel":
        unknown = [p for p in parts if p not in _CHANNELS]
        if unknown:
            return f"unknown channel {unknown[0]!r}; expected one of {sorted(_CHANNELS)}"
        if op in ("equals", "not_equals") and len(parts) != 1:
            return "equals takes one channel; use in for several"
        return None
    if field == "time_of_day":
        ok = ops.parse_time_range(joined) is not None
        return None if ok else "expected a time range like 09:00-17:30"
    if field == "weekday":
        ok = ops.parse_weekdays(joined) is not None
        return None if ok else "expected days like mon-fri or sat,sun"
    if field == "business_hours":
        ok = ops.parse_hours_spec(joined) is not None
        return None if ok else "expected hours like 'mon-fri 09:00-18:00; sat 09:00-12:00'"
    if op in ops.REGEX_OPERATORS:
        return ops.regex_problem(joined)
    if op in ops.NUMBER_OPERATORS and ops.to_number(joined) is None:
        return "expected a number"
    if len(joined) > ops.MAX_INPUT_LENGTH:
        return f"value longer than {ops.MAX_INPUT_LENGTH} characters"
    return None
