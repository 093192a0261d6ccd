"""The demo organization (``guichet demo``), idempotent: running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.access_roles import check_grants, ensure_predefined_roles
from guichet.actions.orgs import do_create_organization, get_organization_by_slug
from guichet.actions.users import do_create_user
from guichet.config import Settings
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.models import (
    AccessRole,
    Campaign,
    CampaignMember,
    CannedMessage,
    Department,
    Disposition,
    Label,
    Organization,
    PauseReason,
    Queue,
    QueueMember,
    RoleAssignment,
    Skill,
    Tag,
    User,
    UserSkill,
)
from guichet.queries.lookups import name_key
from guichet.security import Passwords

DEMO_SLUG = "demo"
DEMO_NAME = "Demo Guichet"
DEMO_PASSWORD = "guichet-demo"
DEMO_DOMAIN = "demo.guichet.test"

# (local part, display name, roles, department)
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("ada.admin", "Ada Admin", ("administrator", "supervisor", "agent"), "Customer care"),
    ("sam.supervisor", "Sam Supervisor", ("supervisor", "agent"), "Customer care"),
    ("alice.agent", "Alice Agent", ("agent",), "Billing desk"),
    ("bob.agent", "Bob Agent", ("agent",), "Technical desk"),
    ("chloe.agent", "Chloé Agent", ("agent",), "Billing desk"),
    ("david.agent", "David Agent", ("agent",), "Technical desk"),
    # Access rights (R-A-1): a Director without any contact-center role, a Manager who is an agent.
    ("diane.director", "Diane Director", (), "Customer care"),
    ("manon.manager", "Manon Manager", ("agent",), "Billing desk"),
)

# Departments: (name, parent)
DEMO_DEPARTMENTS = (
    ("Customer care", None),
    ("Billing desk", "Customer care"),
    ("Technical desk", "Customer care"),
)

# Skills: (name, parent); a tree with parents (R-SK-2).
DEMO_SKILLS = (
    ("Products", None),
    ("Billing", "Products"),
    ("Technical", "Products"),
    ("Languages", None),
    ("French", "Languages"),
    ("English", "Languages"),
)

# Who holds what, with proficiency 1-5 (R-SK-3).
DEMO_GRANTS = {
    "sam.supervisor": {"Products": 4, "French": 5, "English": 4},
    "alice.agent": {"Billing": 5, "French": 5, "English": 3},
    "bob.agent": {"Technical": 5, "English": 5},
    "chloe.agent": {"Billing": 3, "Technical": 3, "French": 4},
    "david.agent": {"Technical": 4, "French": 3, "English": 4},
}

# Queues: name -> settings; members are (agents, supervisors).
DEMO_QUEUES: dict[str, dict[str, Any]] = {
    "Sales line": {
        "kind": "call",
        "extension": "1000",
        "strategy": "longest_idle",
        "skill": None,
        "channel_types": ["voice"],
        "weight": 2,
        "wrap_up_s": 30,
        "agents": ["alice.agent", "chloe.agent", "sam.supervisor"],
    },
    "Support line": {
        "kind": "call",
        "extension": "1001",
        "strategy": "best_proficiency",
        "skill": "Technical",
        "channel_types": ["voice"],
        "weight": 1,
        "wrap_up_s": 60,
        "callback_enabled": True,
        "callback_threshold_s": 120.0,
        "callback_caller_id": "+33100000000",
        "callback_number_types": ["mobile", "landline"],
        "agents": ["bob.agent", "david.agent", "chloe.agent"],
    },
    "Web chat": {
        "kind": "chat",
        "extension": None,
        "strategy": "least_occupied",
        "skill": "Products",
        "channel_types": ["chat", "messaging"],
        "weight": 1,
        "wrap_up_s": 15,
        "require_disposition": True,
        "agents": ["alice.agent", "bob.agent", "chloe.agent", "david.agent", "manon.manager"],
    },
}

# A custom access-rights role (R-A-1, R-A-2): a desk lead sees their department's conversations.
DEMO_TEAM_LEAD = "Team lead"
DEMO_TEAM_LEAD_GRANTS = {
    "statistics": "department",
    "history": "department",
    "join": "department",
    "evaluate": "department",
    "channels_view": "department",
    "canned": "department",
}
# Who holds which access-rights role (R-A-3): role name -> demo users.
DEMO_ACCESS = {
    "Administrator": ("ada.admin",),
    "Director": ("diane.director",),
    "Manager": ("manon.manager",),
    DEMO_TEAM_LEAD: ("sam.supervisor",),
}

DEMO_PAUSE_REASONS = ("Lunch", "Training", "Meeting", "Back office")
DEMO_LABELS = ("VIP", "Complaint", "Follow-up")
DEMO_DISPOSITIONS = ("Resolved", "Callback scheduled", "Escalated", "Not reachable")
DEMO_TAGS = ("billing", "bug", "feature-request", "refund")
DEMO_CANNED = (
    ("hello", "Greeting", "Hello, thank you for contacting us. How can I help you today?"),
    ("wait", "Please wait", "Thank you for your patience, I am checking this for you."),
    ("bye", "Closing", "Thank you for contacting us. Have a nice day!"),
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


async def _ensure(
    session: AsyncSession, model: type[Any], org_id: int, key: str, **values: Any
) -> Any:
    """The row of ``model`` named ``key`` in the organization, created or refreshed."""
    row = await session.scalar(
        select(model).where(model.org_id == org_id, model.name_key == name_key(key))
    )
    if row is None:
        row = model(org_id=org_id, name=key, name_key=name_key(key), **values)
        session.add(row)
    else:
        for column, value in values.items():
            setattr(row, column, value)
    await session.flush()
    return row


async def _ensure_departments(session: AsyncSession, org: Organization) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name, parent in DEMO_DEPARTMENTS:
        row = await _ensure(session, Department, org.id, name, parent_id=ids.get(parent or ""))
        ids[name] = row.id
    return ids


async def _ensure_users(
    session: AsyncSession, passwords: Passwords, org: Organization, departments: dict[str, int]
) -> dict[str, User]:
    users: dict[str, User] = {}
    for local, display, roles, department in DEMO_USERS:
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
                department_id=departments[department],
            )
        else:
            # Refresh: the demo users always have their documented roles and password.
            user.roles = list(roles)
            user.is_active = True
            user.department_id = departments[department]
            if not passwords.verify(user.password_hash, DEMO_PASSWORD):
                user.password_hash = passwords.hash(DEMO_PASSWORD)
            await session.commit()
        users[local] = user
    return users


async def _ensure_skills(
    session: AsyncSession, org: Organization, users: dict[str, User]
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for name, parent in DEMO_SKILLS:
        row = await _ensure(session, Skill, org.id, name, parent_id=ids.get(parent or ""))
        ids[name] = row.id
    for local, grants in DEMO_GRANTS.items():
        user_id = users[local].id
        await session.execute(delete(UserSkill).where(UserSkill.user_id == user_id))
        for skill, proficiency in grants.items():
            session.add(UserSkill(user_id=user_id, skill_id=ids[skill], proficiency=proficiency))
    await session.flush()
    return ids


async def _ensure_queues(
    session: AsyncSession, org: Organization, users: dict[str, User], skills: dict[str, int]
) -> None:
    supervisor = users["sam.supervisor"].id
    for name, spec in DEMO_QUEUES.items():
        settings = {k: v for k, v in spec.items() if k not in ("skill", "agents")}
        settings["skill_id"] = skills[spec["skill"]] if spec["skill"] else None
        queue = await _ensure(session, Queue, org.id, name, **settings)
        await session.execute(delete(QueueMember).where(QueueMember.queue_id == queue.id))
        for position, local in enumerate(spec["agents"]):
            session.add(
                QueueMember(
                    queue_id=queue.id, user_id=users[local].id, role="agent", position=position
                )
            )
        session.add(QueueMember(queue_id=queue.id, user_id=supervisor, role="supervisor"))
    campaign = await _ensure(
        session,
        Campaign,
        org.id,
        "Renewals",
        caller_id="+33100000001",
        timezone="Europe/Paris",
        calendar=[
            {"day": day, "start": "09:00", "end": "18:00"}
            for day in ("mon", "tue", "wed", "thu", "fri")
        ],
        answer_timeout_s=20,
        number_types=["mobile", "landline"],
        recording="on_demand",
    )
    await session.execute(delete(CampaignMember).where(CampaignMember.campaign_id == campaign.id))
    for local in ("alice.agent", "chloe.agent"):
        session.add(CampaignMember(campaign_id=campaign.id, user_id=users[local].id, role="agent"))
    session.add(CampaignMember(campaign_id=campaign.id, user_id=supervisor, role="supervisor"))
    await session.flush()


async def _ensure_lists(session: AsyncSession, org: Organization, admin: User) -> None:
    for reason in DEMO_PAUSE_REASONS:
        await _ensure(session, PauseReason, org.id, reason, enabled=True)
    for label in DEMO_LABELS:
        await _ensure(session, Label, org.id, label, active=True)
    for position, disposition in enumerate(DEMO_DISPOSITIONS):
        await _ensure(session, Disposition, org.id, disposition, active=True, position=position)
    for tag in DEMO_TAGS:
        await _ensure(session, Tag, org.id, tag)
    for shortcut, title, text in DEMO_CANNED:
        row = await session.scalar(
            select(CannedMessage).where(
                CannedMessage.org_id == org.id,
                CannedMessage.scope_key == "public",
                CannedMessage.shortcut_key == name_key(shortcut),
            )
        )
        if row is None:
            session.add(
                CannedMessage(
                    org_id=org.id,
                    shortcut=shortcut,
                    shortcut_key=name_key(shortcut),
                    title=title,
                    text=text,
                    visibility="public",
                    scope_key="public",
                    owner_id=admin.id,
                    active=True,
                )
            )
    await session.flush()


async def _ensure_access(session: AsyncSession, org: Organization, users: dict[str, User]) -> None:
    """The predefined roles, the custom "Team lead" role and who holds them (R-A-1..R-A-3).

    Assignments the demo makes are added when missing; others made since are left alone,
    except those of "Team lead", which the demo owns and resets.
    """
    await ensure_predefined_roles(session, org_id=org.id)
    grants = check_grants(DEMO_TEAM_LEAD_GRANTS)
    lead = await _ensure(
        session,
        AccessRole,
        org.id,
        DEMO_TEAM_LEAD,
        description="Conversations, statistics and canned responses of their department",
        grants=grants,
    )
    await session.execute(delete(RoleAssignment).where(RoleAssignment.role_id == lead.id))
    await session.flush()
    for role_name, holders in DEMO_ACCESS.items():
        role = await session.scalar(
            select(AccessRole).where(
                AccessRole.org_id == org.id, AccessRole.name_key == name_key(role_name)
            )
        )
        if role is None:  # pragma: no cover - the predefined roles were just ensured
            raise RuntimeError(f"the demo role {role_name!r} is missing")
        for local in holders:
            target = f"user:{users[local].id}"
            held = await session.scalar(
                select(RoleAssignment.id).where(
                    RoleAssignment.role_id == role.id, RoleAssignment.target_key == target
                )
            )
            if held is None:
                session.add(
                    RoleAssignment(
                        org_id=org.id, role_id=role.id, user_id=users[local].id, target_key=target
                    )
                )
    await session.flush()


def _access_of(local: str) -> list[str]:
    """The access-rights roles the demo gives ``local``, for the printed summary."""
    return [f"access: {role}" for role, holders in DEMO_ACCESS.items() if local in holders]


async def seed_demo_in(session: AsyncSession, passwords: Passwords) -> DemoSummary:
    """Create or refresh the demo organization in an open session."""
    org = await _ensure_org(session)
    departments = await _ensure_departments(session, org)
    await session.commit()
    users = await _ensure_users(session, passwords, org, departments)
    skills = await _ensure_skills(session, org, users)
    await _ensure_queues(session, org, users, skills)
    await _ensure_lists(session, org, users["ada.admin"])
    await _ensure_access(session, org, users)
    await session.commit()
    summary = DemoSummary(org_name=org.name)
    summary.users = [(u.email, list(u.roles) + _access_of(local)) for local, u in users.items()]
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
