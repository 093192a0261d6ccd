"""CSV writing for exports (R-AN-6): RFC 4180, spreadsheet-safe, streamed.

- RFC 4180: fields separated by ``,`` (or ``;`` for spreadsheets set up for French, where the
  comma is the decimal mark), records ended by CRLF, a field holding the delimiter, a quote,
  CR or LF is quoted and its quotes doubled; UTF-8 without a byte-order mark.
- The first record is the header: stable snake_case column names (docs/api/exports.md).
- Formula injection: a text cell that begins with ``=``, ``+``, ``-``, ``@``, tab, CR or LF
  gets a leading apostrophe, so a spreadsheet shows it as text instead of running it (a tag
  named ``=HYPERLINK(...)``). Numbers Guichet produces are written as numbers, untouched.
- Times are ISO-8601 UTC with a ``Z`` (``2026-12-03T07:40:00Z``); ``None`` is an empty field;
  booleans are ``true``/``false``.
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

#: The delimiters an export may use.
DELIMITERS = (",", ";")
#: First characters a spreadsheet reads as the start of a formula (or that hide one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
NEWLINE = "\r\n"


class Timestamp(float):
    """POSIX seconds UTC that a CSV cell shows as an ISO-8601 UTC time."""

    __slots__ = ()


def iso_utc(value: datetime | float) -> str:
    """``2026-12-03T07:40:00Z`` (fractions of a second kept only when there are some)."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    else:
        moment = datetime.fromtimestamp(float(value), UTC)
    moment = moment.astimezone(UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _number(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return ""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(round(value, 6))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _none(value: None) -> str:
    return ""


def _text(value: str) -> str:
    return "'" + value if value and value[0] in _FORMULA_FIRST else value


_FORMULA_FIRST = frozenset(FORMULA_STARTS)
#: How each exact type becomes text (the common cases: one lookup per cell).
_FORMAT: dict[type, Callable[[Any], str]] = {
    type(None): _none,
    str: _text,
    int: str,
    bool: _bool,
    float: lambda v: _number(v),
    Timestamp: iso_utc,
    datetime: iso_utc,
}


def cell(value: Any) -> str:
    """One value as the text of a CSV field (before quoting)."""
    fmt = _FORMAT.get(type(value))
    if fmt is not None:
        return fmt(value)
    if isinstance(value, bool):
        return _bool(value)
    if isinstance(value, Timestamp | datetime):
        return iso_utc(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    return neutralise(str(value))


#: Characters that make a field quoted, whatever the delimiter: a file written with ``;`` may
#: be opened by a spreadsheet splitting on ``,`` (or on tabs), and the other way round; an
#: unquoted ``x,=HYPERLINK(...)`` would then start a cell with ``=`` past the neutralisation.
_QUOTED = frozenset(',;\t"\r\n')
#: Per delimiter, the characters besides it that call for quoting (one search per record).
_OTHERS = {d: re.compile("[" + re.escape("".join(sorted(_QUOTED - {d}))) + "]") for d in DELIMITERS}


def _quote(text: str, delimiter: str) -> str:
    if delimiter in text or not _QUOTED.isdisjoint(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def record(values: Iterable[Any], delimiter: str = ",") -> str:
    """One CSV record, CRLF-terminated."""
    texts = [cell(v) for v in values]
    line = delimiter.join(texts)
    # Fast path: no field holds the delimiter (exactly len - 1 of them in the line) nor any
    # other character that calls for quoting.
    others = _OTHERS.get(delimiter)
    if others is None or line.count(delimiter) != len(texts) - 1 or others.search(line):
        line = delimiter.join(_quote(t, delimiter) for t in texts)
    return line + NEWLINE


def header(columns: Sequence[str], delimiter: str = ",") -> str:
    """The header record: column names as they are (never neutralised, they are ours)."""
    return delimiter.join(_quote(c, delimiter) for c in columns) + NEWLINE


def check_delimiter(delimiter: str) -> str:
    """``delimiter`` if it is one Guichet writes, else ``ValueError``."""
    if delimiter not in DELIMITERS:
        raise ValueError(f"delimiter must be one of {DELIMITERS!r}")
    return delimiter


async def stream_csv(
    columns: Sequence[str],
    rows: AsyncIterable[Mapping[str, Any] | Sequence[Any]],
    *,
    delimiter: str = ",",
    chunk_bytes: int = 64 * 1024,
) -> AsyncIterator[bytes]:
    """UTF-8 chunks of the CSV document: the header, then one record per row (a mapping read
    by column name, or a list or tuple of the values in column order).

    Records are gathered into chunks of about ``chunk_bytes`` so a large export is written
    (or sent) in few pieces while memory stays flat.
    """
    check_delimiter(delimiter)
    parts = [header(columns, delimiter)]
    size = len(parts[0])
    async for row in rows:
        line = record([row.get(c) for c in columns] if isinstance(row, Mapping) else row, delimiter)
        parts.append(line)
        size += len(line)
        if size >= chunk_bytes:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")
