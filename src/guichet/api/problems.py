"""RFC 9457 problem documents for every error the API returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from guichet.errors import FieldProblem, GuichetError

PROBLEM_JSON = "application/problem+json"


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
    body: dict[str, Any] = {
        "type": f"urn:guichet:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
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


def _validation_problems(request: Request, exc: RequestValidationError) -> list[FieldProblem]:
    model = _body_model(request)
    problems = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        where = loc[0] if loc else "body"
        path = loc[1:] if where == "body" else loc
        field = ".".join(str(p) for p in path) or str(where)
        err_type = str(err.get("type", "invalid"))
        # Custom validators raise PydanticCustomError("R-..", msg): the type is the rule id.
        rule = err_type if err_type.startswith("R-") else None
        if rule is None and where == "body":
            rule = _rule_for(model, path)
        message = str(err.get("msg", "invalid value"))
        problems.append(FieldProblem(field, message, rule, "R-rule" if rule else err_type))
    return problems


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(GuichetError)
    async def _guichet_error(request: Request, exc: GuichetError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
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
