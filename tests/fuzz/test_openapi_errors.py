"""The OpenAPI document states the error answers the API really gives (issue 12, the fuzzing
suite): every error is an RFC 9457 problem document in ``application/problem+json``, not
FastAPI's default ``HTTPValidationError`` in ``application/json``, which schemathesis refused
on every 422 of every operation (``content_type_conformance``)."""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from guichet.api import create_app
from guichet.config import Settings
from tests.factories import World, problem

PROBLEM_JSON = "application/problem+json"


def _openapi() -> dict[str, Any]:
    doc: dict[str, Any] = create_app(
        Settings(dev=True, database_url="sqlite+aiosqlite:///:memory:")
    ).openapi()
    return doc


def _error_schema(doc: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    """The documented schema of a ``status`` answer (exact status first, then ``4XX``)."""
    responses = doc["paths"][path][method]["responses"]
    declared = responses.get(str(status)) or responses["4XX"]
    schema: dict[str, Any] = declared["content"][PROBLEM_JSON]["schema"]
    return schema


def test_every_operation_documents_its_errors_as_problem_documents() -> None:
    doc = _openapi()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        if path == "/healthz":
            continue  # answers 200 or nothing
        for method, operation in item.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            assert "4XX" in responses, where
            for status, declared in responses.items():
                if status.startswith(("4", "5")):
                    assert set(declared["content"]) == {PROBLEM_JSON}, (where, status)
                    schema = declared["content"][PROBLEM_JSON]["schema"]
                    assert {"type", "title", "status", "detail", "code"} <= set(
                        schema["required"]
                    ), (where, status)


async def test_problem_answers_match_the_documented_schema(world: World) -> None:
    doc = _openapi()
    org = await world.org()
    seen = []
    for method, path, template, body, headers, status in (
        ("get", "/api/v1/users", "/api/v1/users", None, {"authorization": "Bearer nope"}, 401),
        ("get", "/api/v1/queues/999999", "/api/v1/queues/{queue_id}", None, org.admin, 404),
        ("post", "/api/v1/queues", "/api/v1/queues", {"kind": "nope"}, org.admin, 422),
        ("post", "/api/v1/auth/login", "/api/v1/auth/login", {"email": "x@y.z"}, {}, 422),
        (
            "post",
            "/api/v1/auth/login",
            "/api/v1/auth/login",
            {"email": "nobody@x.test", "password": "wrong-password"},
            {},
            401,
        ),
    ):
        r = await world.client.request(method, path, json=body, headers=headers)
        answer = problem(r, status)
        validator = jsonschema_rs.validator_for(_error_schema(doc, template, method, status))
        errors = [e.message for e in validator.iter_errors(answer)]
        assert not errors, (method, path, answer, errors)
        seen.append(status)
    assert sorted(set(seen)) == [401, 404, 422]
