"""Build the engine's `RoutingConfig` and the organization's audience map from the database.

Engine ids are `str(db_id)`. Only active users with the agent role become engine agents; their
queues are the queues they are logged in to (R-Q-12), their capacity and budget come from the
user row (R-W-1, R-X-8). Targeting rules and flows come from `actions.routing_config` when that
module is installed (R-TR-1, R-Q-5).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.authz.cc import ADMINISTRATOR, AGENT, SUPERVISOR
from guichet.domain.enums import Channel, Strategy
from guichet.persistence.models import (
    AgentPresence,
    ContactCenterPermissions,
    FlowRow,
    Organization,
    Queue,
    QueueMember,
    Skill,
    TargetingRuleRow,
    User,
    UserSkill,
)
from guichet.routing import AgentConfig, QueueConfig, RoutingConfig, SkillConfig
from guichet.routing.callback import CallbackPolicy
from guichet.routing.numbers import NumberType


@dataclass(frozen=True)
class Audience:
    """Who receives what: administrators see everything; supervisors their queues (R-P-2)."""

    admins: frozenset[int] = frozenset()
    #: Supervisors limited to the queues they supervise: queue id -> user ids.
    supervisors: dict[int, frozenset[int]] = field(default_factory=dict)
    #: Supervisors who see every queue (the "limit to assigned queues" switch is off).
    all_queue_supervisors: frozenset[int] = frozenset()

    def for_queues(self, queue_ids: set[int]) -> set[int]:
        """Users who watch any of these queues (administrators included)."""
        out = set(self.admins) | set(self.all_queue_supervisors)
        for qid in queue_ids:
            out |= self.supervisors.get(qid, frozenset())
        return out


@dataclass(frozen=True)
class Loaded:
    """A routing configuration and its audience, as read at one moment."""

    config: RoutingConfig
    audience: Audience
    fingerprint: tuple[Any, ...]


async def fingerprint(session: AsyncSession, *, org_id: int) -> tuple[Any, ...]:
    """A cheap summary of everything the configuration reads; it changes when they change.

    One round trip: counts, latest updates and checksums of queues, skills, users, queue
    members, user skills, permission switches, targeting rules and flows.
    """
    in_org = select(Queue.id).where(Queue.org_id == org_id).scalar_subquery()
    org_users = select(User.id).where(User.org_id == org_id).scalar_subquery()
    parts: list[Any] = []
    for model in (Queue, Skill, User, FlowRow, TargetingRuleRow):
        where = model.org_id == org_id
        parts.append(select(func.count()).where(where).scalar_subquery())
        parts.append(select(func.max(model.updated_at)).where(where).scalar_subquery())
    parts.append(
        select(
            func.count() * 1_000_003
            + func.coalesce(
                func.sum(
                    QueueMember.user_id * 7
                    + QueueMember.position * 131
                    + QueueMember.queue_id * 17
                    + func.length(QueueMember.role)
                ),
                0,
            )
        )
        .where(QueueMember.queue_id.in_(in_org))
        .scalar_subquery()
    )
    parts.append(
        select(
            func.count() * 1_000_003
            + func.coalesce(
                func.sum(UserSkill.skill_id * 7 + UserSkill.proficiency * 131 + UserSkill.user_id),
                0,
            )
        )
        .where(UserSkill.user_id.in_(org_users))
        .scalar_subquery()
    )
    parts.append(
        select(ContactCenterPermissions.version)
        .where(ContactCenterPermissions.org_id == org_id)
        .scalar_subquery()
    )
    parts.append(select(Organization.timezone).where(Organization.id == org_id).scalar_subquery())
    row = (await session.execute(select(*parts))).one()
    return tuple(str(x) for x in row)


def _channels(queue: Queue) -> tuple[Channel, ...]:
    if queue.channel_types:
        return tuple(Channel(c) for c in queue.channel_types)
    return (Channel.VOICE,) if queue.kind == "call" else (Channel.CHAT,)


def _callback(queue: Queue) -> CallbackPolicy | None:
    if not queue.callback_enabled or queue.callback_threshold_s is None:
        return None
    types = frozenset(NumberType(t) for t in queue.callback_number_types) or frozenset(
        {NumberType.MOBILE, NumberType.LANDLINE}
    )
    return CallbackPolicy(
        enabled=True,
        threshold_s=float(queue.callback_threshold_s),
        caller_id=queue.callback_caller_id or "",
        allowed_number_types=types,
    )


def queue_config(queue: Queue, order: tuple[str, ...]) -> QueueConfig:
    """A queue row as the engine's `QueueConfig` (R-Q-4, R-Q-6, R-Q-7, R-Q-8, R-W-6)."""
    slots = queue.settings.get("async_slots") if queue.settings else None
    return QueueConfig(
        str(queue.id),
        strategy=Strategy(queue.strategy),
        channels=_channels(queue),
        offer_timeout_s=float(queue.offer_timeout_s),
        max_no_answer=queue.max_no_answer,
        wrap_up_s=float(queue.wrap_up_s),
        agents_may_end_wrap_up=queue.agents_may_end_wrap_up,
        weight=float(queue.weight),
        agent_order=order,
        async_slots=None if slots is None else int(slots),
        return_window_s=float(queue.abandon_return_s),
        callback=_callback(queue),
    )


async def _targeting(session: AsyncSession, org_id: int) -> dict[str, Any]:
    try:
        mod: Any = importlib.import_module("guichet.actions.routing_config")
    except ImportError:  # pragma: no cover - installed together with the live runtime
        return {}
    rules, default = await mod.load_targeting(session, org_id=org_id)
    flows = await mod.load_flows(session, org_id=org_id)
    return {"targeting_rules": rules, "targeting_default": default, "flows": flows}


async def load_config(session: AsyncSession, *, org_id: int) -> Loaded:
    """Read the organization's routing configuration and audience (one consistent read)."""
    stamp = await fingerprint(session, org_id=org_id)
    org = await session.get(Organization, org_id)
    skills = (await session.scalars(select(Skill).where(Skill.org_id == org_id))).all()
    queues = (
        await session.scalars(select(Queue).where(Queue.org_id == org_id).order_by(Queue.id))
    ).all()
    members = (
        await session.execute(
            select(QueueMember.queue_id, QueueMember.user_id, QueueMember.role)
            .join(Queue, Queue.id == QueueMember.queue_id)
            .where(Queue.org_id == org_id)
            .order_by(QueueMember.queue_id, QueueMember.position, QueueMember.user_id)
        )
    ).all()
    users = (
        await session.scalars(
            select(User).where(User.org_id == org_id, User.is_active.is_(True)).order_by(User.id)
        )
    ).all()
    grants = (
        await session.execute(
            select(UserSkill.user_id, UserSkill.skill_id, UserSkill.proficiency)
            .join(User, User.id == UserSkill.user_id)
            .where(User.org_id == org_id)
        )
    ).all()
    presence = {
        p.user_id: p
        for p in await session.scalars(select(AgentPresence).where(AgentPresence.org_id == org_id))
    }
    perms = await session.get(ContactCenterPermissions, org_id)
    limit = True if perms is None else perms.supervisor_limit_to_assigned_queues
    queue_ids = {q.id for q in queues}
    order: dict[int, list[str]] = {}
    sups: dict[int, set[int]] = {}
    for qid, uid, role in members:
        if role == "agent":
            order.setdefault(qid, []).append(str(uid))
        elif role == "supervisor":
            sups.setdefault(qid, set()).add(uid)
    user_skills: dict[int, dict[str, int]] = {}
    for uid, sid, prof in grants:
        user_skills.setdefault(uid, {})[str(sid)] = prof
    agents = []
    for u in users:
        if AGENT not in u.roles:
            continue
        p = presence.get(u.id)
        logged = tuple(str(q) for q in (p.queue_ids if p else []) if q in queue_ids)
        agents.append(
            AgentConfig(
                str(u.id),
                skills=user_skills.get(u.id, {}),
                queues=logged,
                capacity={Channel(k): v for k, v in (u.capacity or {}).items()},
                budget=u.budget,
            )
        )
    tz = ZoneInfo(org.timezone) if org is not None and org.timezone else ZoneInfo("UTC")
    config = RoutingConfig(
        skills=tuple(
            SkillConfig(
                str(s.id),
                None if s.parent_id is None else str(s.parent_id),
                s.overflow_out,
                s.overflow_in,
                float(s.overflow_after_s),
            )
            for s in sorted(skills, key=lambda s: s.id)
        ),
        agents=tuple(agents),
        queues=tuple(queue_config(q, tuple(order.get(q.id, ()))) for q in queues),
        timezone=tz,
        **await _targeting(session, org_id),
    )
    admins = frozenset(u.id for u in users if ADMINISTRATOR in u.roles)
    supervisors = [u.id for u in users if SUPERVISOR in u.roles and ADMINISTRATOR not in u.roles]
    audience = Audience(
        admins=admins,
        supervisors={} if not limit else {q: frozenset(s) for q, s in sups.items()},
        all_queue_supervisors=frozenset() if limit else frozenset(supervisors),
    )
    return Loaded(config, audience, stamp)
