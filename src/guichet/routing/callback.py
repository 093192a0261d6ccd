"""Queue callback (R-Q-6): settings, the 15-minute average wait, and when to offer it.

The average wait over the last 15 minutes counts the waits of calls that left the queue in that
window (answered, abandoned, timed out) plus the wait so far of calls still waiting, so a
jammed queue where nobody is answered still triggers the offer. See docs/targeting.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from .numbers import NumberType, classify_number, is_valid_caller_id
from .wait_tracker import WINDOW_S, WaitTracker

__all__ = [
    "MAX_THRESHOLD_S",
    "WINDOW_S",
    "CallbackCheck",
    "CallbackPolicy",
    "CallbackReason",
    "CallbackSettingError",
    "SettingProblem",
    "WaitTracker",
    "parse_threshold",
    "should_offer_callback",
    "validate_callback_policy",
]

RULE_ID = "R-Q-6"
#: Longest accepted threshold: one day.
MAX_THRESHOLD_S = 86_400.0

_UNITS: dict[str, float] = {
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
}
_DECIMAL = re.compile(r"^\d+(?:[.,]\d+)?$")


@dataclass(frozen=True, slots=True)
class CallbackPolicy:
    """A queue's callback settings (R-Q-6); `country_code` reads national caller IDs."""

    enabled: bool = False
    threshold_s: float = 120.0
    #: Number shown to the contact when the queue calls back.
    caller_id: str = ""
    allowed_number_types: frozenset[NumberType] = field(
        default_factory=lambda: frozenset({NumberType.MOBILE, NumberType.LANDLINE})
    )
    country_code: str = "33"


class CallbackReason(StrEnum):
    """Why a callback is or is not offered (R-Q-6, R-X-3)."""

    OFFERED = "average_wait_above_threshold"
    DISABLED = "callback_disabled"
    ALREADY_OFFERED = "already_offered"
    INVALID_CALLER_ID = "invalid_caller_id"
    NUMBER_TYPE_NOT_ALLOWED = "number_type_not_allowed"
    AGENTS_AVAILABLE = "agents_available"
    NO_RECENT_CALLS = "no_recent_calls"
    BELOW_THRESHOLD = "average_wait_below_threshold"


class CallbackCheck(NamedTuple):
    """Answer of `should_offer_callback`: offer or not, why, and the average it saw."""

    offer: bool
    reason: CallbackReason
    average_wait_s: float | None


def should_offer_callback(
    policy: CallbackPolicy | None,
    tracker: WaitTracker,
    queue_id: str,
    *,
    now: float,
    available_agents: int,
    caller_id: str | None,
    already_offered: bool,
    call_id: str | None = None,
) -> CallbackCheck:
    """Whether to offer a callback to a waiting caller now (R-Q-6).

    Offered once per call, only when the 15-minute average wait (the asking call itself
    excluded via `call_id`) exceeds the threshold, no agent of the queue is available, and
    the caller ID is valid and of an allowed type.
    """
    if policy is None or not policy.enabled:
        return CallbackCheck(False, CallbackReason.DISABLED, None)
    if already_offered:
        return CallbackCheck(False, CallbackReason.ALREADY_OFFERED, None)
    kind = classify_number(caller_id, country_code=policy.country_code)
    if kind is None:
        return CallbackCheck(False, CallbackReason.INVALID_CALLER_ID, None)
    if kind not in policy.allowed_number_types:
        return CallbackCheck(False, CallbackReason.NUMBER_TYPE_NOT_ALLOWED, None)
    average = tracker.average_wait(queue_id, now, exclude_call_id=call_id)
    if available_agents > 0:
        return CallbackCheck(False, CallbackReason.AGENTS_AVAILABLE, average)
    if average is None:
        return CallbackCheck(False, CallbackReason.NO_RECENT_CALLS, None)
    if average <= policy.threshold_s:
        return CallbackCheck(False, CallbackReason.BELOW_THRESHOLD, average)
    return CallbackCheck(True, CallbackReason.OFFERED, average)


class CallbackSettingError(ValueError):
    """A refused callback setting, with a code, the field and the rule id (R-Q-6)."""

    def __init__(self, code: str, message: str, field: str = "threshold") -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.rule_id = RULE_ID


def parse_threshold(value: str | float, unit: str) -> float:
    """The wait threshold in seconds, from a number and a unit (s, min, h) (R-Q-6).

    Refuses non-numeric text (`"10s"`, `"abc"`), zero, negatives and more than a day.
    """
    factor = _UNITS.get(unit.strip().lower())
    if factor is None:
        raise CallbackSettingError("unknown_unit", f"unknown unit {unit!r}; use s, min or h")
    if isinstance(value, bool):
        raise CallbackSettingError("not_numeric", "threshold must be a number")
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL.match(text):
            raise CallbackSettingError("not_numeric", "threshold must contain digits only")
        number = float(text.replace(",", "."))
    else:
        number = float(value)
        if not math.isfinite(number):
            raise CallbackSettingError("not_numeric", "threshold must be a finite number")
    seconds = number * factor
    if seconds <= 0:
        raise CallbackSettingError("not_positive", "threshold must be greater than 0")
    if seconds > MAX_THRESHOLD_S:
        raise CallbackSettingError("too_large", "threshold must be at most 24 hours")
    return seconds


class SettingProblem(NamedTuple):
    """One reason a callback policy cannot be saved."""

    field: str
    message: str
    rule_id: str = RULE_ID


def validate_callback_policy(policy: CallbackPolicy) -> list[SettingProblem]:
    """Problems that keep `policy` from being saved; empty when valid (R-Q-6)."""
    problems: list[SettingProblem] = []
    threshold = policy.threshold_s
    if not (math.isfinite(threshold) and 0 < threshold <= MAX_THRESHOLD_S):
        problems.append(SettingProblem("threshold_s", "threshold must be > 0 and at most 24 h"))
    if policy.enabled:
        if not is_valid_caller_id(policy.caller_id, country_code=policy.country_code):
            problems.append(SettingProblem("caller_id", "callback caller ID is not a number"))
        if not policy.allowed_number_types:
            problems.append(SettingProblem("allowed_number_types", "allow one type at least"))
    if not policy.country_code.isdigit() or not 1 <= len(policy.country_code) <= 3:
        problems.append(SettingProblem("country_code", "country code is 1 to 3 digits"))
    return problems
