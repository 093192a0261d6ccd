"""Domain errors with a code, the field at fault and the rule id (mapped to RFC 9457 by the API)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with the input: which field, under which rule, and why."""

    field: str
    message: str
    rule: str | None = None
    code: str = "invalid"


class GuichetError(Exception):
    """Base of the errors the API turns into problem documents."""

    status = 400
    title = "Bad request"
    default_code = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        rule: str | None = None,
        code: str | None = None,
        problems: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.problems = list(problems or [])
        if field is not None and not self.problems:
            self.problems.append(FieldProblem(field, detail, rule, self.code))
        self.field = (
            field if field is not None else (self.problems[0].field if self.problems else None)
        )
        self.rule = rule if rule is not None else (self.problems[0].rule if self.problems else None)


class Invalid(GuichetError):
    """The input breaks a rule (HTTP 422)."""

    status = 422
    title = "Invalid input"
    default_code = "invalid"


class Conflict(GuichetError):
    """The input clashes with existing data: duplicate name, extension... (HTTP 409)."""

    status = 409
    title = "Conflict"
    default_code = "conflict"


class NotFound(GuichetError):
    """The object does not exist, or belongs to another organization (HTTP 404)."""

    status = 404
    title = "Not found"
    default_code = "not_found"


class Unauthorized(GuichetError):
    """No valid credentials (HTTP 401)."""

    status = 401
    title = "Unauthorized"
    default_code = "unauthorized"


class Forbidden(GuichetError):
    """Authenticated, but not allowed to do this (HTTP 403)."""

    status = 403
    title = "Forbidden"
    default_code = "forbidden"


class Unavailable(GuichetError):
    """The server cannot take the request now; nothing was done, retry after ``retry_after``
    seconds (HTTP 503 with a ``Retry-After`` header)."""

    status = 503
    title = "Service unavailable"
    default_code = "unavailable"

    def __init__(self, detail: str, *, retry_after: int = 1, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = max(1, int(retry_after))


def invalid(field: str, message: str, rule: str | None = None, code: str = "invalid") -> Invalid:
    """Shorthand for a one-field validation error."""
    return Invalid(message, field=field, rule=rule, code=code)


def conflict(field: str, message: str, rule: str | None = None, code: str = "conflict") -> Conflict:
    """Shorthand for a one-field conflict."""
    return Conflict(message, field=field, rule=rule, code=code)


def not_found(noun: str, obj_id: object) -> NotFound:
    """The one wording of a 404: a readable noun and the id (``"user 2 not found"``).

    Nouns are words of docs/concepts.md, never table names (issue 12 finding 9).
    """
    return NotFound(f"{noun} {obj_id} not found")
