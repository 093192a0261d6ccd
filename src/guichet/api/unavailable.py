"""503 answers with ``Retry-After`` for :class:`guichet.errors.Unavailable` (RFC 9457, RFC 9110).

The generic problem handler (``guichet.api.problems``) knows no ``Retry-After``; this handler,
registered for the subclass, is found first (handlers are looked up along the exception's
MRO). An exhausted database pool (``guichet.persistence.db.PoolExhausted``) answers here.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from guichet.api.problems import problem_response
from guichet.errors import Unavailable


async def unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The 503 problem document, with ``Retry-After`` in seconds."""
    assert isinstance(exc, Unavailable)
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        code=exc.code,
        headers={"Retry-After": str(exc.retry_after)},
    )


def install(app: FastAPI) -> None:
    """Register the handler (after ``problems.install``)."""
    app.add_exception_handler(Unavailable, unavailable)
