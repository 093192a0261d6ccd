"""Organizations (tenants) and what each starts with."""

from __future__ import annotations

import re
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.access_roles import ensure_predefined_roles
from guichet.authz import CCPermissions
from guichet.errors import conflict, invalid
from guichet.persistence.models import ContactCenterPermissions, Organization, PauseReason
from guichet.queries.lookups import name_key

# The reason the routing engine gives when it pauses an agent after max_no_answer (R-Q-4).
NO_ANSWER_REASON = "No answer"
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")


async def do_create_organization(
    session: AsyncSession, *, name: str, slug: str, timezone: str = "UTC"
) -> Organization:
    """Create a tenant with default permission switches, the system pause reason and the
    predefined access-rights roles (R-A-1)."""
    if not _SLUG.match(slug):
        raise invalid("slug", "lowercase letters, digits and dashes, 1-100 characters")
    if await session.scalar(select(Organization.id).where(Organization.slug == slug)):
        raise conflict("slug", f"an organization with slug {slug!r} exists")
    org = Organization(name=name, slug=slug, timezone=timezone)
    session.add(org)
    await session.flush()
    session.add(ContactCenterPermissions(org_id=org.id, **asdict(CCPermissions())))
    session.add(
        PauseReason(
            org_id=org.id,
            name=NO_ANSWER_REASON,
            name_key=name_key(NO_ANSWER_REASON),
            enabled=True,
            is_system=True,
        )
    )
    await ensure_predefined_roles(session, org_id=org.id)
    await session.commit()
    return org


async def get_organization_by_slug(session: AsyncSession, slug: str) -> Organization | None:
    """The organization with this slug, if any."""
    return await session.scalar(select(Organization).where(Organization.slug == slug))
