"""Routes are thin: nothing under `src/guichet/api/` commits or publishes (issue 13, DESIGN).

Actions are the only writers: a `do_*` commits, then publishes what changed. A route that
commits could publish before its transaction is durable, or write what no action checked.
The check reads every call in the API package, so `session.commit()`, `writer.commit()`,
`bus.publish(...)` and `router.publish(...)` are all seen whatever the receiver is called.
"""

from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "src" / "guichet" / "api"
FORBIDDEN = frozenset({"commit", "publish"})


def writing_calls(root: Path) -> list[str]:
    """``file:line: .name()`` for every call of a forbidden method under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        calls = [
            (node.lineno, node.col_offset, node.func.attr)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in FORBIDDEN
        ]
        # ast.walk goes breadth first (an awaited call is one level deeper): list by position.
        for line, _, name in sorted(calls):
            found.append(f"{path.relative_to(root.parent)}:{line}: .{name}()")
    return found


def test_no_route_commits_or_publishes() -> None:
    found = writing_calls(API)
    assert not found, "move these into an action:\n" + "\n".join(found)


def test_the_check_sees_a_commit(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "r.py").write_text(
        "async def f(s, b):\n    await s.commit()\n    b.publish(1, {}, user_ids=[])\n"
    )
    assert writing_calls(tmp_path / "api") == ["api/r.py:2: .commit()", "api/r.py:3: .publish()"]
