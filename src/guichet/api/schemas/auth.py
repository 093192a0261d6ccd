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

    access_token: str = Field(description="send it as ``Authorization: Bearer <token>``")
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds the session lasts")


class MeRead(Output):
    """The authenticated user."""

    id: int
    org_id: int = Field(description="the caller's organization")
    email: str
    display_name: str
    roles: list[str] = Field(description="R-P-1: administrator, supervisor, agent")
    department_id: int | None = Field(description="the department the user belongs to")
    permissions: list[str] = Field(description="R-P-*: the permissions the caller holds")


class ApiTokenCreate(Input):
    """A personal API token request."""

    name: Line = Field(min_length=1, max_length=200)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiTokenRead(Output):
    """A personal API token (its value is never shown again)."""

    id: int
    name: str
    prefix: str = Field(description="the token's first characters, to recognize it")
    created_at: UTCTime
    expires_at: UTCTime | None = Field(description="None: it does not expire")
    last_used_at: UTCTime | None = Field(description="when it last authenticated a request")


class ApiTokenCreated(ApiTokenRead):
    """The answer to a token creation: the only time the value is shown."""

    token: str = Field(description="the token's value: shown in this answer only")
