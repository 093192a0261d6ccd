"""Schemas of login, the caller, password change and API tokens."""

from __future__ import annotations

from pydantic import Field

from guichet.api.schemas.common import Input, Output, UTCTime
from guichet.api.schemas.text import Line


class LoginRequest(Input):
    """E-mail and password."""

    email: Line = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(Input):
    """One's current password and the new one (the rules of a user's password apply)."""

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class TokenRead(Output):
    """A bearer token for the API (the session cookie carries the same value)."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeRead(Output):
    """The authenticated user."""

    id: int
    org_id: int
    email: str
    display_name: str
    roles: list[str]
    department_id: int | None
    permissions: list[str]


class ApiTokenCreate(Input):
    """A personal API token request."""

    name: Line = Field(min_length=1, max_length=200)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiTokenRead(Output):
    """A personal API token (its value is never shown again)."""

    id: int
    name: str
    prefix: str
    created_at: UTCTime
    expires_at: UTCTime | None
    last_used_at: UTCTime | None


class ApiTokenCreated(ApiTokenRead):
    """The answer to a token creation: the only time the value is shown."""

    token: str
