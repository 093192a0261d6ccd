"""The CSV writer of exports (R-AN-6): RFC 4180, delimiters, formula neutralisation, times."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.analytics.csv import (
    Timestamp,
    cell,
    check_delimiter,
    header,
    iso_utc,
    neutralise,
    record,
    stream_csv,
)


async def _rows(rows: list[dict[str, Any]]) -> AsyncIterator[Mapping[str, Any]]:
    for row in rows:
        yield row


async def _document(
    columns: list[str], rows: list[dict[str, Any]], delimiter: str = ",", chunk: int = 64
) -> bytes:
    out = b""
    async for part in stream_csv(columns, _rows(rows), delimiter=delimiter, chunk_bytes=chunk):
        assert isinstance(part, bytes)
        out += part
    return out


def test_records_end_with_crlf_and_quotes_are_doubled() -> None:
    assert record(["a", 'say "hi"', "x,y", "line\nbreak"]) == (
        'a,"say ""hi""","x,y","line\nbreak"\r\n'
    )
    # Every delimiter a spreadsheet might split on is quoted, whichever one the file uses.
    assert record(["x;y", "x,y", "x\ty"], ";") == '"x;y";"x,y";"x\ty"\r\n'
    assert record(["x;y"], ",") == '"x;y"\r\n'
    assert header(["interaction_id", "queue_name"], ";") == "interaction_id;queue_name\r\n"


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+33 1 23", "-2", "@SUM(A1)", "\tx", "\rx", "\nx", '=HYPERLINK("http://x","y")'],
)
def test_formula_starts_get_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert cell(text) == "'" + text


def test_plain_text_and_numbers_are_untouched() -> None:
    assert neutralise("Billing") == "Billing"
    assert neutralise("a=b") == "a=b"
    assert cell(-2) == "-2"  # a number we produce stays a number
    assert cell(-2.5) == "-2.5"
    assert cell(12.0) == "12"
    assert cell(0.1 + 0.2) == "0.3"
    assert cell(None) == ""
    assert cell(True) == "true" and cell(False) == "false"
    assert cell(float("nan")) == ""


def test_times_are_iso_utc_with_z() -> None:
    assert iso_utc(datetime(2026, 12, 3, 7, 40, tzinfo=UTC)) == "2026-12-03T07:40:00Z"
    paris = timezone(timedelta(hours=1))
    assert iso_utc(datetime(2026, 12, 3, 8, 40, tzinfo=paris)) == "2026-12-03T07:40:00Z"
    ts = datetime(2026, 12, 3, 7, 40, tzinfo=UTC).timestamp()
    assert cell(Timestamp(ts)) == "2026-12-03T07:40:00Z"
    assert cell(Timestamp(ts + 0.25)) == "2026-12-03T07:40:00.250000Z"
    assert cell(ts) == str(int(ts))  # a bare float is a number, not a time


def test_only_comma_and_semicolon() -> None:
    assert check_delimiter(";") == ";"
    with pytest.raises(ValueError):
        check_delimiter("\t")


@pytest.mark.parametrize("delimiter", [",", ";"])
async def test_stream_round_trips_through_the_csv_module(delimiter: str) -> None:
    """What we write, Python's RFC 4180 reader reads back: text neutralised, the rest intact."""
    columns = ["id", "tag", "note", "at", "wait_s", "resolved"]
    at = datetime(2026, 12, 3, 7, 40, tzinfo=UTC).timestamp()
    rows = [
        {
            "id": i,
            "tag": '=HYPERLINK("http://x","y")' if i % 7 == 0 else f"Tag {i}",
            "note": f'multi\r\nline; with, "quotes" é {i}',
            "at": Timestamp(at + i),
            "wait_s": i * 1.5,
            "resolved": i % 2 == 0,
        }
        for i in range(200)
    ]
    data = await _document(columns, rows, delimiter, chunk=256)
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert parsed[0] == columns
    assert len(parsed) == 201
    for row, got in zip(rows, parsed[1:], strict=True):
        assert got[0] == str(row["id"])
        tag = str(row["tag"])
        assert got[1] == ("'" + tag if tag.startswith("=") else tag)
        assert got[2] == row["note"]
        assert got[3] == iso_utc(float(row["at"]))
        assert float(got[4]) == row["wait_s"]
        assert got[5] == ("true" if row["resolved"] else "false")


async def test_empty_export_is_the_header_alone() -> None:
    assert await _document(["a", "b"], []) == b"a,b\r\n"


async def test_missing_columns_are_empty_fields() -> None:
    assert await _document(["a", "b"], [{"a": 1}]) == b"a,b\r\n1,\r\n"


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_formula_after_the_other_delimiter_stays_in_its_quoted_cell(delimiter: str) -> None:
    """Opened by a spreadsheet that splits on the other delimiter, a name such as
    ``x,=HYPERLINK(...)`` must not become a cell starting with ``=`` (R-AN-6)."""
    for evil in ("x,=1+1", "x;=1+1", "x\t=1+1", "x,@SUM(A1)"):
        line = record([evil, 1], delimiter)
        for other in (",", ";", "\t"):
            cells = next(csv.reader(io.StringIO(line), delimiter=other))
            assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), (other, cells)


def test_a_record_with_the_other_delimiter_or_a_tab_is_quoted_whole() -> None:
    """The standard library quotes the delimiter, quotes, CR and LF; a record that also holds
    the other delimiter or a tab is written with every field quoted (R-AN-6, issue 13)."""
    assert record([1, "a;b", None], ",") == '"1","a;b",""\r\n'
    assert record([1, "a,b", None], ";") == '"1";"a,b";""\r\n'
    assert record([1, "a\tb"], ";") == '"1";"a\tb"\r\n'
    # Otherwise only the fields that need it are quoted.
    assert record([1, "a,b", None, -2.5], ",") == '1,"a,b",,-2.5\r\n'
    assert record([1, "a;b", None], ";") == '1;"a;b";\r\n'


def test_a_record_of_one_empty_field_is_not_an_empty_line() -> None:
    """The csv module writes ``""`` so the record reads back as one empty field."""
    line = record([None])
    assert line == '""\r\n'
    assert list(csv.reader(io.StringIO(line, newline=""))) == [[""]]


async def test_chunks_end_on_record_boundaries_and_stay_near_the_size() -> None:
    """Streaming: each chunk holds whole records, about ``chunk_bytes`` long (R-AN-6)."""
    columns = ["id", "note"]
    rows = [{"id": i, "note": f"note {i}; é"} for i in range(500)]
    chunks = [
        part async for part in stream_csv(columns, _rows(rows), delimiter=",", chunk_bytes=1000)
    ]
    assert len(chunks) > 10
    longest = max(len(record([r["id"], r["note"]])) for r in rows)
    for part in chunks:
        assert part.endswith(b"\r\n")
        # chunk_bytes counts characters, as before (é is two bytes, one character).
        assert len(part.decode("utf-8")) < 1000 + longest
    whole = b"".join(chunks).decode("utf-8")
    assert whole == header(columns) + "".join(record([r["id"], r["note"]]) for r in rows)


_TEXT = st.text(alphabet=st.sampled_from(list(",;\t\"\r\n =+-@'ab é\u2028")), max_size=8)


@given(
    st.lists(st.lists(st.one_of(st.none(), st.integers(), _TEXT), min_size=3, max_size=3)),
    st.sampled_from([",", ";"]),
)
@settings(max_examples=200, deadline=None)
def test_any_rows_read_back_as_their_cells(rows: list[list[Any]], delimiter: str) -> None:
    """Whatever the text, Python's RFC 4180 reader gives back each cell as ``cell`` made it."""

    async def collect() -> bytes:
        async def source() -> AsyncIterator[list[Any]]:
            for row in rows:
                yield row

        parts = [p async for p in stream_csv(["a", "b", "c"], source(), delimiter=delimiter)]
        return b"".join(parts)

    text = asyncio.run(collect()).decode("utf-8")
    parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert parsed == [["a", "b", "c"], *([cell(v) for v in row] for row in rows)]
