"""The one time format of the HTTP API and the WebSocket events (issue 12 finding 10).

Every time an answer or an event carries is ISO 8601 in UTC to the millisecond with a ``Z``:
``2026-12-04T01:02:03.456Z``. Text of one format sorts as the times do. Durations stay
numbers of seconds (fields ending in ``_s``).
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso(value: datetime | None) -> str | None:
    """``value`` in the API's time format (a naive datetime is taken as UTC), or None."""
    if value is None:
        return None
    utc = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def iso_t(t: float | None) -> str | None:
    """An engine time (POSIX seconds) in the API's time format, or None."""
    return None if t is None else iso(datetime.fromtimestamp(t, UTC))


def parse_iso(text: str) -> float:
    """POSIX seconds of a time in the API's format (or any ISO 8601 text with an offset)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
