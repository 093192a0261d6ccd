"""Schemathesis over the live OpenAPI document, as an administrator and as an agent (issue 12).

A real ``guichet serve`` runs on 127.0.0.1 against a fresh database (SQLite and PostgreSQL)
holding the demo organization, which is fuzzed, and a rival organization with objects of every
kind. Three checks, none may fail: no 5xx, every answer as the document says (schema and
content type for its status), and no id of the rival organization in any answer of the
fuzzed organization's users (R-P-1: organizations see nothing of each other).

Budget per operation: up to ``FUZZ_COVERAGE`` schemathesis coverage cases (boundaries), then
``FUZZ_POSITIVE`` + ``FUZZ_NEGATIVE`` Hypothesis cases (fewer when the operation has fewer
distinct inputs): about 4,900 cases per run, the four runs in under ten minutes on two cores. Set
``GUICHET_FUZZ_REPORT`` to a directory to get each run's findings as JSON there.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from guichet.actions.demo import DEMO_PASSWORD
from tests.conftest import Database
from tests.fuzz import fuzzer
from tests.fuzz.conftest import SUMMARIES
from tests.fuzz.world import (
    ADMIN_EMAIL,
    AGENT_EMAIL,
    VICTIM_EMAIL,
    cli,
    login,
    seed_own,
    seed_rival,
    serve,
    server_env,
)

FUZZ_COVERAGE = int(os.environ.get("GUICHET_FUZZ_COVERAGE", "25"))
FUZZ_POSITIVE = int(os.environ.get("GUICHET_FUZZ_POSITIVE", "14"))
FUZZ_NEGATIVE = int(os.environ.get("GUICHET_FUZZ_NEGATIVE", "7"))

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("role", ["administrator", "agent"])
def test_schemathesis_finds_no_failure(database: Database, tmp_path: Path, role: str) -> None:
    env = server_env(database, tmp_path)
    cli(env, "demo")
    log = tmp_path / "server.log"
    with serve(env, log) as base, httpx.Client(base_url=base, timeout=30) as c:
        rival = seed_rival(c, env)
        own, users = seed_own(c)
        email = ADMIN_EMAIL if role == "administrator" else AGENT_EMAIL
        assert rival.count() >= 30 and own.count() >= 30, (rival.by_kind, own.by_kind)

        def repair() -> dict[str, str]:
            cli(env, "demo")  # restores the demo users' roles, password and access rights
            with httpx.Client(base_url=base, timeout=30) as fresh:
                return login(fresh, email, DEMO_PASSWORD)

        fz = fuzzer.Fuzzing(
            base=base,
            headers=login(c, email, DEMO_PASSWORD),
            own=own,
            rival=rival,
            protected={users[ADMIN_EMAIL], users[AGENT_EMAIL]},
            victim=users[VICTIM_EMAIL],
            repair=repair,
            positive_examples=FUZZ_POSITIVE,
            negative_examples=FUZZ_NEGATIVE,
            coverage_cases=FUZZ_COVERAGE,
            log=log,
            log_offset=log.stat().st_size,
        )
        out = fuzzer.run(fz, f"{base}/api/openapi.json")
    who = f"{role} on {database.backend}"
    SUMMARIES.append(out.summary(who))
    report_dir = os.environ.get("GUICHET_FUZZ_REPORT")
    if report_dir:
        Path(report_dir).mkdir(parents=True, exist_ok=True)
        name = f"{database.backend}-{role}.json"
        (Path(report_dir) / name).write_text(fuzzer.dump(out, who))
    assert out.operations >= 100 and out.ids_checked >= 200, out.summary(who)
    assert not out.findings, out.summary(who) + "\n" + fuzzer.report(out)
