"""Conditions compiled into matchers, once per condition (R-TR-1).

Parsing, regex compilation and case folding happen when a condition is built, not on every
arriving interaction; a matcher then costs a lookup and one comparison. A condition that cannot
be parsed compiles to a matcher that never holds (validation reports it on save).
"""

from __future__ import annotations

import operator as op_
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from . import targeting_ops as ops

#: (contact context, channel value, organization-local time) -> whether the condition holds.
Matcher = Callable[[Mapping[str, Any], str, datetime], bool]

_NUMBER_OPS: dict[str, Callable[[float, float], bool]] = {
    "gt": op_.gt,
    "gte": op_.ge,
    "lt": op_.lt,
    "lte": op_.le,
}


def _never(context: Mapping[str, Any], channel: str, now: datetime) -> bool:
    return False


def build_matcher(field: str, operator: str, value: str | tuple[str, ...]) -> Matcher:
    """The matcher of `field operator value`; unknown or malformed ones never hold (R-TR-1)."""
    allowed = ops.allowed_operators(field)
    if allowed is None or operator not in allowed:
        return _never
    text = ops.as_text(field, operator, value)
    if field == "time_of_day":
        return _time_matcher(operator, text)
    if field == "weekday":
        days = ops.parse_weekdays(text)
        if days is None:
            return _never
        inside = operator == "in"
        return lambda c, ch, now: (now.weekday() in days) == inside
    if field == "business_hours":
        return _hours_matcher(operator, text)
    test = _text_test(operator, value, text)
    if test is None:
        return _never
    negated = operator.startswith("not_")
    if field == "channel":
        return lambda c, ch, now: test(ch.casefold())
    read = _reader(field)
    if operator in ops.NO_VALUE_OPERATORS:
        present = operator == "exists"
        return lambda c, ch, now: bool(read(c)) == present

    def match(context: Mapping[str, Any], channel: str, now: datetime) -> bool:
        actual = read(context)
        # A missing value matches only the negated operators ("country is not FR").
        return negated if actual is None else test(actual)

    return match


def _time_matcher(operator: str, text: str) -> Matcher:
    bounds = ops.parse_time_range(text)
    if bounds is None:
        return _never
    start, end = bounds
    inside = operator == "between"
    return lambda c, ch, now: ops.in_time_range(now.time(), start, end) == inside


def _hours_matcher(operator: str, text: str) -> Matcher:
    spans = ops.parse_hours_spec(text)
    if spans is None:
        return _never
    want_open = operator == "open"

    def match(context: Mapping[str, Any], channel: str, now: datetime) -> bool:
        day, clock = now.weekday(), now.time()
        is_open = any(day in days and start <= clock < end for days, start, end in spans)
        return is_open == want_open

    return match


def _reader(field: str) -> Callable[[Mapping[str, Any]], str | None]:
    """Reads a field from the context as text cut to `MAX_INPUT_LENGTH` (R-TR-2)."""
    cap = ops.MAX_INPUT_LENGTH
    if field.startswith(ops.ATTRIBUTE_PREFIX):
        name = field[len(ops.ATTRIBUTE_PREFIX) :]

        def read_attribute(context: Mapping[str, Any]) -> str | None:
            attrs = context.get("attributes")
            raw = attrs.get(name) if isinstance(attrs, Mapping) else None
            return None if raw is None else str(raw)[:cap]

        return read_attribute

    def read(context: Mapping[str, Any]) -> str | None:
        raw = context.get(field)
        return None if raw is None else str(raw)[:cap]

    return read


def _text_test(
    operator: str, value: str | tuple[str, ...], text: str
) -> Callable[[str], bool] | None:
    """A test on the present value: text operators ignore case, regexes do not."""
    if operator in ops.NO_VALUE_OPERATORS:
        return lambda actual: actual != ""
    negated = operator.startswith("not_")
    if operator in ops.REGEX_OPERATORS:
        pattern = ops.compiled(text)
        if pattern is None:
            return None
        search = pattern.search
        return lambda actual: (search(actual) is not None) != negated
    if operator in _NUMBER_OPS:
        right, compare = ops.to_number(text), _NUMBER_OPS[operator]
        if right is None:
            return None

        def number(actual: str) -> bool:
            left = ops.to_number(actual)
            return left is not None and compare(left, right)

        return number
    if operator in ops.LIST_OPERATORS:
        allowed = frozenset(v.casefold() for v in ops.values_of(value))
        return lambda actual: (actual.casefold() in allowed) != negated
    needle = text.casefold()
    base = operator[4:] if negated else operator
    tests: dict[str, Callable[[str], bool]] = {
        "equals": lambda a: a == needle,
        "contains": lambda a: needle in a,
        "starts_with": lambda a: a.startswith(needle),
        "ends_with": lambda a: a.endswith(needle),
    }
    hit = tests.get(base)
    if hit is None:
        return None
    return lambda actual: hit(actual.casefold()) != negated
