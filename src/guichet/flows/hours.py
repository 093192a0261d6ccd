"""Weekly business hours with a time zone and holiday dates, for flow checks (R-Q-5).

Days map to lists of `HH:MM` intervals, end excluded (`24:00` closes at midnight); an interval
never crosses midnight (split it in two). Holidays are closed all day, in the schedule's zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$", re.ASCII)  # 0-9 only


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    """Opening intervals per weekday (`"mon"`..`"sun"`), a zone name and holidays (R-Q-5)."""

    time_zone: str = "UTC"
    days: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()


def seconds_of_day(text: str) -> int | None:
    """`"09:30"` as seconds since midnight (`"24:00"` is 86400); None when malformed."""
    m = _HHMM.match(text)
    if m is None:
        return None
    if m.group(3):
        return 86_400
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=128)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone, or None when unknown.

    Only the names of the zone database count: a folder of it (``America``) or one of its
    other files would otherwise reach the file system and fail with an OS error.
    """
    if name not in _zone_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def schedule_problems(schedule: WeeklySchedule) -> list[tuple[str, str]]:
    """(sub-path, message) for each malformed part of the schedule (R-Q-5)."""
    problems: list[tuple[str, str]] = []
    if zone(schedule.time_zone) is None:
        problems.append(("time_zone", f"unknown time zone {schedule.time_zone!r}"))
    for day, intervals in schedule.days.items():
        if day not in WEEKDAYS:
            problems.append((f"days/{day}", f"unknown day {day!r}; use mon..sun"))
            continue
        for index, (start_s, end_s) in enumerate(intervals):
            start, end = seconds_of_day(start_s), seconds_of_day(end_s)
            if start is None or end is None or start >= end:
                where = f"days/{day}/{index}"
                problems.append((where, f"interval {start_s}-{end_s} is not HH:MM-HH:MM"))
    return problems


def is_open(schedule: WeeklySchedule, now: datetime) -> bool:
    """Whether the schedule is open at the aware instant `now` (R-Q-5)."""
    if now.tzinfo is None:
        raise ValueError("business hours need an aware datetime")
    tz = zone(schedule.time_zone)
    local = now.astimezone(tz) if tz is not None else now
    if local.date() in schedule.holidays:
        return False
    clock = local.hour * 3600 + local.minute * 60 + local.second
    for start_s, end_s in schedule.days.get(WEEKDAYS[local.weekday()], ()):
        start, end = seconds_of_day(start_s), seconds_of_day(end_s)
        if start is not None and end is not None and start <= clock < end:
            return True
    return False
