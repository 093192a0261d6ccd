"""Every operation declares what it answers (issue 13): no untyped dict leaves the API.

For each operation of the OpenAPI document, a success answer with a body (2xx other than 204)
has a ``content`` whose schema says what the body is: for JSON a ``$ref`` to a model or a
typed schema (an object with ``properties``, an array whose ``items`` are typed, a scalar
``type``), never ``{}`` nor a bare ``{"type": "object"}``; for another media type (CSV) a
``type``. Every client error it lists (``4XX`` or an exact status) is the RFC 9457 problem
document of ``guichet.api.routes.responses``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from guichet.api import create_app
from guichet.api.problems import PROBLEM_JSON
from guichet.api.routes.responses import PROBLEM_CONTENT
from guichet.config import Settings

JSON = "application/json"


def _openapi() -> dict[str, Any]:
    doc: dict[str, Any] = create_app(
        Settings(dev=True, database_url="sqlite+aiosqlite:///:memory:")
    ).openapi()
    return doc


def typed(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    """Whether ``schema`` says what the value is (``$ref`` followed into ``components``)."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return typed(components[ref.removeprefix("#/components/schemas/")], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return all(typed(part, components) for part in schema[key])
    kind = schema.get("type")
    if kind == "object":
        return bool(schema.get("properties"))
    if kind == "array":
        return isinstance(schema.get("items"), dict) and typed(schema["items"], components)
    return isinstance(kind, str)


def untyped_answers(doc: dict[str, Any]) -> list[str]:
    """``METHOD path status`` of every success answer with a body and no typed schema."""
    components = doc.get("components", {}).get("schemas", {})
    found = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for status, declared in operation["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                where = f"{method.upper()} {path} {status}"
                content = declared.get("content") or {}
                if not content:
                    found.append(f"{where}: no content")
                for media, body in content.items():
                    schema = body.get("schema") or {}
                    ok = typed(schema, components) if media == JSON else "type" in schema
                    if not ok:
                        found.append(f"{where} {media}: {schema}")
    return found


def is_problem(content: dict[str, Any] | None) -> bool:
    """Whether ``content`` is the problem document, alone (FastAPI drops null defaults)."""
    if not content or set(content) != {PROBLEM_JSON}:
        return False
    schema = content[PROBLEM_JSON].get("schema") or {}
    expected = PROBLEM_CONTENT[PROBLEM_JSON]["schema"]
    return set(schema.get("properties") or {}) == set(expected["properties"]) and set(
        schema.get("required") or ()
    ) == set(expected["required"])


def untyped_errors(doc: dict[str, Any]) -> list[str]:
    """``METHOD path status`` of every listed client error that is no problem document."""
    found = []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for status, declared in operation["responses"].items():
                if status.startswith("4") and not is_problem(declared.get("content")):
                    found.append(f"{method.upper()} {path} {status}: {declared.get('content')}")
    return found


def test_every_success_answer_has_a_typed_schema() -> None:
    found = untyped_answers(_openapi())
    assert not found, "declare a response model:\n" + "\n".join(found)


def test_every_client_error_is_a_problem_document() -> None:
    found = untyped_errors(_openapi())
    assert not found, "\n".join(found)


def test_the_checks_see_an_untyped_answer() -> None:
    app = FastAPI()
    router = APIRouter()

    @router.get("/loose")
    async def loose() -> dict[str, Any]:
        return {}

    @router.get("/anything", responses={404: {"description": "gone"}})
    async def anything():  # type: ignore[no-untyped-def]  # untyped: the case checked
        return {}

    @router.get("/csv", responses={200: {"content": {"text/csv": {}}}})
    async def csv() -> list[int]:
        return []

    app.include_router(router)
    doc = app.openapi()
    assert [row.split(":")[0] for row in untyped_answers(doc)] == [
        "GET /loose 200 application/json",
        "GET /anything 200 application/json",
        "GET /csv 200 text/csv",
    ]
    assert [row.split(":")[0] for row in untyped_errors(doc)] == ["GET /anything 404"]
