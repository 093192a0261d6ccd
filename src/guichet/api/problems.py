"""RFC 9457 problem documents for every error the API returns.

Validation errors of the query, the path and the body are 422 naming the field (issue 12
finding 5); a body that is not JSON says so without naming a field (finding 8).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from guichet.errors import FieldProblem, GuichetError, Unavailable

PROBLEM_JSON = "application/problem+json"


def problem_body(
    *,
    instance: str,
    status: int,
    title: str,
    detail: str,
    code: str,
    problems: list[FieldProblem] | None = None,
    rule: str | None = None,
    field: str | None = None,
) -> dict[str, Any]:
    """The JSON of a problem document."""
    body: dict[str, Any] = {
        "type": f"urn:guichet:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    if rule is not None:
        body["rule"] = rule
    if problems:
        body["errors"] = [
            {"field": p.field, "message": p.message, "rule": p.rule, "code": p.code}
            for p in problems
        ]
    return body


def problem_response(
    request: Request,
    *,
    status: int,
    title: str,
    detail: str,
    code: str,
    problems: list[FieldProblem] | None = None,
    rule: str | None = None,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build an ``application/problem+json`` response."""
    body = problem_body(
        instance=request.url.path,
        status=status,
        title=title,
        detail=detail,
        code=code,
        problems=problems,
        rule=rule,
        field=field,
    )
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _body_model(request: Request) -> type[BaseModel] | None:
    """The pydantic model of the route's JSON body, if any (to look up field rule ids)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    for param in dependant.body_params:
        annotation = getattr(param.field_info, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
    return None


def _rule_for(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str | None:
    """Find the ``x-rule`` a schema field declares (``rule_field(...)``), following ``loc``."""
    current: Any = model
    rule: str | None = None
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            break
        info = current.model_fields.get(str(part))
        if info is None:
            break
        extra = info.json_schema_extra
        if isinstance(extra, dict) and isinstance(extra.get("x-rule"), str):
            rule = str(extra["x-rule"])
        current = info.annotation
    return rule


def _is_member_tag(part: Any) -> bool:
    """A ``loc`` part pydantic adds for a union member (``str``, ``function-after[...]``)."""
    return isinstance(part, str) and (
        part in _TYPE_TAGS or "[" in part or part.startswith(("function-", "constrained-"))
    )


_TYPE_TAGS = frozenset(
    {"str", "int", "float", "bool", "list", "dict", "none", "is-instance", "literal", "enum"}
)


def _validation_problems(request: Request, exc: RequestValidationError) -> list[FieldProblem]:
    model = _body_model(request)
    problems = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        where = loc[0] if loc else "body"
        # A parameter is named as it is spelled (``skill_id``, not ``query.skill_id``).
        path = tuple(p for p in loc[1:] if not _is_member_tag(p)) if len(loc) > 1 else loc
        field = ".".join(str(p) for p in path) or str(where)
        err_type = str(err.get("type", "invalid"))
        # Custom validators raise PydanticCustomError("R-..", msg): the type is the rule id.
        rule = err_type if err_type.startswith("R-") else None
        if rule is None and where == "body":
            rule = _rule_for(model, path)
        message = str(err.get("msg", "invalid value"))
        code = "invalid" if err_type.startswith("R-") else err_type
        problems.append(FieldProblem(field, message, rule, code))
    return problems


def _not_json(exc: RequestValidationError) -> bool:
    """FastAPI reports a body it cannot parse as one ``json_invalid`` error at an offset."""
    errors = exc.errors()
    return len(errors) == 1 and errors[0].get("type") == "json_invalid"


NOT_JSON = "the body is not valid JSON"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(GuichetError)
    async def _guichet_error(request: Request, exc: GuichetError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if isinstance(exc, Unavailable):  # 503: when to try again (RFC 9110)
            headers = {"Retry-After": str(exc.retry_after)}
        return problem_response(
            request,
            status=exc.status,
            title=exc.title,
            detail=exc.detail,
            code=exc.code,
            problems=exc.problems,
            rule=exc.rule,
            field=exc.field,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        if _not_json(exc):  # no field to name: the offset FastAPI gives is no field
            return problem_response(
                request, status=422, title="Invalid input", detail=NOT_JSON, code="invalid_json"
            )
        problems = _validation_problems(request, exc)
        first = problems[0] if problems else None
        return problem_response(
            request,
            status=422,
            title="Invalid input",
            detail="; ".join(f"{p.field}: {p.message}" for p in problems) or "invalid input",
            code="invalid",
            problems=problems,
            rule=first.rule if first else None,
            field=first.field if first else None,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            request,
            status=exc.status_code,
            title=str(exc.detail) if exc.detail else "Error",
            detail=str(exc.detail),
            code=f"http_{exc.status_code}",
            headers=dict(exc.headers) if exc.headers else None,
        )
