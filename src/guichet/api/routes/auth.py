"""Login, logout, the caller, password change, and personal API tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from guichet.actions import auth as actions
from guichet.api.deps import SESSION_COOKIE, CurrentUser, SessionDep, StateDep
from guichet.api.problems import problem_response
from guichet.api.routes.responses import CLIENT_ERRORS, PROBLEM_CONTENT
from guichet.api.schemas.auth import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    LoginRequest,
    MeRead,
    PasswordChange,
    TokenRead,
)
from guichet.authz import Permission
from guichet.security_throttle import LoginThrottled

router = APIRouter(tags=["auth"], responses=CLIENT_ERRORS)

_PROBLEM: dict[str, Any] = {"content": PROBLEM_CONTENT}
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many failed attempts for this account or client address "
        "(`code: login_throttled`); the `Retry-After` header says when to try again.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
        **_PROBLEM,
    }
}


def client_address(request: Request) -> str:
    """The peer address of the connection (``X-Forwarded-For`` is not trusted)."""
    return request.client.host if request.client else "unknown"


def throttled(request: Request, exc: LoginThrottled) -> Response:
    """The 429 problem document, with ``Retry-After``."""
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        detail=exc.detail,
        code=exc.code,
        headers={"Retry-After": str(exc.retry_after)},
    )


@router.post(
    "/auth/login",
    response_model=TokenRead,
    responses={401: {"description": "Wrong e-mail or password", **_PROBLEM}, **THROTTLED},
)
async def login(
    body: LoginRequest, request: Request, response: Response, session: SessionDep, state: StateDep
) -> TokenRead | Response:
    """Password login: a bearer token in the body and the same as an HttpOnly session cookie.

    Throttled per account and per client address: past the limit the answer is 429 with
    ``Retry-After``, whether or not the account exists and whatever the password.
    """
    ttl = state.settings.session_ttl_s
    try:
        _, token = await actions.do_login(
            session,
            passwords=state.passwords,
            throttle=state.login_throttle,
            address=client_address(request),
            email=body.email,
            password=body.password,
            ttl_s=ttl,
        )
    except LoginThrottled as exc:
        return throttled(request, exc)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=ttl,
        httponly=True,
        samesite="strict",
        secure=not state.settings.dev,
        path="/",
    )
    return TokenRead(access_token=token, expires_in=ttl)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentUser, session: SessionDep, response: Response) -> Response:
    """End the session (or revoke the API token) used for this request; clears the cookie.

    The token is refused by the next request (401) and a socket opened with it is closed at
    its next heartbeat.
    """
    await actions.do_logout(session, token_id=principal.token_id)
    response.status_code = status.HTTP_204_NO_CONTENT
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=MeRead)
async def me(principal: CurrentUser) -> MeRead:
    """The authenticated user, with the permissions they hold."""
    user = principal.user
    return MeRead(
        id=user.id,
        org_id=user.org_id,
        email=user.email,
        display_name=user.display_name,
        roles=list(user.roles),
        department_id=user.department_id,
        permissions=[p.value for p in Permission if principal.can(p)],
    )


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={403: {"description": "Wrong current password", **_PROBLEM}, **THROTTLED},
)
async def change_password(
    body: PasswordChange,
    request: Request,
    principal: CurrentUser,
    session: SessionDep,
    state: StateDep,
) -> Response:
    """Change one's password; every other session and every API token of the caller ends."""
    try:
        await actions.do_change_password(
            session,
            passwords=state.passwords,
            throttle=state.login_throttle,
            address=client_address(request),
            user=principal.user,
            token_id=principal.token_id,
            current_password=body.current_password,
            new_password=body.new_password,
        )
    except LoginThrottled as exc:
        return throttled(request, exc)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/tokens", response_model=list[ApiTokenRead])
async def list_tokens(principal: CurrentUser, session: SessionDep) -> list[ApiTokenRead]:
    """The caller's personal API tokens."""
    rows = await actions.list_api_tokens(session, user_id=principal.user_id)
    return [ApiTokenRead.model_validate(r) for r in rows]


@router.post("/me/tokens", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED)
async def create_token(
    body: ApiTokenCreate, principal: CurrentUser, session: SessionDep
) -> ApiTokenCreated:
    """Create a personal API token; its value is in this answer only."""
    ttl = body.expires_in_days * 86400 if body.expires_in_days else None
    row, token = await actions.do_create_api_token(
        session, user=principal.user, name=body.name, ttl_s=ttl
    )
    return ApiTokenCreated.model_validate(
        {**ApiTokenRead.model_validate(row).model_dump(), "token": token}
    )


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: int, principal: CurrentUser, session: SessionDep) -> None:
    """Revoke one of the caller's API tokens."""
    await actions.do_revoke_api_token(session, user_id=principal.user_id, token_id=token_id)
