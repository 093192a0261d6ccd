"""The README's "A chat, live, with curl" runs, twice in a row, against one demo server
(issue 12 finding 10: a fixed `Idempotency-Key: demo-1` replayed the first answer on the
second run, then accept gave 409)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from guichet.cli.main import app
from tests.cli.test_cli import _env, _free_port
from tests.conftest import Database

README = Path(__file__).resolve().parents[2] / "README.md"

#: Every curl of the block must get a 2xx answer; any failing command stops the run.
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --max-time 20 "$@"; }
"""


def walkthrough() -> str:
    """The first shell block after the README's "A chat, live, with curl" heading."""
    text = README.read_text()
    section = text.split("### A chat, live, with curl", 1)[1]
    found = re.search(r"```sh\n(.*?)```", section, re.S)
    assert found is not None
    return found.group(1)


def test_the_walkthrough_reads_ids_from_answers() -> None:
    block = walkthrough()
    assert "demo-1" not in block
    assert "Idempotency-Key: demo-$(" in block  # a fresh key per run
    assert not re.search(r"/(offers|interactions)/\d", block), "ids come from the answers"


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README uses curl")
def test_the_walkthrough_runs_twice_against_one_demo(database: Database, tmp_path: Path) -> None:
    env = {**os.environ, **_env(database), "GUICHET_DATA_DIR": str(tmp_path)}
    assert CliRunner().invoke(app, ["demo"], env=_env(database)).exit_code == 0
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "guichet.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    script = PRELUDE + walkthrough().replace("B=http://127.0.0.1:8000", f"B={base}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    pytest.fail(f"server did not start: {out}")
                time.sleep(0.2)
        chats = []
        for run in (1, 2):
            done = subprocess.run(
                ["bash", "-c", script], capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, (run, done.stdout, done.stderr)
            assigned = re.findall(r'\{"id":(\d+),"channel":"chat","status":"assigned"', done.stdout)
            assert assigned, (run, done.stdout)
            chats.append(assigned[0])
        assert chats[0] != chats[1]  # a new chat each run, not a replay of the first
    finally:
        proc.terminate()
        proc.wait(timeout=10)
