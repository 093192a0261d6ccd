"""Targeting rules (R-TR-1): an ordered list of conditions on the contact context.

The first enabled rule whose conditions all hold picks the skill and/or queue and the priority;
when none holds the default action applies. The result names the rule and the conditions that
matched, so a routing decision can say why (R-X-3). Fields and operators: docs/targeting.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any, NamedTuple

from guichet.domain.enums import Channel

from .targeting_check import RuleProblem, validate_rule, validate_rules
from .targeting_match import Matcher, build_matcher

__all__ = [
    "Condition",
    "RuleProblem",
    "TargetAction",
    "TargetingResult",
    "TargetingRule",
    "evaluate_condition",
    "evaluate_rules",
    "validate_rule",
    "validate_rules",
]


@dataclass(frozen=True, slots=True)
class Condition:
    """`field operator value`, e.g. `page_url contains /pricing` (R-TR-1).

    Lists (for `in`, `not_in`, `weekday`, `channel`) are tuples or comma-separated strings.
    The condition is compiled into a matcher once, when it is built.
    """

    field: str
    operator: str
    value: str | tuple[str, ...] = ""
    _matcher: Matcher = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matcher", build_matcher(self.field, self.operator, self.value))

    def __reduce__(self) -> tuple[type[Condition], tuple[str, str, str | tuple[str, ...]]]:
        # The compiled matcher is a closure: rebuild it rather than pickle it.
        return (Condition, (self.field, self.operator, self.value))


@dataclass(frozen=True, slots=True)
class TargetAction:
    """Where a matching rule sends the contact: a skill and/or a queue (R-TR-1).

    `priority` overrides the queue's weight (R-Q-8); None keeps the queue's weight.
    """

    skill_id: str | None = None
    queue_id: str | None = None
    priority: float | None = None


@dataclass(frozen=True, slots=True)
class TargetingRule:
    """A named rule: all its conditions must hold (an empty list always holds) (R-TR-1)."""

    id: str
    name: str
    conditions: tuple[Condition, ...]
    action: TargetAction
    enabled: bool = True


class TargetingResult(NamedTuple):
    """Outcome of `evaluate_rules`: the rule that matched, or the default, and why (R-X-3)."""

    action: TargetAction | None
    rule_id: str | None
    rule_name: str | None
    is_default: bool
    #: Conditions of the winning rule (all held); empty for the default.
    matched: tuple[Condition, ...]
    #: Enabled rules looked at before the answer (the winner included).
    rules_checked: int

    def explain(self) -> str:
        """Human-readable reason, rendered only when asked (R-X-3)."""
        if self.is_default:
            return f"no targeting rule matched ({self.rules_checked} checked); default applied"
        conds = " and ".join(f"{c.field} {c.operator} {_show(c.value)}" for c in self.matched)
        why = conds or "no conditions"
        return f"rule {self.rule_name!r} ({self.rule_id}) matched: {why}"


def _show(value: str | tuple[str, ...]) -> str:
    return repr(value) if isinstance(value, str) else repr(",".join(value))


def evaluate_condition(
    condition: Condition,
    context: Mapping[str, Any],
    *,
    channel: Channel | str,
    now_local: datetime,
) -> bool:
    """Whether one condition holds; unknown fields and malformed values never hold (R-TR-1)."""
    return condition._matcher(context, str(channel), now_local)


def evaluate_rules(
    rules: Iterable[TargetingRule],
    default: TargetAction | None,
    context: Mapping[str, Any] | None,
    *,
    channel: Channel | str,
    now_local: datetime,
) -> TargetingResult:
    """First enabled rule whose conditions all hold, else the default (R-TR-1, R-X-3).

    `now_local` is the organization's local time (time-of-day, weekday, business hours).
    """
    ctx: Mapping[str, Any] = context if context is not None else {}
    ch = str(channel)
    checked = 0
    for rule in rules:
        if not rule.enabled:
            continue
        checked += 1
        if all(c._matcher(ctx, ch, now_local) for c in rule.conditions):
            return TargetingResult(rule.action, rule.id, rule.name, False, rule.conditions, checked)
    return TargetingResult(default, None, None, True, (), checked)
