"""`make bench` runs: every flag its recipe passes is one the bench script accepts (issue 12
finding 10: `--json` was passed to bench/simulate.py, which refused it)."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bench_commands() -> list[tuple[str, list[str]]]:
    """The (script, arguments) of each line of the Makefile's ``bench`` recipe."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = lines.index(next(line for line in lines if line.startswith("bench:")))
    out: list[tuple[str, list[str]]] = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        words = shlex.split(line.strip())
        script = next(w for w in words if re.fullmatch(r"bench/\w+\.py", w))
        out.append((script, words[words.index(script) + 1 :]))
    return out


def test_the_bench_recipe_names_scripts() -> None:
    commands = bench_commands()
    assert {script for script, _ in commands} >= {"bench/routing.py", "bench/simulate.py"}


def test_every_bench_script_accepts_the_flags_make_passes() -> None:
    for script, args in bench_commands():
        module = importlib.import_module(script.removesuffix(".py").replace("/", "."))
        parsed = module.build_parser().parse_args(args)  # SystemExit(2) on an unknown flag
        if "--json" in args:
            assert parsed.json is True
