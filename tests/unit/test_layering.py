"""The layering law: every import in `src/guichet` follows the table of docs/architecture.md.

The table is read from the document itself, so the design changes there first and the code
follows (issue 13). Every import counts: module level, inside functions, under
``TYPE_CHECKING``, relative ones, and ``importlib.import_module("guichet...")`` with a literal
name. A violation names the file, the line and the edge the table does not allow.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "guichet"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

#: Top-level names the product must never import: tooling that drives it from outside.
OUTSIDE = frozenset({"guichet_testing", "tests", "bench"})


@dataclass(frozen=True)
class Layer:
    """One row of the table: what the layer may import of Guichet and of third parties."""

    name: str
    imports: frozenset[str]
    #: None: any installed library; else only the standard library and these.
    third_party: frozenset[str] | None


@dataclass(frozen=True)
class Violation:
    """One import the table does not allow."""

    path: str
    line: int
    importer: str
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} -> {self.imported}: {self.why}"


def _cell_names(cell: str) -> frozenset[str]:
    return frozenset(re.findall(r"`([a-z_.]+)`", cell))


def read_table(text: str) -> dict[str, Layer]:
    """The layers table between ``<!-- layers -->`` and ``<!-- /layers -->``."""
    match = re.search(r"<!-- layers -->(.*?)<!-- /layers -->", text, re.S)
    if match is None:
        raise ValueError("docs/architecture.md has no <!-- layers --> table")
    layers: dict[str, Layer] = {}
    for row in match.group(1).strip().splitlines()[2:]:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 4:
            raise ValueError(f"a layers row needs 4 cells: {row!r}")
        (name,) = _cell_names(cells[0])
        third = None if cells[3].strip().lower() == "any" else _cell_names(cells[3])
        layers[name] = Layer(name, _cell_names(cells[2]), third)
    return layers


def layer_of(module: str) -> str:
    """``guichet.live.loop`` -> ``live``; ``guichet.errors`` -> ``errors``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _module_name(package_root: Path, path: Path) -> tuple[str, bool]:
    rel = path.relative_to(package_root.parent).with_suffix("")
    parts = list(rel.parts)
    is_init = parts[-1] == "__init__"
    if is_init:
        parts = parts[:-1]
    return ".".join(parts), is_init


def imports_of(package_root: Path, path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, absolute, with its line."""
    module, is_init = _module_name(package_root, path)
    here = module.split(".") if is_init else module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from guichet import live` imports the layer `live`; `__version__` is the root's.
            if target == package_root.name:
                found.extend(
                    (node.lineno, f"{target}.{a.name}")
                    for a in node.names
                    if (package_root / a.name).is_dir() or (package_root / f"{a.name}.py").exists()
                )
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = getattr(func, "attr", None) or getattr(func, "id", None)
            arg = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
            ):
                found.append((node.lineno, arg.value))
    return found


def violations(package_root: Path, table: dict[str, Layer]) -> list[Violation]:
    """Every import under ``package_root`` that the table does not allow."""
    root_name = package_root.name
    stdlib = sys.stdlib_module_names
    out: list[Violation] = []
    for path in sorted(package_root.rglob("*.py")):
        module, _ = _module_name(package_root, path)
        importer = layer_of(module) if module != root_name else root_name
        rel = str(path.relative_to(package_root.parent.parent))
        # The package's own __init__ imports nothing of Guichet.
        layer = table.get(importer) if module != root_name else Layer(root_name, frozenset(), None)
        if layer is None:
            out.append(Violation(rel, 1, importer, "-", "this layer is not in the table"))
            continue
        for line, target in imports_of(package_root, path):
            top = target.split(".")[0]
            if target == root_name:
                continue  # `from guichet import x`: each `guichet.x` is checked on its own
            if top == root_name:
                imported = layer_of(target)
                if imported != importer and imported not in layer.imports:
                    why = "not allowed by the layers table in docs/architecture.md"
                    out.append(Violation(rel, line, importer, imported, why))
            elif top in OUTSIDE:
                why = "the product never imports test or benchmark tooling"
                out.append(Violation(rel, line, importer, top, why))
            elif (
                layer.third_party is not None
                and top not in stdlib
                and top not in layer.third_party
                and top != "__future__"
            ):
                why = "a pure layer imports only the standard library and its listed libraries"
                out.append(Violation(rel, line, importer, top, why))
    return out


def test_every_import_follows_the_layers_table() -> None:
    table = read_table(ARCHITECTURE.read_text(encoding="utf-8"))
    found = violations(PACKAGE, table)
    assert not found, "imports the layers table does not allow:\n" + "\n".join(map(str, found))


def test_the_table_names_every_package_and_only_known_layers() -> None:
    """Each package and top-level module of `guichet` has a row; rows name real layers only.

    Rows for packages still to come (`web`, `channels`) are allowed before their code exists.
    """
    table = read_table(ARCHITECTURE.read_text(encoding="utf-8"))
    present = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    present |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert present - set(table) == set()
    assert {"web", "channels"} <= set(table)
    for layer in table.values():
        assert layer.imports <= set(table), f"{layer.name} names an unknown layer"
        assert layer.name not in layer.imports


def test_the_layers_have_no_cycle() -> None:
    table = read_table(ARCHITECTURE.read_text(encoding="utf-8"))
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"the layers table has a cycle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for dep in table[name].imports:
            visit(dep, (*path, name))
        done.add(name)

    for name in table:
        visit(name, ())


TABLE = """<!-- layers -->
| layer | holds | may import | libraries |
|---|---|---|---|
| `core` | pure | `base` | `yaml` |
| `base` | leaf | | |
| `web` | pages | `core`, `base` | any |
<!-- /layers -->"""


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    pkg = tmp_path / "pkg" / "guichet"
    for name, body in {"__init__.py": "", **files}.items():
        target = pkg / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    return pkg


@pytest.mark.parametrize(
    ("source", "edge"),
    [
        ("from guichet.web import page\n", ("core", "web")),
        ("def f() -> None:\n    from guichet.web.page import x\n", ("core", "web")),
        ("import typing\nif typing.TYPE_CHECKING:\n    import guichet.web\n", ("core", "web")),
        ("from ..web import page\n", ("core", "web")),
        ("from guichet import web\n", ("core", "web")),
        ("import importlib\nimportlib.import_module('guichet.web.page')\n", ("core", "web")),
        ("import sqlalchemy\n", ("core", "sqlalchemy")),
        ("import guichet_testing.simlog\n", ("core", "guichet_testing")),
    ],
)
def test_a_forbidden_import_is_named_with_its_file_and_line(
    tmp_path: Path, source: str, edge: tuple[str, str] | None
) -> None:
    """Each way of importing is seen: the checker itself can fail (issue 13)."""
    pkg = _tree(
        tmp_path,
        {
            "base/__init__.py": "",
            "core/__init__.py": "",
            "core/mod.py": "import json\nimport yaml\nfrom guichet.base import x\n\n" + source,
            "web/__init__.py": "",
            "web/page.py": "import fastapi\nfrom guichet.core import mod\n",
        },
    )
    found = violations(pkg, read_table(TABLE))
    assert [(v.importer, v.imported) for v in found] == [edge]
    assert found[0].path == "pkg/guichet/core/mod.py"
    assert found[0].line >= 5


def test_allowed_imports_pass(tmp_path: Path) -> None:
    pkg = _tree(
        tmp_path,
        {
            "base/__init__.py": "",
            "core/__init__.py": "from . import mod\n",
            "core/mod.py": "import yaml\nfrom guichet.base import x\nfrom .other import y\n",
            "core/other.py": "",
            "web/__init__.py": "import fastapi\nfrom guichet.core import mod\n",
        },
    )
    assert violations(pkg, read_table(TABLE)) == []
