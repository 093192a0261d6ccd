"""Users: creation, roles (R-P-1), department, capacity (R-W-1), budget (R-X-8), deactivation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.directory import check_name
from guichet.actions.live_refs import check_user_free, forget_agent
from guichet.authz import ADMINISTRATOR, ROLES
from guichet.domain import Channel
from guichet.errors import Conflict, Forbidden, conflict, invalid
from guichet.persistence.models import (
    AuthToken,
    Department,
    Organization,
    User,
    UserSkill,
    utcnow,
)
from guichet.queries.lookups import check_ids_in_org
from guichet.security import Passwords

MIN_PASSWORD = 8
BUDGET_MIN, BUDGET_MAX = 1, 1000
UPDATABLE = frozenset(
    {"display_name", "roles", "department_id", "capacity", "budget", "is_active", "password"}
)
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


def check_budget(budget: int) -> int:
    """R-X-8: an agent's weighted budget, 1..1000."""
    if not BUDGET_MIN <= budget <= BUDGET_MAX:
        raise invalid("budget", f"between {BUDGET_MIN} and {BUDGET_MAX}", "R-X-8")
    return budget


async def check_department(
    session: AsyncSession, *, org_id: int, department_id: int | None
) -> int | None:
    """A department of the organization, or none (422 naming the field otherwise)."""
    if department_id is None:
        return None
    await check_ids_in_org(
        session, Department, org_id=org_id, ids=[department_id], field="department_id"
    )
    return department_id


def _roles_like(role: str) -> Any:
    # roles is a JSON array of known role names: match the quoted name in its text form.
    return cast(User.roles, String).like(f'%"{role}"%')


def check_admin_change(
    *, before: Iterable[str], after: Iterable[str], may_grant_admin: bool
) -> None:
    """R-P-1: only an administrator may grant or remove the administrator role."""
    if (ADMINISTRATOR in before) != (ADMINISTRATOR in after) and not may_grant_admin:
        raise Forbidden(
            "only an administrator may grant or remove the administrator role",
            field="roles",
            rule="R-P-1",
        )


async def check_keeps_an_admin(session: AsyncSession, *, user: User) -> None:
    """R-P-1: an organization always keeps at least one active administrator (409)."""
    # Lock the organization row so two administrators cannot remove each other at once.
    await session.execute(
        select(Organization.id).where(Organization.id == user.org_id).with_for_update()
    )
    other = await session.scalar(
        select(User.id)
        .where(
            User.org_id == user.org_id,
            User.id != user.id,
            User.is_active.is_(True),
            _roles_like(ADMINISTRATOR),
        )
        .limit(1)
    )
    if other is None:
        raise Conflict(
            "the organization must keep at least one active administrator",
            field="roles",
            rule="R-P-1",
            code="last_administrator",
        )


async def list_users(
    session: AsyncSession,
    *,
    org_id: int,
    role: str | None = None,
    department_id: int | None = None,
    skill_ids: Iterable[int] | None = None,
    q: str | None = None,
    is_active: bool | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[User]:
    """The organization's users matching every filter given, ordered by id."""
    stmt = select(User).where(User.org_id == org_id)
    if role is not None:
        check_roles([role])
        stmt = stmt.where(_roles_like(role))
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    if skill_ids is not None:
        holders = select(UserSkill.user_id).where(UserSkill.skill_id.in_(list(skill_ids)))
        stmt = stmt.where(User.id.in_(holders))
    if q:
        needle = q.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(User.display_name).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
            )
        )
    if is_active is not None:
        stmt = stmt.where(User.is_active.is_(is_active))
    rows = await session.scalars(stmt.order_by(User.id).limit(limit).offset(offset))
    return list(rows)


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
    budget: int = 100,
    may_grant_admin: bool = True,
    commit: bool = True,
) -> User:
    """Create a user; e-mail addresses are unique across the installation (they log in).

    ``may_grant_admin`` is false when the caller is not an administrator (R-P-1).
    """
    email_n = check_email(email)
    name = check_name(display_name, field="display_name") if display_name.strip() else email_n
    role_list = check_roles(roles)
    check_admin_change(before=(), after=role_list, may_grant_admin=may_grant_admin)
    dept = await check_department(session, org_id=org_id, department_id=department_id)
    if await session.scalar(select(User.id).where(User.email == email_n)):
        raise conflict("email", f"a user with e-mail {email_n} exists")
    user = User(
        org_id=org_id,
        email=email_n,
        display_name=name,
        password_hash=(await passwords.hash_async(check_password(password))) if password else None,
        roles=role_list,
        department_id=dept,
        capacity=check_capacity(capacity or {}),
        budget=check_budget(budget),
    )
    session.add(user)
    await session.flush()
    if commit:
        await session.commit()
    return user


async def revoke_tokens(
    session: AsyncSession, user_id: int, *, except_token_id: int | None
) -> None:
    """Revoke every live session and API token of a user but ``except_token_id`` (no commit).

    The one place tokens are revoked in bulk: on deactivation, on a password change by an
    administrator (PATCH) or by the user themself (`auth.do_change_password`).
    """
    stmt = update(AuthToken).where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
    if except_token_id is not None:
        stmt = stmt.where(AuthToken.id != except_token_id)
    await session.execute(stmt.values(revoked_at=utcnow()))


async def do_update_user(
    session: AsyncSession,
    *,
    passwords: Passwords,
    user: User,
    changes: Mapping[str, Any],
    may_grant_admin: bool,
    keep_token_id: int | None = None,
) -> User:
    """Change the fields given (PATCH); all are checked before anything is written.

    Changing an administrator's account, or the administrator role, needs ``may_grant_admin``
    (R-P-1); the last active administrator cannot lose the role or be deactivated (R-P-1).
    A new password ends the user's other sessions and API tokens; deactivation revokes all.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise invalid(sorted(unknown)[0], "this field cannot be changed")
    values = dict(changes)
    was_admin = ADMINISTRATOR in user.roles
    if was_admin and not may_grant_admin:
        raise Forbidden("only an administrator may change an administrator's account", rule="R-P-1")
    if "display_name" in values:
        values["display_name"] = check_name(values["display_name"], field="display_name")
    roles_after = check_roles(values["roles"]) if "roles" in values else list(user.roles)
    check_admin_change(before=user.roles, after=roles_after, may_grant_admin=may_grant_admin)
    values["roles"] = roles_after
    if "department_id" in values:
        values["department_id"] = await check_department(
            session, org_id=user.org_id, department_id=values["department_id"]
        )
    if "capacity" in values:
        values["capacity"] = check_capacity({**user.capacity, **values["capacity"]})
    if "budget" in values:
        values["budget"] = check_budget(values["budget"])
    new_password = values.pop("password", None)
    if new_password is not None:
        values["password_hash"] = await passwords.hash_async(check_password(new_password))
    active_after = bool(values.get("is_active", user.is_active))
    if user.is_active and not active_after:
        await check_user_free(session, org_id=user.org_id, user_id=user.id)
        await forget_agent(session, org_id=user.org_id, user_id=user.id)
    if user.is_active and was_admin and not (active_after and ADMINISTRATOR in roles_after):
        await check_keeps_an_admin(session, user=user)
    for column, value in values.items():
        setattr(user, column, value)
    if not active_after:
        await revoke_tokens(session, user.id, except_token_id=None)
    elif new_password is not None:
        await revoke_tokens(session, user.id, except_token_id=keep_token_id)
    await session.commit()
    return user


async def do_deactivate_user(
    session: AsyncSession, *, passwords: Passwords, user: User, may_grant_admin: bool
) -> None:
    """Soft delete: the user can no longer log in and their tokens stop working (R-P-1)."""
    await do_update_user(
        session,
        passwords=passwords,
        user=user,
        changes={"is_active": False},
        may_grant_admin=may_grant_admin,
    )


async def do_set_password(
    session: AsyncSession, *, passwords: Passwords, user: User, password: str
) -> None:
    """Replace a user's password."""
    user.password_hash = await passwords.hash_async(check_password(password))
    await session.commit()
