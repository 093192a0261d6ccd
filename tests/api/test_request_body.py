"""The request-body gate (issue 12 findings 6 and 8): a size limit answered 413 before parsing,
and well-formed JSON (no duplicate key, no parse error posing as a field, bounded nesting)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from guichet.api import create_app
from guichet.persistence.db import create_engine
from guichet.persistence.models import Base
from tests.api.conftest import test_settings as settings_for
from tests.conftest import Database
from tests.factories import Org, World, problem

API = "/api/v1"


@pytest.fixture
async def small(database: Database) -> AsyncIterator[World]:
    """The app with a 4 KiB request-body limit."""
    engine = create_engine(database.url, search_path=database.schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    settings = settings_for(database).model_copy(update={"max_request_body_bytes": 4096})
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield World(app=app, client=client)
    await app.state.guichet.engine.dispose()


async def test_a_declared_body_over_the_limit_is_413_before_parsing(small: World) -> None:
    """A body over GUICHET_MAX_REQUEST_BODY_BYTES is a 413 problem, even when it is not JSON
    (nothing parsed it) and without credentials; a body under it reaches the route."""
    org = await small.org("alpha")
    big = b"{" + b" " * 5000
    r = await small.client.post(
        f"{API}/labels", content=big, headers={"content-type": "application/json"}
    )
    body = problem(r, 413)
    assert body["code"] == "body_too_large" and "4096" in body["detail"]
    ok = await small.client.post(f"{API}/labels", json={"name": "x" * 90}, headers=org.admin)
    assert ok.status_code == 201, ok.text


async def test_a_streamed_body_over_the_limit_is_413(small: World) -> None:
    """A body sent without Content-Length is counted as it arrives."""
    org = await small.org("alpha")

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    headers = {**org.admin, "content-type": "application/json"}
    r = await small.client.post(f"{API}/labels", content=chunks(), headers=headers)
    assert "content-length" not in r.request.headers
    assert problem(r, 413)["code"] == "body_too_large"
    assert (await small.client.get(f"{API}/labels", headers=org.admin)).json() == []


async def test_the_default_limit_is_one_mebibyte(world: World, org_a: Org) -> None:
    """Default 1 MiB: a 2 MB body of attributes is refused before any parsing."""
    attributes = {f"k{i}": "v" * 2000 for i in range(1000)}
    r = await world.client.post(
        f"{API}/interactions",
        json={"channel": "chat", "attributes": attributes},
        headers=org_a.admin,
    )
    assert problem(r, 413)["code"] == "body_too_large"
    assert world.state.settings.max_request_body_bytes == 1_048_576


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"name": "a", "name": "b"}', "name"),
        ('{"name": "a", "active": true, "active": false}', "active"),
    ],
)
async def test_duplicate_keys_are_refused(world: World, org_a: Org, raw: str, field: str) -> None:
    """A key twice in one object is a 422 naming it (JSON parsers disagree on which wins)."""
    headers = {**org_a.admin, "content-type": "application/json"}
    r = await world.client.post(f"{API}/labels", content=raw, headers=headers)
    body = problem(r, 422)
    assert (body["code"], body["field"]) == ("duplicate_key", field)
    assert (await world.client.get(f"{API}/labels", headers=org_a.admin)).json() == []


async def test_nested_duplicate_keys_name_their_path(world: World, org_a: Org) -> None:
    """The path of a nested repeated key is given (filters.queue_id)."""
    raw = '{"kind": "interactions", "filters": {"queue_id": [1], "queue_id": [2]}}'
    headers = {**org_a.admin, "content-type": "application/json"}
    r = await world.client.post(f"{API}/export-jobs", content=raw, headers=headers)
    assert problem(r, 422)["field"] == "filters.queue_id"


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": ',
        "{'name': 'x'}",
        '{"name": NaN}',
        '{"name": "x", "n": 1e400}',
        "\xff\xfe",
        '{"name": "x"} trailing',
    ],
)
async def test_a_body_that_is_not_json_says_so_without_a_field(
    world: World, org_a: Org, raw: str
) -> None:
    """No character offset posing as a field: the body is not valid JSON."""
    headers = {**org_a.admin, "content-type": "application/json"}
    r = await world.client.post(f"{API}/labels", content=raw.encode("latin-1"), headers=headers)
    body = problem(r, 422)
    assert body["detail"] == "the body is not valid JSON" and body["code"] == "invalid_json"
    assert "field" not in body and "errors" not in body


async def test_a_deeply_nested_body_is_refused(world: World, org_a: Org) -> None:
    """Nesting is bounded before any model sees the body (no recursion error)."""
    raw = '{"name": "x", "graph": ' + "[" * 5000 + "]" * 5000 + "}"
    headers = {**org_a.admin, "content-type": "application/json"}
    r = await world.client.post(f"{API}/flows", content=raw, headers=headers)
    assert problem(r, 422)["code"] == "too_deep"
    shallow = '{"name": "x", "graph": ' + "[" * 40 + "]" * 40 + "}"
    r = await world.client.post(f"{API}/flows", content=shallow, headers=headers)
    assert problem(r, 422)["code"] == "too_deep"
