"""Input rules of the whole HTTP API (issue 12 findings 5-8).

- 5: every validation error is a 422 problem naming the field; repeated filters share one limit.
- 6: a cap per field (the body limit: test_request_body.py).
- 7: one text rule: no control characters, NFKC before uniqueness, ASCII digits (R-Q-1).
- 8: strict bodies (no ``"10"`` for an integer); duplicate keys and parse errors:
  test_request_body.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from guichet.api.schemas.common import MAX_FILTER_VALUES
from tests.factories import Org, World, problem

API = "/api/v1"


def _ids(count: int, start: int = 1_000_000) -> list[int]:
    return list(range(start, start + count))


# --- finding 5: repeated filters, one limit, always a 422 problem -----------------------------


@pytest.mark.parametrize("name", ["skill_id", "queue_id", "agent_id"])
@pytest.mark.parametrize(
    "url", [f"{API}/exports/interactions.csv", f"{API}/analytics/callers-in-queue"]
)
async def test_one_filter_too_many_is_a_422_naming_it(
    world: World, org_a: Org, url: str, name: str
) -> None:
    """R-AN-5: one value over the shared limit is a 422 problem naming the filter (the CSV
    export answered 500 text/plain with 101 skill_id or queue_id values)."""
    r = await world.client.get(url, params={name: _ids(MAX_FILTER_VALUES + 1)}, headers=org_a.admin)
    body = problem(r, 422)
    assert body["field"] == name, body
    assert body["errors"][0]["code"] == "too_long"


@pytest.mark.parametrize("name", ["skill_id", "queue_id", "agent_id"])
@pytest.mark.parametrize(
    "url", [f"{API}/exports/interactions.csv", f"{API}/analytics/callers-in-queue"]
)
async def test_the_limit_itself_is_accepted_everywhere(
    world: World, org_a: Org, url: str, name: str
) -> None:
    """R-AN-5: exactly the limit passes the length check on every endpoint: what is left is
    the organization check, which names the field too."""
    r = await world.client.get(url, params={name: _ids(MAX_FILTER_VALUES)}, headers=org_a.admin)
    body = problem(r, 422)
    assert body["field"] == name and "unknown id" in body["detail"], body


async def test_export_job_filters_share_the_limit(world: World, org_a: Org) -> None:
    """R-AN-5, R-AN-6: an export job's body takes as many ids as the query string."""
    url = f"{API}/export-jobs"
    over = {"kind": "interactions", "filters": {"skill_id": _ids(MAX_FILTER_VALUES + 1)}}
    body = problem(await world.client.post(url, json=over, headers=org_a.admin), 422)
    assert body["field"] == "filters.skill_id", body
    assert body["errors"][0]["code"] == "too_long"
    at = {"kind": "interactions", "filters": {"queue_id": _ids(MAX_FILTER_VALUES)}}
    body = problem(await world.client.post(url, json=at, headers=org_a.admin), 422)
    assert body["field"] == "queue_id" and "unknown id" in body["detail"], body


async def test_openapi_states_one_limit_for_repeated_filters(world: World) -> None:
    """Every repeated id filter of the query string declares the same maxItems."""
    doc = (await world.client.get("/api/openapi.json")).json()
    limits = set()
    for path in (
        "/api/v1/exports/{kind}.csv",
        "/api/v1/analytics/callers-in-queue",
        "/api/v1/analytics/realtime",
    ):
        for param in doc["paths"][path]["get"]["parameters"]:
            if param["name"] in ("queue_id", "agent_id", "skill_id"):
                limits.add(param["schema"]["maxItems"])
    job = doc["components"]["schemas"]["ExportFiltersIn"]["properties"]
    limits |= {job[name]["maxItems"] for name in ("queue_id", "agent_id", "skill_id")}
    assert limits == {MAX_FILTER_VALUES}


# --- finding 6: request body limit and field caps ---------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({f"k{i}": i for i in range(101)}, "attributes"),
        ({"plan": "x" * 2049}, "attributes.plan"),
        ({"k" * 65: 1}, "attributes"),
    ],
)
async def test_contact_attributes_are_capped(
    world: World, org_a: Org, attributes: dict[str, Any], field: str
) -> None:
    """R-TR-2: at most 100 attributes, names of 64 and texts of 2048 characters."""
    r = await world.client.post(
        f"{API}/interactions",
        json={"channel": "chat", "attributes": attributes},
        headers=org_a.admin,
    )
    body = problem(r, 422)
    assert body["field"].startswith(field), body
    assert body["rule"] == "R-TR-2"


# --- finding 7: one text rule ------------------------------------------------------------------


async def _chat_queue(world: World, org: Org) -> int:
    r = await world.client.post(
        f"{API}/queues",
        json={"kind": "chat", "name": "Chat", "channel_types": ["chat"]},
        headers=org.admin,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({"name": "Eve\x00", "email": "eve@example.test"}, "contact.name"),
        ({"name": "Eve", "phone": "+33\x00612345678"}, "contact.phone"),
        ({"name": "Eve", "phone": "+３３６１２３４５６７８"}, "contact.phone"),
        ({"name": "Eve\u202egnp.exe", "email": "eve@example.test"}, "contact.name"),
        ({"name": "Eve", "email": "eve\x07@example.test"}, "contact.email"),
    ],
)
async def test_intake_refuses_control_characters_in_the_contact(
    world: World, org_a: Org, contact: dict[str, str], field: str
) -> None:
    """NUL, bidi overrides and bells never reach a stored contact; phone digits are ASCII."""
    queue = await _chat_queue(world, org_a)
    body = {"channel": "chat", "queue_id": queue, "contact": contact}
    r = await world.client.post(f"{API}/interactions", json=body, headers=org_a.admin)
    assert problem(r, 422)["field"] == field
    listed = (await world.client.get(f"{API}/interactions", headers=org_a.admin)).json()
    assert listed["items"] == []


async def test_notes_are_multi_line_text_without_other_controls(world: World, org_a: Org) -> None:
    """R-W-3: notes may hold line breaks and tabs, never NUL or another control character."""
    queue = await _chat_queue(world, org_a)
    # Notes are written on a conversation an agent holds (docs/concepts.md, states): Ada takes it.
    members = {"agents": [org_a.admin_id], "supervisors": []}
    for method, path, payload in (
        ("PUT", f"/queues/{queue}/members", members),
        ("PUT", "/agent/queues", {"queue_ids": [queue]}),
        ("PUT", "/agent/state", {"state": "available"}),
    ):
        got = await world.client.request(method, API + path, json=payload, headers=org_a.admin)
        assert got.status_code == 200, got.text
    body = {"channel": "chat", "queue_id": queue, "contact": {"name": "Eve"}}
    r = await world.client.post(f"{API}/interactions", json=body, headers=org_a.admin)
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    got = await world.client.post(f"{API}/agent/offers/{iid}/accept", headers=org_a.admin)
    assert got.status_code == 200, got.text
    url = f"{API}/interactions/{iid}/wrap-up"
    for notes in ("called back\x00", "a\x1bb", "end\u2028"):
        body = problem(
            await world.client.patch(url, json={"notes": notes}, headers=org_a.admin), 422
        )
        code = body["errors"][0]["code"]
        assert (body["field"], body["rule"], code) == ("notes", "R-W-3", "control_character")
    r = await world.client.patch(url, json={"notes": "line 1\n\tline 2\r\n"}, headers=org_a.admin)
    assert r.status_code == 200, r.text
    assert r.json()["notes"] == "line 1\n\tline 2\r\n"


async def test_messages_refuse_control_characters_but_keep_emoji_joiners(
    world: World, org_a: Org
) -> None:
    """A transcript message is multi-line text; the zero-width joiner of an emoji is text."""
    queue = await _chat_queue(world, org_a)
    body = {"channel": "chat", "queue_id": queue, "contact": {"name": "Eve"}}
    created = await world.client.post(f"{API}/interactions", json=body, headers=org_a.admin)
    url = f"{API}/interactions/{created.json()['id']}/messages"
    bad = {"body": "hello\x00", "sender": "contact"}
    assert problem(await world.client.post(url, json=bad, headers=org_a.admin), 422)["field"] == (
        "body"
    )
    good = {"body": "merci 👩\u200d💻\nà bientôt", "sender": "contact"}
    r = await world.client.post(url, json=good, headers=org_a.admin)
    assert r.status_code == 201, r.text
    assert r.json()["body"] == good["body"]


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        ("/labels", {}),
        ("/tags", {}),
        ("/pause-reasons", {}),
        ("/skills", {}),
        ("/dispositions", {}),
        ("/queues", {"kind": "chat", "channel_types": ["chat"]}),
        ("/departments", {}),
    ],
)
async def test_full_width_names_are_duplicates(
    world: World, org_a: Org, url: str, extra: dict[str, Any]
) -> None:
    """Uniqueness compares NFKC case-folded names: a full-width ``Ｕrgent`` is ``Urgent``
    (R-SK-1, R-Q-9, R-Q-10, R-W-2, R-W-3, R-Q-1)."""
    first = await world.client.post(
        f"{API}{url}", json={"name": "Urgent", **extra}, headers=org_a.admin
    )
    assert first.status_code == 201, first.text
    for twin in ("Ｕrgent", "ＵＲＧＥＮＴ", "urgent"):
        r = await world.client.post(
            f"{API}{url}", json={"name": twin, **extra}, headers=org_a.admin
        )
        assert problem(r, 409)["field"] == "name", (url, twin)


async def test_extensions_are_ascii_digits(world: World, org_a: Org) -> None:
    """R-Q-1: an extension is 2-10 ASCII digits; full-width or Arabic-Indic digits are not."""
    for extension in ("１２３", "١٢٣", "12\x00", "+12"):
        r = await world.client.post(
            f"{API}/queues",
            json={"kind": "call", "name": f"Q{extension}", "extension": extension},
            headers=org_a.admin,
        )
        body = problem(r, 422)
        assert (body["field"], body["rule"]) == ("extension", "R-Q-1"), (extension, body)
    r = await world.client.post(
        f"{API}/queues",
        json={"kind": "call", "name": "Ok", "extension": "123"},
        headers=org_a.admin,
    )
    assert r.status_code == 201, r.text


async def test_calendar_times_and_thresholds_are_ascii_digits(world: World, org_a: Org) -> None:
    """R-Q-3 calendar hours and R-Q-6 thresholds given as text take ASCII digits only."""
    slot = {"day": "mon", "start": "０９:００", "end": "17:00"}
    r = await world.client.post(
        f"{API}/campaigns",
        json={"name": "C", "caller_id": "+33123456789", "calendar": [slot]},
        headers=org_a.admin,
    )
    assert problem(r, 422)["field"] == "calendar.0.start"
    threshold = {"value": "１２", "unit": "seconds"}
    r = await world.client.post(
        f"{API}/queues",
        json={"kind": "call", "name": "Q", "callback_threshold": threshold},
        headers=org_a.admin,
    )
    body = problem(r, 422)
    assert body["field"] == "callback_threshold.value" and body["rule"] == "R-Q-6", body


async def test_search_text_with_nul_is_refused_not_a_server_error(world: World, org_a: Org) -> None:
    """A NUL in a search (PostgreSQL refuses it in text) is a 422 naming the parameter."""
    for url in ("/labels", "/tags", "/users", "/interactions", "/contacts", "/dispositions"):
        r = await world.client.get(f"{API}{url}", params={"q": "a\x00b"}, headers=org_a.admin)
        assert problem(r, 422)["field"] == "q", url


# --- finding 8: strict types, duplicate keys, parse errors ------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "call", "name": "Q", "offer_timeout_s": "10"}, "offer_timeout_s"),
        ({"kind": "call", "name": "Q", "offer_timeout_s": 10.0}, "offer_timeout_s"),
        ({"kind": "call", "name": "Q", "agents_may_end_wrap_up": "yes"}, "agents_may_end_wrap_up"),
        ({"kind": "call", "name": "Q", "agents_may_end_wrap_up": 1}, "agents_may_end_wrap_up"),
        ({"kind": "call", "name": "Q", "skill_id": "1"}, "skill_id"),
        ({"kind": "call", "name": 12}, "name"),
    ],
)
async def test_bodies_are_strict(
    world: World, org_a: Org, body: dict[str, Any], field: str
) -> None:
    """A text is no integer, a number no boolean; enumerations still come as their value."""
    r = await world.client.post(f"{API}/queues", json=body, headers=org_a.admin)
    assert problem(r, 422)["field"] == field
    assert (await world.client.get(f"{API}/queues", headers=org_a.admin)).json() == []


async def test_strict_bodies_keep_enumerations_times_and_lax_query_strings(
    world: World, org_a: Org
) -> None:
    """Enumerations and ISO times arrive as text in JSON and pass; a number is no time;
    query-string integers are text by nature and stay accepted."""
    r = await world.client.post(
        f"{API}/queues",
        json={"kind": "chat", "name": "Q", "channel_types": ["chat"], "strategy": "round_robin"},
        headers=org_a.admin,
    )
    assert r.status_code == 201, r.text
    test = f"{API}/targeting-rules/test"
    ok = {"channel": "chat", "at": "2026-12-04T10:00:00+01:00"}
    assert (await world.client.post(test, json=ok, headers=org_a.admin)).status_code == 200
    bad = {"channel": "chat", "at": 1_800_000_000}
    assert problem(await world.client.post(test, json=bad, headers=org_a.admin), 422)["field"] == (
        "at"
    )
    r = await world.client.get(f"{API}/users", params={"limit": "10"}, headers=org_a.admin)
    assert r.status_code == 200, r.text


async def test_a_flow_graph_is_bounded_in_depth(world: World, org_a: Org) -> None:
    """R-Q-5: a graph nests at most 20 levels (the body itself may nest 32)."""
    deep = {"name": "x", "graph": {"nodes": json.loads("[" * 25 + "]" * 25)}}
    r = await world.client.post(f"{API}/flows", json=deep, headers=org_a.admin)
    body = problem(r, 422)
    assert body["field"] == "graph" and body["rule"] == "R-Q-5", body


@pytest.mark.parametrize("value", [0, 2**31, 2**40, 2**70])
async def test_path_ids_no_row_can_have_are_problems_not_server_errors(
    world: World, org_a: Org, value: int
) -> None:
    """Every route with an id in its path answers an id beyond storage with a problem
    document (404 like any unknown id, or 422), never a server error; on PostgreSQL too,
    whose driver refuses to bind such an integer."""
    doc = (await world.client.get("/api/openapi.json")).json()
    checked = 0
    for url, item in doc["paths"].items():
        params = [p for op in item.values() for p in op.get("parameters", []) if p["in"] == "path"]
        ids = {p["name"] for p in params if p["schema"].get("type") == "integer"}
        if not ids or "get" not in item:
            continue
        concrete = url
        for name in ids:
            concrete = concrete.replace("{" + name + "}", str(value))
        concrete = concrete.replace("{kind}", "interactions")
        r = await world.client.get(concrete, headers=org_a.admin)
        assert r.status_code in (404, 422), (concrete, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), concrete
        checked += 1
    assert checked >= 20
