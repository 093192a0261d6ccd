"""Fields, operators and safe matching behind the targeting rules (R-TR-1).

Kept apart from `targeting.py` so the rule model stays short. Everything here is pure: the
contact context, the channel and the local time are passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from functools import lru_cache

#: Longest regular expression a rule may hold; longer ones are refused (R-TR-1).
MAX_PATTERN_LENGTH = 300
#: Longest context value we match against; longer input is cut, bounding matching time.
MAX_INPUT_LENGTH = 2048

#: Prefix of custom attribute fields: `attributes.plan` reads `context["attributes"]["plan"]`.
ATTRIBUTE_PREFIX = "attributes."

TEXT_FIELDS = frozenset({"page_url", "referrer", "language", "country", "device"})
TEXT_OPERATORS = frozenset(
    {
        "equals",
        "not_equals",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        "matches",
        "not_matches",
        "in",
        "not_in",
        "exists",
        "not_exists",
    }
)
NUMBER_OPERATORS = frozenset({"gt", "gte", "lt", "lte"})
LIST_OPERATORS = frozenset({"in", "not_in"})
NO_VALUE_OPERATORS = frozenset({"exists", "not_exists"})
REGEX_OPERATORS = frozenset({"matches", "not_matches"})

#: Operators each special field accepts; text fields and attributes use the text operators.
SPECIAL_FIELDS: Mapping[str, frozenset[str]] = {
    "channel": frozenset({"equals", "not_equals", "in", "not_in"}),
    "time_of_day": frozenset({"between", "not_between"}),
    "weekday": frozenset({"in", "not_in"}),
    "business_hours": frozenset({"open", "closed"}),
}

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A group holding a quantifier, itself quantified: `(a+)+`, `(\w*x)*`, `(a|b+){2,}`. Such
# patterns can backtrack exponentially; Python's `re` has no timeout, so they are refused.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*(?:[+*]|\{\d*,?\d*\})(?:[^()\\]|\\.)*\)[+*{]")
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def allowed_operators(field: str) -> frozenset[str] | None:
    """Operators `field` accepts, or None when the field is unknown (R-TR-1)."""
    if field in SPECIAL_FIELDS:
        return SPECIAL_FIELDS[field]
    if field in TEXT_FIELDS:
        return TEXT_OPERATORS
    if field.startswith(ATTRIBUTE_PREFIX) and len(field) > len(ATTRIBUTE_PREFIX):
        return TEXT_OPERATORS | NUMBER_OPERATORS
    return None


def regex_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be used in a rule, or None when it is safe to run (R-TR-1)."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"pattern longer than {MAX_PATTERN_LENGTH} characters"
    if _NESTED_QUANTIFIER.search(pattern):
        return "nested quantifier (such as (a+)+) can make matching very slow"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression: {exc}"
    return None


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str] | None:
    """The compiled pattern, once per distinct pattern; None when it is unsafe or invalid."""
    if regex_problem(pattern) is not None:
        return None
    return re.compile(pattern)


def parse_hhmm(text: str) -> time | None:
    """`"09:30"` as minutes since midnight stored in a `time`; `"24:00"` maps to 23:59:59."""
    m = _HHMM.match(text.strip())
    if m is None:
        return None
    hours, minutes = int(m.group(1)), int(m.group(2))
    if hours == 24:
        return time(23, 59, 59, 999999) if minutes == 0 else None
    return time(hours, minutes)


def parse_time_range(text: str) -> tuple[time, time] | None:
    """`"09:00-17:30"` as a (start, end) pair; None when malformed or empty."""
    start_s, sep, end_s = text.partition("-")
    if not sep:
        return None
    start, end = parse_hhmm(start_s), parse_hhmm(end_s)
    if start is None or end is None or start == end:
        return None
    return start, end


def in_time_range(now: time, start: time, end: time) -> bool:
    """Whether `now` falls in [start, end); a range whose end is earlier wraps midnight."""
    if start < end:
        return start <= now < end
    return now >= start or now < end


def parse_weekdays(text: str) -> frozenset[int] | None:
    """`"mon-fri"` or `"sat,sun"` or `"mon-wed,sat"` as weekday numbers (Monday = 0)."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, sep, last = part.partition("-")
        if first not in WEEKDAYS or (sep and last not in WEEKDAYS):
            return None
        lo = WEEKDAYS.index(first)
        hi = WEEKDAYS.index(last) if sep else lo
        if hi < lo:
            return None
        days.update(range(lo, hi + 1))
    return frozenset(days)


def parse_hours_spec(text: str) -> tuple[tuple[frozenset[int], time, time], ...] | None:
    """`"mon-fri 09:00-18:00; sat 09:00-12:00"` as (weekdays, start, end) spans."""
    spans: list[tuple[frozenset[int], time, time]] = []
    for chunk in text.split(";"):
        if not chunk.strip():
            continue
        days_s, _, range_s = chunk.strip().partition(" ")
        days = parse_weekdays(days_s)
        bounds = parse_time_range(range_s.strip())
        if days is None or bounds is None or bounds[0] > bounds[1]:
            return None
        spans.append((days, bounds[0], bounds[1]))
    return tuple(spans) or None


def values_of(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """A condition value as a tuple: tuples as they are, strings split on commas."""
    if isinstance(value, tuple):
        return value
    return tuple(v.strip() for v in value.split(",") if v.strip())


def as_text(field: str, operator: str, value: str | tuple[str, ...]) -> str:
    """A condition value as one string: spans joined by `;`, regex alternatives by `|`."""
    if isinstance(value, str):
        return value
    if field == "business_hours":
        return "; ".join(value)
    return "|".join(value) if operator in REGEX_OPERATORS else ",".join(value)


def to_number(text: str) -> float | None:
    """`text` as a finite float, or None."""
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None
