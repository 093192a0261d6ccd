"""Login, logout, sessions and personal API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import storable_id
from guichet.errors import NotFound, Unauthorized
from guichet.persistence.models import AuthToken, User, utcnow
from guichet.security import Passwords, new_token, token_digest

SESSION = "session"
API = "api"


async def authenticate(session: AsyncSession, *, token: str) -> tuple[User, AuthToken] | None:
    """The active user and token row behind a bearer token, or None.

    One round trip: the token row and its user come from a single SELECT. None when the token
    is unknown, revoked or expired, the user inactive, or the token of another organization.
    """
    found = (
        await session.execute(
            select(AuthToken, User)
            .join(User, User.id == AuthToken.user_id)
            .where(AuthToken.token_hash == token_digest(token))
        )
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    if not user.is_active or user.org_id != row.org_id:
        return None
    return user, row


async def do_login(
    session: AsyncSession,
    *,
    passwords: Passwords,
    email: str,
    password: str,
    ttl_s: int,
) -> tuple[User, str]:
    """Check the password and open a session; the same answer whatever was wrong."""
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    ok = passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise Unauthorized("wrong e-mail or password", code="bad_credentials")
    token = await _issue(session, user=user, kind=SESSION, name="login", ttl_s=ttl_s)
    await session.commit()
    return user, token


async def _issue(
    session: AsyncSession, *, user: User, kind: str, name: str, ttl_s: int | None
) -> str:
    token = new_token()
    expires: datetime | None = utcnow() + timedelta(seconds=ttl_s) if ttl_s else None
    session.add(
        AuthToken(
            org_id=user.org_id,
            user_id=user.id,
            kind=kind,
            name=name,
            token_hash=token_digest(token),
            prefix=token[:12],
            expires_at=expires,
        )
    )
    await session.flush()
    return token


async def do_logout(session: AsyncSession, *, token_id: int) -> None:
    """Revoke the token the caller used."""
    await session.execute(
        update(AuthToken).where(AuthToken.id == token_id).values(revoked_at=utcnow())
    )
    await session.commit()


async def do_create_api_token(
    session: AsyncSession, *, user: User, name: str, ttl_s: int | None
) -> tuple[AuthToken, str]:
    """A personal API token; its value is shown once, only its digest is kept."""
    token = await _issue(session, user=user, kind=API, name=name, ttl_s=ttl_s)
    row = await session.scalar(select(AuthToken).where(AuthToken.token_hash == token_digest(token)))
    assert row is not None
    await session.commit()
    return row, token


async def list_api_tokens(session: AsyncSession, *, user_id: int) -> list[AuthToken]:
    """The caller's personal API tokens that are not revoked."""
    rows = await session.scalars(
        select(AuthToken)
        .where(AuthToken.user_id == user_id, AuthToken.kind == API, AuthToken.revoked_at.is_(None))
        .order_by(AuthToken.id)
    )
    return list(rows)


async def do_revoke_api_token(session: AsyncSession, *, user_id: int, token_id: int) -> None:
    """Revoke one of the caller's API tokens (404 for anyone else's)."""
    row = await session.get(AuthToken, token_id) if storable_id(token_id) else None
    if row is None or row.user_id != user_id or row.kind != API or row.revoked_at is not None:
        raise NotFound(f"token {token_id} not found")
    row.revoked_at = utcnow()
    await session.commit()
