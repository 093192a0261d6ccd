"""Users: creation with a password, roles (R-P-1), department and capacity (R-W-1)."""

from __future__ import annotations

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.authz import ROLES
from guichet.domain import Channel
from guichet.errors import conflict, invalid
from guichet.persistence.models import User
from guichet.security import Passwords

MIN_PASSWORD = 8
DEFAULT_CAPACITY = {
    Channel.VOICE.value: 1,
    Channel.CHAT.value: 3,
    Channel.MESSAGING.value: 5,
    Channel.EMAIL.value: 5,
    Channel.SMS.value: 5,
    Channel.SOCIAL.value: 5,
}


def check_email(email: str) -> str:
    """A normalised e-mail address, or a 422 naming the field."""
    try:
        return validate_email(
            email.strip(),
            check_deliverability=False,
            globally_deliverable=False,
            test_environment=True,
        ).normalized.lower()
    except EmailNotValidError as exc:
        raise invalid("email", str(exc)) from exc


def check_roles(roles: Iterable[str]) -> list[str]:
    """Known contact-center roles, deduplicated, in canonical order."""
    given = set(roles)
    unknown = given - set(ROLES)
    if unknown:
        raise invalid("roles", f"unknown roles: {sorted(unknown)}; use {list(ROLES)}", "R-P-1")
    return [r for r in ROLES if r in given]


def check_password(password: str) -> str:
    """At least 8 characters, at most 1024 (argon2 input stays bounded)."""
    if len(password) < MIN_PASSWORD or len(password) > 1024:
        raise invalid("password", f"between {MIN_PASSWORD} and 1024 characters")
    return password


def check_capacity(capacity: dict[str, int]) -> dict[str, int]:
    """R-W-1: a count 0..100 per known channel."""
    out = dict(DEFAULT_CAPACITY)
    for channel, count in capacity.items():
        if channel not in {c.value for c in Channel}:
            raise invalid(f"capacity.{channel}", "unknown channel", "R-W-1")
        if not 0 <= count <= 100:
            raise invalid(f"capacity.{channel}", "capacity must be between 0 and 100", "R-W-1")
        out[channel] = count
    return out


async def do_create_user(
    session: AsyncSession,
    *,
    passwords: Passwords,
    org_id: int,
    email: str,
    display_name: str,
    password: str | None,
    roles: Iterable[str] = ("agent",),
    department_id: int | None = None,
    capacity: dict[str, int] | None = None,
    commit: bool = True,
) -> User:
    """Create a user; e-mail addresses are unique across the installation (they log in)."""
    email_n = check_email(email)
    if await session.scalar(select(User.id).where(User.email == email_n)):
        raise conflict("email", f"a user with e-mail {email_n} exists")
    user = User(
        org_id=org_id,
        email=email_n,
        display_name=display_name.strip() or email_n,
        password_hash=passwords.hash(check_password(password)) if password else None,
        roles=check_roles(roles),
        department_id=department_id,
        capacity=check_capacity(capacity or {}),
    )
    session.add(user)
    await session.flush()
    if commit:
        await session.commit()
    return user


async def do_set_password(
    session: AsyncSession, *, passwords: Passwords, user: User, password: str
) -> None:
    """Replace a user's password."""
    user.password_hash = passwords.hash(check_password(password))
    await session.commit()
