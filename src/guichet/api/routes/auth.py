"""Login, logout, the caller, and personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from guichet.actions import auth as actions
from guichet.api.deps import SESSION_COOKIE, CurrentUser, SessionDep, StateDep
from guichet.api.schemas.auth import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    LoginRequest,
    MeRead,
    TokenRead,
)
from guichet.authz import Permission

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=TokenRead)
async def login(
    body: LoginRequest, response: Response, session: SessionDep, state: StateDep
) -> TokenRead:
    """Password login: a bearer token in the body and the same as an HttpOnly session cookie."""
    ttl = state.settings.session_ttl_s
    _, token = await actions.do_login(
        session, passwords=state.passwords, email=body.email, password=body.password, ttl_s=ttl
    )
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
    """End the session (or revoke the API token) used for this request."""
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
