"""Login, logout, sessions, password change and personal API tokens.

A revoked or expired token is refused by the very next request (every request reads its token
row); an open socket of that session is closed at its next heartbeat. Logins are throttled per
account and per client address (``guichet.security_throttle``) with the same answers whether or
not the account exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.users import check_password, revoke_tokens
from guichet.errors import Forbidden, Invalid, NotFound, Unauthorized, invalid
from guichet.persistence.models import AuthToken, User, utcnow
from guichet.queries.lookups import storable_id
from guichet.security import Passwords, new_token, token_digest
from guichet.security_throttle import LoginThrottle

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
    throttle: LoginThrottle,
    address: str,
    email: str,
    password: str,
    ttl_s: int,
) -> tuple[User, str]:
    """Check the password and open a session; the same answer whatever was wrong.

    Throttled per account and per client ``address`` (``LoginThrottled``, 429, raised before
    any password is checked). An unknown e-mail counts like a known one and spends the same
    argon2 work (``Passwords.verify(None, ...)``); success resets the account's count. The
    password is verified in a worker thread (the event loop, and so routing, goes on): the
    attempt holds its place in the throttle meanwhile (``LoginThrottle.begin``), so parallel
    attempts cannot slip past the limit and each failure is counted once.
    """
    throttle.check(email=email, address=address)
    user = await session.scalar(select(User).where(User.email == throttle.account_key(email)))
    # End that read before the slow part: no transaction (on SQLite the writer's lock, which
    # the routing loop needs to commit) stays open while a thread verifies the password.
    await session.commit()
    with await throttle.begin(email=email, address=address) as attempt:
        ok = await passwords.verify_async(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            attempt.failed()
            raise Unauthorized("wrong e-mail or password", code="bad_credentials")
        attempt.succeeded()
    token = await _issue(session, user=user, kind=SESSION, name="login", ttl_s=ttl_s)
    await session.commit()
    return user, token


def check_new_password(*, current: str, new: str) -> str:
    """The rules of a user's password (as at creation), and not the current one again."""
    try:
        check_password(new)
    except Invalid as exc:
        raise invalid("new_password", exc.detail, code="weak_password") from exc
    if new == current:
        raise invalid(
            "new_password",
            "the new password must differ from the current one",
            code="same_password",
        )
    return new


async def do_change_password(
    session: AsyncSession,
    *,
    passwords: Passwords,
    throttle: LoginThrottle,
    address: str,
    user: User,
    token_id: int,
    current_password: str,
    new_password: str,
) -> None:
    """Change one's own password: every other session and every API token of the user ends.

    A wrong current password is 403 (``field: current_password``) and counts as a failed login
    of the account, so a stolen session cannot guess it faster than the login form could.
    The token of this request (``token_id``) stays valid.
    """
    # The attempt holds its place in the throttle while the thread verifies (see do_login).
    with await throttle.begin(email=user.email, address=address) as attempt:
        if not await passwords.verify_async(user.password_hash, current_password):
            attempt.failed()
            raise Forbidden(
                "the current password is wrong", field="current_password", code="wrong_password"
            )
        attempt.succeeded()
    new = check_new_password(current=current_password, new=new_password)
    user.password_hash = await passwords.hash_async(new)
    await revoke_tokens(session, user.id, except_token_id=token_id)
    await session.commit()


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
