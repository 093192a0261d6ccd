"""The error answers every route declares in the OpenAPI document.

Every error is an RFC 9457 problem document served as ``application/problem+json``
(``guichet.api.problems``), never FastAPI's default ``HTTPValidationError`` in
``application/json``: routers declare them with ``responses=CLIENT_ERRORS`` so that the
document states what clients (and schemathesis, tests/fuzz) actually receive.
"""

from __future__ import annotations

from typing import Any

from guichet.api.problems import PROBLEM_JSON
from guichet.api.schemas.problem import Problem, inline_schema

PROBLEM_CONTENT: dict[str, Any] = {PROBLEM_JSON: {"schema": inline_schema(Problem)}}

# One range for every client error: 401 (no or bad token), 403 (not allowed), 404 (not in the
# caller's organization), 409 (conflicts with a rule), 413, 422 (invalid input), 429.
CLIENT_ERRORS: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "description": "A problem document: the status, a stable `code`, and for invalid "
        "input the `field` and the `rule` it breaks (`errors` lists every field).",
        "content": PROBLEM_CONTENT,
    }
}


def problem(description: str) -> dict[str, Any]:
    """One declared error status, answered with a problem document."""
    return {"description": description, "content": PROBLEM_CONTENT}
