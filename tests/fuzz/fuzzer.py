"""The schemathesis run: every operation of the live OpenAPI document, positive and negative data.

Each case is sent over real HTTP and checked three ways:

1. ``not_a_server_error``: no 5xx;
2. ``response_schema_conformance`` and ``content_type_conformance``: the answer is what the
   OpenAPI document says for its status;
3. no id of the rival organization anywhere in the answer (``tests/fuzz/ids.py``).

First come schemathesis's coverage cases (each parameter and body field at its boundaries and
just past them, valid and invalid; an internal API of schemathesis 4, hence the pin), then
Hypothesis generates positive and negative data (a fixed seed per operation; no shrinking:
every case that fails is recorded and the run goes on, so one run lists every failure found).
Path ids are drawn half the time from the fuzzed organization's own objects (so the cases
reach the code behind the 404), a fifth of the time from the rival's (which must answer 404),
else as generated.
"""

from __future__ import annotations

import contextlib
import json
import random
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import NO_FEEDBACK
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.fuzz.ids import ANY, IdBook, key_kind, path_kind, walk_ids

SEED = 20261204
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

# Operations that cannot be fuzzed meaningfully, and why.
EXCLUDED: dict[tuple[str, str], str] = {
    # Revokes the very token the run fuzzes with: every later case would be a 401.
    ("POST", "/api/v1/auth/logout"): "ends the fuzzing session",
}
# (The WebSocket /api/v1/ws is not an OpenAPI operation; its tickets endpoint is fuzzed.)

# Path parameters whose name does not say their table.
PARAM_KINDS = {
    "iid": "interactions",
    "agent_id": "users",
    "message_id": "canned_messages",
    "reason_id": "pause_reasons",
    "rule_id": "targeting_rules",
    "role_id": "access_roles",
    "job_id": "export_jobs",
    "token_id": "tokens",
}
# Writes under these paths can take rights away from the fuzzing user: checked after each.
SENSITIVE = ("/api/v1/users", "/api/v1/access-roles", "/api/v1/contact-center", "/api/v1/me")


@dataclass
class Finding:
    """One distinct failure: the first case that showed it and how many cases did."""

    operation: str
    check: str
    status: int | None
    title: str
    message: str
    curl: str
    response: str
    server_log: str = ""
    count: int = 1

    def line(self) -> str:
        return (
            f"{self.operation} -> {self.status} [{self.check}] {self.title}: "
            f"{self.message[:300]} (x{self.count})\n    {self.curl[:600]}\n"
            f"    answer: {self.response[:400]}"
            + (f"\n    server: {self.server_log[-800:]}" if self.server_log else "")
        )


@dataclass
class Fuzzing:
    """Who fuzzes, against what, and how to mend the fuzzing user when the run hurts them."""

    base: str
    headers: dict[str, str]
    own: IdBook
    rival: IdBook
    protected: set[int]
    victim: int
    repair: Callable[[], dict[str, str]]
    positive_examples: int
    negative_examples: int
    coverage_cases: int
    log: Path | None = None
    log_offset: int = 0

    def new_log(self) -> str:
        """What the server logged since the last call: the traceback of a 5xx."""
        if self.log is None or not self.log.exists():
            return ""
        with self.log.open("rb") as f:
            f.seek(self.log_offset)
            text = f.read().decode(errors="replace")
            self.log_offset = f.tell()
        return text


@dataclass
class Outcome:
    """What a run did and found."""

    operations: int = 0
    positive: int = 0
    negative: int = 0
    coverage: int = 0
    repairs: int = 0
    seconds: float = 0.0
    findings: dict[tuple[str, str, int | None, str], Finding] = field(default_factory=dict)
    excluded: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    foreign_probes: int = 0
    ids_checked: int = 0

    @property
    def cases(self) -> int:
        return self.positive + self.negative + self.coverage

    def record(self, finding: Finding) -> None:
        key = (finding.operation, finding.check, finding.status, finding.title)
        if key in self.findings:
            self.findings[key].count += 1
        else:
            self.findings[key] = finding

    def summary(self, who: str) -> str:
        checks: dict[str, int] = {}
        for f in self.findings.values():
            checks[f.check] = checks.get(f.check, 0) + 1
        found = ", ".join(f"{n} {c}" for c, n in sorted(checks.items())) or "none"
        return (
            f"schemathesis {schemathesis.__version__} as {who}: {self.operations} operations, "
            f"{self.cases} cases ({self.coverage} coverage, {self.positive} positive, "
            f"{self.negative} negative), "
            f"{self.foreign_probes} with a rival id in the path, {self.ids_checked} ids in answers "
            f"checked, {len(self.excluded)} excluded, "
            f"{self.repairs} repairs, {self.seconds:.0f} s; "
            f"distinct failures: {found}"
        )


def _param_kind(name: str) -> str:
    return PARAM_KINDS.get(name) or key_kind(name, ANY) or ANY


def _json(response: schemathesis.Response) -> Any:
    """The decoded JSON of an answer (``application/json`` or ``+json``), or None."""
    types = response.headers.get("content-type", [])
    if not any("json" in t for t in types):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def run(fz: Fuzzing, schema_url: str) -> Outcome:
    """Fuzz every operation of the document at ``schema_url``."""
    schema = schemathesis.openapi.from_url(schema_url, timeout=30)
    out = Outcome()
    session = requests.Session()
    started = time.monotonic()
    me = session.get(f"{fz.base}/api/v1/me", headers=fz.headers, timeout=30).json()
    baseline = (sorted(me["roles"]), sorted(me["permissions"]))

    def healthy() -> bool:
        r = session.get(f"{fz.base}/api/v1/me", headers=fz.headers, timeout=30)
        if r.status_code != 200:
            return False
        body = r.json()
        return (sorted(body["roles"]), sorted(body["permissions"])) == baseline

    def mend() -> None:
        fz.headers.clear()
        fz.headers.update(fz.repair())
        out.repairs += 1
        assert healthy(), "the fuzzing user could not be repaired"

    for result in schema.get_all_operations():
        op = result.ok()
        label = f"{op.method.upper()} {op.path}"
        if (op.method.upper(), op.path) in EXCLUDED:
            out.excluded.append(f"{label}: {EXCLUDED[(op.method.upper(), op.path)]}")
            continue
        out.operations += 1
        began = time.monotonic()
        rng = random.Random(SEED + zlib.crc32(label.encode()))
        for case in _coverage(op, fz.coverage_cases):
            _send(fz, out, session, op, label, case, rng, None, mend, healthy)
        for mode, examples in (
            (GenerationMode.POSITIVE, fz.positive_examples),
            (GenerationMode.NEGATIVE, fz.negative_examples),
        ):
            strategy = op.as_strategy(generation_mode=mode)

            one = _one(fz, out, session, op, label, mode, mend, healthy)
            test = given(case=strategy, data=st.data())(one)
            test = settings(
                max_examples=examples,
                phases=[Phase.explicit, Phase.generate],
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )(test)
            test = seed(SEED + zlib.crc32(f"{label} {mode.value}".encode()))(test)
            with contextlib.suppress(Unsatisfiable):  # nothing to negate: no input at all
                test()
        out.timings[label] = time.monotonic() - began
    out.seconds = time.monotonic() - started
    return out


def _coverage(op: Any, cap: int) -> list[Case]:
    """Schemathesis's coverage cases of ``op`` (boundaries and just past them, of every
    parameter and body field, valid and invalid), at most ``cap`` spread evenly."""
    if cap <= 0:
        return []
    generator = CoverageGenerator(
        operation=op,
        generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        generation_config=op.schema.config.generation_for(operation=op, phase="coverage"),
        auth_storage=None,
        override=Override(),
        feedback=NO_FEEDBACK,
        hooks=None,
    )
    cases = list(generator)
    if len(cases) <= cap:
        return cases
    step = len(cases) / cap
    return [cases[int(i * step)] for i in range(cap)]


def _one(
    fz: Fuzzing,
    out: Outcome,
    session: requests.Session,
    op: Any,
    label: str,
    mode: GenerationMode,
    mend: Callable[[], None],
    healthy: Callable[[], bool],
) -> Callable[[Case, st.DataObject], None]:
    """The body of one operation's Hypothesis test."""

    def one(case: Case, data: st.DataObject) -> None:
        _send(fz, out, session, op, label, case, data, mode, mend, healthy)

    return one


def _send(
    fz: Fuzzing,
    out: Outcome,
    session: requests.Session,
    op: Any,
    label: str,
    case: Case,
    data: st.DataObject | random.Random,
    mode: GenerationMode | None,
    mend: Callable[[], None],
    healthy: Callable[[], bool],
) -> None:
    """Send one case, run the checks, record what failed (mode None: a coverage case)."""
    method = op.method.upper()

    def choose(options: list[int], label: str) -> int:
        if isinstance(data, random.Random):
            return options[data.randrange(len(options))]
        return data.draw(st.sampled_from(options), label=label)

    for name, value in list((case.path_parameters or {}).items()):
        kind = _param_kind(name)
        pick = choose(list(range(10)), "id source")
        own = sorted(fz.own.by_kind.get(kind, set()))
        rival = sorted(fz.rival.by_kind.get(kind, set()))
        if pick < 5 and own:
            value = choose(own, name)
        elif pick < 7 and rival:
            value = choose(rival, name)
            out.foreign_probes += 1
        if kind == "users" and method in ("PATCH", "DELETE") and value in fz.protected:
            value = fz.victim  # the fuzzing users must stay usable: hurt another one
        case.path_parameters[name] = value
    if mode is None:
        out.coverage += 1
    elif mode is GenerationMode.POSITIVE:
        out.positive += 1
    else:
        out.negative += 1
    try:
        response = case.call(base_url=fz.base, session=session, headers=fz.headers, timeout=30)
    except requests.RequestException as exc:
        out.record(
            Finding(label, "transport", None, type(exc).__name__, str(exc), _curl(case, fz), "")
        )
        return
    status = response.status_code
    curl = _curl(case, fz)
    logged = fz.new_log()
    if status >= 500:
        time.sleep(0.5)  # the server logs the traceback after it has answered
        logged += fz.new_log()
    try:
        case.validate_response(
            response, checks=CHECKS, headers=fz.headers, transport_kwargs={"base_url": fz.base}
        )
    except FailureGroup as group:
        for failure in group.exceptions:
            assert isinstance(failure, Failure)
            out.record(
                Finding(
                    label,
                    _check_name(failure),
                    status,
                    failure.title,
                    failure.message,
                    curl,
                    response.text[:1000],
                    _traceback(logged) if status >= 500 else "",
                )
            )
    body = _json(response)
    if body is not None:
        context = path_kind(op.path)
        for found in walk_ids(body, context):
            out.ids_checked += 1
            if fz.rival.holds(found):
                out.record(
                    Finding(
                        label,
                        "foreign_id",
                        status,
                        f"id of the other organization under {found.key!r} ({found.kind})",
                        f"{found.where} = {found.value}",
                        curl,
                        response.text[:1000],
                    )
                )
            elif 200 <= status < 300 and found.kind != ANY:
                fz.own.add(found.kind, found.value)
    # A 401 is the answer to a wrong login, or the sign that the fuzzing session ended; a
    # successful write under SENSITIVE may have taken rights away: check, mend if so.
    suspicious = status == 401 or (
        method != "GET" and op.path.startswith(SENSITIVE) and status < 300
    )
    if suspicious and not healthy():
        mend()


def _traceback(log: str) -> str:
    """The last traceback in ``log``, without the frames of installed packages."""
    start = log.rfind("Traceback (most recent call last)")
    if start < 0:
        return ""
    lines = log[start:].splitlines()
    kept = [line for line in lines if "site-packages" not in line and not line.startswith("INFO")]
    return "\n".join(kept[-40:])


def _check_name(failure: Failure) -> str:
    names = {
        "ServerError": "not_a_server_error",
        "JsonSchemaError": "response_schema_conformance",
        "MalformedJson": "response_schema_conformance",
        "UndefinedContentType": "content_type_conformance",
        "MissingContentType": "content_type_conformance",
        "MalformedMediaType": "content_type_conformance",
    }
    return names.get(type(failure).__name__, type(failure).__name__)


def _curl(case: Case, fz: Fuzzing) -> str:
    try:
        curl = case.as_curl_command(base_url=fz.base)
        return curl.replace("curl ", 'curl -H "Authorization: Bearer $TOKEN" ', 1)
    except Exception as exc:  # a malformed case can make curl generation fail too
        return f"(no curl: {exc})"


def report(out: Outcome) -> str:
    """Every distinct failure, one paragraph each."""
    return "\n".join(f.line() for f in out.findings.values())


def dump(out: Outcome, who: str) -> str:
    """The findings as JSON, for a report written outside the test."""
    return json.dumps(
        {
            "who": who,
            "summary": out.summary(who),
            "foreign_probes": out.foreign_probes,
            "slowest": sorted(out.timings.items(), key=lambda kv: -kv[1])[:15],
            "findings": [f.__dict__ for f in out.findings.values()],
        },
        indent=1,
    )
