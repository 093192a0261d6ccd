"""The schemathesis runs print their summary line at the end of the session."""

from __future__ import annotations

import pytest

from tests.api.conftest import world  # the API on a fresh database

__all__ = ["world"]

SUMMARIES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per run: operations, cases, failures (issue 12, the suite that keeps it found)."""
    for line in SUMMARIES:
        terminalreporter.write_line(line)
