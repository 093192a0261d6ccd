"""Periods of the dashboards and exports (R-AN-5), read the same way everywhere.

``from`` and ``to`` are ISO-8601 times (with an offset, or in the organization's time zone
without one) or dates (their local midnight); ``from`` is inclusive, ``to`` exclusive. Times
before 1970 or from 2100 on are refused: no event can be there, and the calendar arithmetic of
far dates fails.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from guichet.errors import invalid

#: The longest period a dashboard covers (R-AN-5).
MAX_PERIOD_DAYS = 366
#: A dashboard's period when none is given: the last 30 days.
DEFAULT_PERIOD_DAYS = 30
#: The accepted range of times.
EARLIEST = datetime(1970, 1, 2, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
_DAY = 86400.0


def moment(value: str, tz: ZoneInfo, field: str) -> float:
    """POSIX seconds of an ISO-8601 time or date; without an offset, in ``tz`` (R-AN-5).

    A date is its local midnight, so ``from=2026-12-01&to=2026-12-02`` is that local day.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            at = datetime.combine(date.fromisoformat(text), time(0), tzinfo=tz)
        else:
            at = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            if at.tzinfo is None:
                at = at.replace(tzinfo=tz)
        if not EARLIEST <= at < LATEST:
            raise invalid(field, "must be between 1970-01-02 and 2099-12-31", "R-AN-5")
        return at.timestamp()
    except (ValueError, OverflowError) as exc:
        raise invalid(field, "not an ISO-8601 date or time", "R-AN-5") from exc


def period(
    start: str | None, end: str | None, tz: ZoneInfo, *, dashboard: bool, now: float
) -> tuple[float | None, float | None]:
    """The period ``[from, to)`` as POSIX seconds (422 naming the field, R-AN-5).

    ``to`` must come after ``from``. For a dashboard (``dashboard=True``) a missing ``to`` is
    now, a missing ``from`` 30 days before ``to``, and the period may not exceed 366 days; an
    export of rows may leave either end open (everything).
    """
    from_ts = None if start is None else moment(start, tz, "from")
    to_ts = None if end is None else moment(end, tz, "to")
    if dashboard:
        to_ts = now if to_ts is None else to_ts
        from_ts = to_ts - DEFAULT_PERIOD_DAYS * _DAY if from_ts is None else from_ts
    if from_ts is not None and to_ts is not None:
        if to_ts <= from_ts:
            raise invalid("to", "must be after from", "R-AN-5")
        if dashboard and to_ts - from_ts > MAX_PERIOD_DAYS * _DAY:
            raise invalid("from", f"the period may not exceed {MAX_PERIOD_DAYS} days", "R-AN-5")
    return from_ts, to_ts
