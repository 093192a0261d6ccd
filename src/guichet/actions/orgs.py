"""Organizations (tenants) and what each starts with."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.access_roles import ensure_predefined_roles
from guichet.actions.permissions import load_permissions, stage_permission_changes
from guichet.authz import CCPermissions
from guichet.domain.enums import Channel
from guichet.errors import FieldProblem, Invalid, Unavailable, conflict, invalid, not_found
from guichet.flows.hours import zone
from guichet.live import LiveRegistry
from guichet.persistence.models import ContactCenterPermissions, Organization, PauseReason
from guichet.queries.lookups import name_key
from guichet.routing.config import merged_costs, merged_paused_cost

log = logging.getLogger(__name__)

#: R-X-8: the largest cost of one interaction: the largest budget an agent may have.
BUDGET_MAX = 1000

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
    if zone(timezone) is None:
        raise invalid("timezone", "an IANA time zone is needed, for example Europe/Paris")
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


#: The languages Guichet speaks (Babel catalogs).
LOCALES = ("en", "fr")


@dataclass(frozen=True, slots=True)
class OrganizationSettings:
    """What `GET /api/v1/organization` shows: identity, time zone, locale, routing settings."""

    id: int
    name: str
    slug: str
    timezone: str
    locale: str
    #: R-W-1: a call may run alongside chats and messages.
    allow_mixing: bool
    #: R-X-8: budget units per channel (every channel, defaults filled in).
    channel_costs: dict[str, int]
    #: R-W-6, R-X-8: budget units a paused conversation still costs.
    paused_cost: int
    #: R-P-4: agents may log in to queues they are not assigned to.
    allow_unassigned_queue_login: bool


@dataclass(frozen=True, slots=True)
class OrganizationChanges:
    """A PATCH: None leaves a setting as it is; `channel_costs` changes the channels named."""

    name: str | None = None
    timezone: str | None = None
    locale: str | None = None
    allow_mixing: bool | None = None
    channel_costs: Mapping[str, int] | None = None
    paused_cost: int | None = None
    allow_unassigned_queue_login: bool | None = None


def costs_of(org: Organization) -> dict[str, int]:
    """R-X-8: the organization's cost per channel, the engine's default where none is set."""
    return {ch.value: cost for ch, cost in merged_costs(org.channel_costs).items()}


async def load_organization_settings(session: AsyncSession, *, org_id: int) -> OrganizationSettings:
    """The caller's organization with its settings (every cost filled in)."""
    org = await session.get(Organization, org_id)
    if org is None:
        raise not_found("organization", org_id)
    switches = await load_permissions(session, org_id=org_id)
    return OrganizationSettings(
        id=org.id,
        name=org.name,
        slug=org.slug,
        timezone=org.timezone,
        locale=org.locale,
        allow_mixing=org.allow_mixing,
        channel_costs=costs_of(org),
        paused_cost=merged_paused_cost(org.paused_cost),
        allow_unassigned_queue_login=switches.allow_unassigned_queue_login,
    )


def check_organization_changes(changes: OrganizationChanges) -> None:
    """Every problem of the PATCH at once (422 naming each field and its rule)."""
    problems: list[FieldProblem] = []
    if changes.name is not None and not changes.name.strip():
        problems.append(FieldProblem("name", "the name cannot be blank"))
    if changes.timezone is not None and zone(changes.timezone) is None:
        problems.append(
            FieldProblem("timezone", "an IANA time zone is needed, for example Europe/Paris")
        )
    if changes.locale is not None and changes.locale not in LOCALES:
        problems.append(FieldProblem("locale", f"one of {', '.join(LOCALES)}"))
    known = {ch.value for ch in Channel}
    for channel, cost in (changes.channel_costs or {}).items():
        where = f"channel_costs.{channel}"
        if channel not in known:
            problems.append(FieldProblem(where, "not a channel", "R-X-8", "unknown_channel"))
        elif not 0 <= cost <= BUDGET_MAX:
            problems.append(FieldProblem(where, f"from 0 to {BUDGET_MAX} units", "R-X-8"))
    if changes.paused_cost is not None and not 0 <= changes.paused_cost <= BUDGET_MAX:
        problems.append(FieldProblem("paused_cost", f"from 0 to {BUDGET_MAX} units", "R-X-8"))
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems)


async def do_update_organization(
    session: AsyncSession,
    live: LiveRegistry | None,
    *,
    org_id: int,
    changes: OrganizationChanges,
) -> OrganizationSettings:
    """Change the settings sent, in one transaction, and have routing apply them at once
    (R-W-1 mixing, R-X-8 costs: R-X-10 then runs for every agent, so a call that waited for
    mixing is offered now); the R-P-4 switch holds from the next request on."""
    check_organization_changes(changes)
    org = await session.get(Organization, org_id)
    if org is None:
        raise not_found("organization", org_id)
    if changes.name is not None:
        org.name = changes.name.strip()
    if changes.timezone is not None:
        org.timezone = changes.timezone
    if changes.locale is not None:
        org.locale = changes.locale
    if changes.allow_mixing is not None:
        org.allow_mixing = changes.allow_mixing
    if changes.channel_costs:
        org.channel_costs = {**(org.channel_costs or {}), **changes.channel_costs}
    if changes.paused_cost is not None:
        org.paused_cost = changes.paused_cost
    if changes.allow_unassigned_queue_login is not None:
        await stage_permission_changes(
            session,
            org_id=org_id,
            changes={"allow_unassigned_queue_login": changes.allow_unassigned_queue_login},
        )
    await session.commit()
    if live is not None:
        try:
            await (await live.router(org_id)).tick()
        except Unavailable:
            # Saved all the same: a busy loop reads the settings on its next step, a loop
            # being rebuilt reads them afresh; the answer says what is stored.
            log.warning("organization %s: settings saved, routing applies them later", org_id)
    return await load_organization_settings(session, org_id=org_id)
