"""Event types are named once, in `guichet.domain.events`, and docs/events.md lists exactly them.

Issue 13: the event log's types (`EventType`) and the real-time event types (`LiveEvent`) used
to be spelled out as strings in ten files. Now the documentation and the code cannot drift: the
tables of docs/events.md list exactly the enum members, and no other module of the product
spells a type out.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from guichet.domain.events import EventType, LiveEvent

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "guichet"
EVENTS_DOC = ROOT / "docs" / "events.md"
DEFINITION = PACKAGE / "domain" / "events.py"


def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def _first_cells(section: str) -> set[str]:
    """Backticked names in the first cell of every table row (header and rule excluded)."""
    names: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith(("|---", "| type")):
            continue
        first = line.strip("|").split("|", 1)[0]
        names |= set(re.findall(r"`([a-z_.]+)`", first))
    return names


def test_the_event_log_tables_list_exactly_the_event_types() -> None:
    text = EVENTS_DOC.read_text(encoding="utf-8")
    documented = _first_cells(_section(text, "## Event-log rows", "## Real-time events"))
    assert documented == {t.value for t in EventType}


def test_the_real_time_table_lists_exactly_the_live_events() -> None:
    text = EVENTS_DOC.read_text(encoding="utf-8")
    table = _section(text, "## Real-time events", "###").split("\n\n**", 1)[0]
    assert _first_cells(table) == {t.value for t in LiveEvent}


def _where(path: Path) -> str:
    return str(path.relative_to(PACKAGE)) if path.is_relative_to(PACKAGE) else path.name


def spelled_out(path: Path) -> list[str]:
    """Where ``path`` writes an event type as a string instead of naming the enum member."""
    source = path.read_text(encoding="utf-8")
    log_types = {t.value for t in EventType}
    live_types = {t.value for t in LiveEvent}
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING and tok.string[1:-1] in log_types:
            found.append(f"{_where(path)}:{tok.start[0]}: {tok.string}")

    def is_type_of(node: ast.expr) -> bool:
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            return node.slice.value == "type"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = node.args
            return node.func.attr == "get" and bool(args) and getattr(args[0], "value", 0) == "type"
        return isinstance(node, ast.Name) and node.id in ("kind", "type_")

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "type"
                    and isinstance(value, ast.Constant)
                    and value.value in live_types
                ):
                    found.append(f"{_where(path)}:{value.lineno}: {value.value!r}")
        elif isinstance(node, ast.Compare) and len(node.comparators) == 1:
            left, right = node.left, node.comparators[0]
            for side, other in ((left, right), (right, left)):
                if (
                    isinstance(side, ast.Constant)
                    and side.value in live_types
                    and is_type_of(other)
                ):
                    found.append(f"{_where(path)}:{side.lineno}: {side.value!r}")
    return found


def test_no_module_spells_an_event_type_out() -> None:
    found = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != DEFINITION
        for hit in spelled_out(path)
    ]
    assert not found, "name these through guichet.domain.events:\n" + "\n".join(found)


def test_the_check_sees_a_spelled_out_type(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        'ROW = "interaction.offered"\n'
        'EVENT = {"type": "offer", "op": "add"}\n'
        'def f(e: dict) -> bool:\n    return e["type"] == "agent"\n'
        'DOC = "an interaction.offered row"\n',
        encoding="utf-8",
    )
    assert spelled_out(bad) == [
        'bad.py:1: "interaction.offered"',
        "bad.py:2: 'offer'",
        "bad.py:4: 'agent'",
    ]
