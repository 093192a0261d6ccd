"""The routing engine is pure: it imports only the standard library, `guichet.domain`, the
flow walker `guichet.flows` (which is pure too) and the few pure third-party libraries listed
in `THIRD_PARTY`, and does no I/O."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import guichet

ROOT = Path(guichet.__file__).parent
ALLOWED = ("guichet.domain", "guichet.routing", "guichet.flows")
#: Third-party packages routing/ may import, by top-level name: pure code and data, no I/O.
#: phonenumbers: libphonenumber's numbering plans, read by
#: routing/numbers.py to validate and classify caller IDs (R-Q-6, issue 13).
THIRD_PARTY = frozenset({"phonenumbers"})
FORBIDDEN_CALLS = {"open", "print", "input"}


def _modules() -> list[Path]:
    return sorted([*(ROOT / "routing").glob("*.py"), *(ROOT / "flows").glob("*.py")])


def test_routing_imports_only_stdlib_and_domain() -> None:
    """Every import of guichet.routing and guichet.flows is stdlib, an allowed package of
    ours or an allowed pure third-party library."""
    bad = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "__future__" or top in THIRD_PARTY:
                    continue
                if not name.startswith(ALLOWED):
                    bad.append(f"{path.name}: {name}")
    assert bad == []


def test_routing_does_no_io() -> None:
    """No file, console or network calls in the engine's modules."""
    bad = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            if call and node.func.id in FORBIDDEN_CALLS:  # type: ignore[attr-defined]
                bad.append(f"{path.name}:{node.lineno} {node.func.id}")  # type: ignore[attr-defined]
            if isinstance(node, ast.Import | ast.ImportFrom):
                mods = (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                )
                for m in mods:
                    if m and m.split(".")[0] in {"socket", "subprocess", "os", "io", "logging"}:
                        bad.append(f"{path.name}: imports {m}")
    assert bad == []
