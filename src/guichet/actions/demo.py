"""The demo organization (``guichet demo``), idempotent: running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.orgs import do_create_organization, get_organization_by_slug
from guichet.actions.users import do_create_user
from guichet.config import Settings
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.models import Organization, User
from guichet.security import Passwords

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Guichet"
DEMO_PASSWORD = "guichet-demo"
DEMO_DOMAIN = "demo.guichet.test"

# (local part, display name, roles)
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ada.admin", "Ada Admin", ("administrator", "supervisor", "agent")),
    ("sam.supervisor", "Sam Supervisor", ("supervisor", "agent")),
    ("alice.agent", "Alice Agent", ("agent",)),
    ("bob.agent", "Bob Agent", ("agent",)),
    ("chloe.agent", "Chloé Agent", ("agent",)),
    ("david.agent", "David Agent", ("agent",)),
)


@dataclass
class DemoSummary:
    """What ``guichet demo`` made, for printing."""

    org_name: str
    users: list[tuple[str, list[str]]] = field(default_factory=list)


def passwords_for(settings: Settings) -> Passwords:
    """The password hasher configured by ``settings``."""
    return Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)


async def _ensure_org(session: AsyncSession) -> Organization:
    org = await get_organization_by_slug(session, DEMO_SLUG)
    if org is None:
        org = await do_create_organization(
            session, name=DEMO_NAME, slug=DEMO_SLUG, timezone="Europe/Paris"
        )
    return org


async def _ensure_users(
    session: AsyncSession, passwords: Passwords, org: Organization
) -> dict[str, User]:
    users: dict[str, User] = {}
    for local, display, roles in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = await session.scalar(select(User).where(User.email == email))
        if user is None:
            user = await do_create_user(
                session,
                passwords=passwords,
                org_id=org.id,
                email=email,
                display_name=display,
                password=DEMO_PASSWORD,
                roles=roles,
            )
        else:
            # Refresh: the demo users always have their documented roles and password.
            user.roles = list(roles)
            user.is_active = True
            if not passwords.verify(user.password_hash, DEMO_PASSWORD):
                user.password_hash = passwords.hash(DEMO_PASSWORD)
            await session.commit()
        users[local] = user
    return users


async def seed_demo_in(session: AsyncSession, passwords: Passwords) -> DemoSummary:
    """Create or refresh the demo organization in an open session."""
    org = await _ensure_org(session)
    users = await _ensure_users(session, passwords, org)
    summary = DemoSummary(org_name=org.name)
    summary.users = [(u.email, list(u.roles)) for u in users.values()]
    return summary


async def seed_demo(settings: Settings) -> DemoSummary:
    """Create or refresh the demo organization in the configured database."""
    engine = create_engine(settings.effective_database_url, search_path=settings.database_schema)
    try:
        async with session_factory(engine)() as session:
            return await seed_demo_in(session, passwords_for(settings))
    finally:
        await engine.dispose()


async def create_user_cli(
    settings: Settings, *, org_slug: str, email: str, name: str, roles: list[str], password: str
) -> int:
    """``guichet user create``: the organization is created when missing (R-P-1)."""
    engine = create_engine(settings.effective_database_url, search_path=settings.database_schema)
    try:
        async with session_factory(engine)() as session:
            org = await get_organization_by_slug(session, org_slug)
            if org is None:
                org = await do_create_organization(session, name=org_slug, slug=org_slug)
            user = await do_create_user(
                session,
                passwords=passwords_for(settings),
                org_id=org.id,
                email=email,
                display_name=name,
                password=password,
                roles=roles,
            )
            return user.id
    finally:
        await engine.dispose()
