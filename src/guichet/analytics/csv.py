"""CSV writing for exports (R-AN-6): RFC 4180, spreadsheet-safe, streamed.

- RFC 4180, written by the standard library's ``csv`` writer (issue 13): fields separated by
  ``,`` (or ``;`` for spreadsheets set up for French, where the comma is the decimal mark),
  records ended by CRLF, a field holding the delimiter, a quote, CR or LF is quoted and its
  quotes doubled; UTF-8 without a byte-order mark. A record one of whose fields holds the
  *other* delimiter or a tab has all its fields quoted (see ``_SPLITTERS``).
- Streamed: records are written into a text buffer that is handed out and emptied every
  ``chunk_bytes`` or so, so memory stays flat whatever the size of the export.
- The first record is the header: stable snake_case column names (docs/api/exports.md).
- Formula injection: a text cell that begins with ``=``, ``+``, ``-``, ``@``, tab, CR or LF
  gets a leading apostrophe, so a spreadsheet shows it as text instead of running it (a tag
  named ``=HYPERLINK(...)``). Numbers Guichet produces are written as numbers, untouched.
- Times are ISO-8601 UTC with a ``Z`` (``2026-12-03T07:40:00Z``); ``None`` is an empty field;
  booleans are ``true``/``false``.
"""

from __future__ import annotations

import csv
import io
import math
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


#: Characters besides the delimiter that make a record quoted. The standard library's writer
#: quotes a field holding the delimiter, a quote, CR or LF (RFC 4180); a file written with ``;``
#: may be opened by a spreadsheet splitting on ``,`` (or on tabs), and the other way round, and
#: an unquoted ``x,=HYPERLINK(...)`` would then start a cell with ``=`` past the neutralisation.
#: A record holding one of these is written with every field quoted (``QUOTE_ALL``).
_SPLITTERS = frozenset(",;\t")


class _Writer:
    """The standard library's CSV writers over one text buffer, emptied by ``take``."""

    __slots__ = ("_all", "_buffer", "_delimiter", "_minimal", "_others")

    def __init__(self, delimiter: str) -> None:
        self._delimiter = delimiter
        self._others = tuple(sorted(_SPLITTERS - {delimiter}))
        self._buffer = io.StringIO(newline="")
        dialect: dict[str, Any] = {
            "delimiter": delimiter,
            "quotechar": '"',
            "doublequote": True,
            "lineterminator": NEWLINE,
        }
        self._minimal = csv.writer(self._buffer, quoting=csv.QUOTE_MINIMAL, **dialect)
        self._all = csv.writer(self._buffer, quoting=csv.QUOTE_ALL, **dialect)

    def write(self, texts: list[str]) -> None:
        """One record of fields already turned into text (and neutralised) by ``cell``."""
        line = self._delimiter.join(texts)
        if any(c in line for c in self._others):
            self._all.writerow(texts)
        else:
            self._minimal.writerow(texts)

    def size(self) -> int:
        """Characters written since the last ``take``."""
        return self._buffer.tell()

    def take(self) -> str:
        """The text written since the last ``take``; the buffer starts again empty."""
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def record(values: Iterable[Any], delimiter: str = ",") -> str:
    """One CSV record, CRLF-terminated."""
    writer = _Writer(delimiter)
    writer.write([cell(v) for v in values])
    return writer.take()


def header(columns: Sequence[str], delimiter: str = ",") -> str:
    """The header record: column names as they are (never neutralised, they are ours)."""
    writer = _Writer(delimiter)
    writer.write(list(columns))
    return writer.take()


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
    writer = _Writer(check_delimiter(delimiter))
    writer.write(list(columns))
    async for row in rows:
        values = [row.get(c) for c in columns] if isinstance(row, Mapping) else row
        writer.write([cell(v) for v in values])
        if writer.size() >= chunk_bytes:
            yield writer.take().encode("utf-8")
    last = writer.take()
    if last:
        yield last.encode("utf-8")
