"""Build the engine's `RoutingConfig` and the organization's audience map from the database.

Engine ids are `str(db_id)`. Only active users with the agent role become engine agents; their
queues are the queues they are logged in to (R-Q-12), their capacity and budget come from the
user row (R-W-1, R-X-8). Targeting rules and flows come from `actions.routing_config` when that
module is installed (R-TR-1, R-Q-5).

The audience (who receives which event) is computed here too, once per configuration load:
the contact-center watchers (administrators, supervisors per queue, R-P-2) and, for events
about conversations, the users whose access-rights statistics scope covers them (R-A-2, R-A-6),
read for every user of the organization in a handful of queries (never per user or per event).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.authz import access as policy
from guichet.authz.access import Area, Filter, Subject
from guichet.authz.cc import ADMINISTRATOR, AGENT, SUPERVISOR
from guichet.domain.enums import Channel, Strategy
from guichet.live.routing_rules import load_flows, load_targeting
from guichet.persistence.models import (
    AccessRole,
    AgentPresence,
    ContactCenterPermissions,
    Department,
    FlowRow,
    Group,
    Organization,
    Queue,
    QueueMember,
    RoleAssignment,
    Skill,
    TargetingRuleRow,
    User,
    UserSkill,
    group_members,
)
from guichet.queries.access import ancestors, department_tree, grants_of
from guichet.routing import AgentConfig, QueueConfig, RoutingConfig, SkillConfig
from guichet.routing.callback import CallbackPolicy
from guichet.routing.config import merged_costs, merged_paused_cost
from guichet.routing.numbers import NumberType


@dataclass(frozen=True)
class Audience:
    """Who receives what (R-P-2, R-A-6).

    Contact-center watchers: administrators see everything; supervisors their queues (R-P-2).
    Conversation watchers: the users whose access-rights *statistics* scope (R-A-2: "which
    conversations appear in lists") covers a conversation, by who handled it: scope ``all``
    sees every one, ``own`` the ones they handled, ``department`` also the ones a member of
    their department or a sub-department handled.
    """

    admins: frozenset[int] = frozenset()
    #: Supervisors limited to the queues they supervise: queue id -> user ids.
    supervisors: dict[int, frozenset[int]] = field(default_factory=dict)
    #: Supervisors who see every queue (the "limit to assigned queues" switch is off).
    all_queue_supervisors: frozenset[int] = frozenset()
    #: R-A-6: users whose statistics scope is ``all`` (Director, Administrator role, ...).
    statistics_all: frozenset[int] = frozenset()
    #: R-A-6: agent id -> users who see the conversations that agent handled ("own" scope:
    #: the agent themself).
    statistics_by_agent: dict[int, frozenset[int]] = field(default_factory=dict)
    #: R-A-6: department id -> users with the ``department`` scope whose subtree holds it.
    statistics_by_department: dict[int, frozenset[int]] = field(default_factory=dict)
    #: Every user of the organization with a department: user id -> department id.
    department_of: dict[int, int] = field(default_factory=dict)

    def for_queues(self, queue_ids: set[int]) -> set[int]:
        """Users who watch any of these queues (administrators included)."""
        out = set(self.admins) | set(self.all_queue_supervisors)
        for qid in queue_ids:
            out |= self.supervisors.get(qid, frozenset())
        return out

    def for_conversation(self, agent_ids: Iterable[int]) -> set[int]:
        """R-A-6: users whose statistics scope covers a conversation handled by ``agent_ids``
        (the agents it is or was assigned to)."""
        out = set(self.statistics_all)
        for agent in agent_ids:
            out |= self.statistics_by_agent.get(agent, frozenset())
            dept = self.department_of.get(agent)
            if dept is not None:
                out |= self.statistics_by_department.get(dept, frozenset())
        return out

    def for_interaction(self, queue_ids: set[int], agent_ids: Iterable[int]) -> set[int]:
        """Watchers of an interaction: its queues' watchers and its conversation watchers."""
        return self.for_queues(queue_ids) | self.for_conversation(agent_ids)


@dataclass(frozen=True)
class Loaded:
    """A routing configuration and its audience, as read at one moment."""

    config: RoutingConfig
    audience: Audience
    fingerprint: tuple[Any, ...]


async def fingerprint(session: AsyncSession, *, org_id: int) -> tuple[Any, ...]:
    """A cheap summary of everything the configuration reads; it changes when they change.

    One round trip: counts, latest updates and checksums of queues, skills, users, queue
    members, user skills, permission switches, targeting rules and flows, and of what the
    R-A-6 audience reads: departments, groups and their members, access-rights roles and
    their assignments (a role given or taken reloads the audience).
    """
    in_org = select(Queue.id).where(Queue.org_id == org_id).scalar_subquery()
    org_users = select(User.id).where(User.org_id == org_id).scalar_subquery()
    org_groups = select(Group.id).where(Group.org_id == org_id).scalar_subquery()
    parts: list[Any] = []
    for model in (Queue, Skill, User, FlowRow, TargetingRuleRow, Department, Group, AccessRole):
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
    target = (
        func.coalesce(RoleAssignment.user_id, 0) * 131
        + func.coalesce(RoleAssignment.department_id, 0) * 17
        + func.coalesce(RoleAssignment.group_id, 0) * 3
    )
    parts.append(
        select(
            func.count() * 1_000_003
            + func.coalesce(func.sum(RoleAssignment.role_id * 7 + target), 0)
            + func.coalesce(func.max(RoleAssignment.id), 0) * 7_919
        )
        .where(RoleAssignment.org_id == org_id)
        .scalar_subquery()
    )
    parts.append(
        select(
            func.count() * 1_000_003
            + func.coalesce(
                func.sum(group_members.c.group_id * 7 + group_members.c.user_id * 131), 0
            )
        )
        .where(group_members.c.group_id.in_(org_groups))
        .scalar_subquery()
    )
    parts.append(
        select(ContactCenterPermissions.version)
        .where(ContactCenterPermissions.org_id == org_id)
        .scalar_subquery()
    )
    for column in (
        Organization.timezone,
        Organization.allow_mixing,
        Organization.channel_costs,
        Organization.paused_cost,
    ):
        parts.append(select(column).where(Organization.id == org_id).scalar_subquery())
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
        skill=None if queue.skill_id is None else str(queue.skill_id),
    )


async def _targeting(session: AsyncSession, org_id: int) -> dict[str, Any]:
    rules, default = await load_targeting(session, org_id=org_id)
    flows = await load_flows(session, org_id=org_id)
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
        costs=merged_costs(None if org is None else org.channel_costs),
        paused_cost=merged_paused_cost(None if org is None else org.paused_cost),
        allow_mixing=org is not None and org.allow_mixing,
        **await _targeting(session, org_id),
    )
    admins = frozenset(u.id for u in users if ADMINISTRATOR in u.roles)
    supervisors = [u.id for u in users if SUPERVISOR in u.roles and ADMINISTRATOR not in u.roles]
    reach = await statistics_reach(session, org_id=org_id, users=users)
    audience = Audience(
        admins=admins,
        supervisors={} if not limit else {q: frozenset(s) for q, s in sups.items()},
        all_queue_supervisors=frozenset() if limit else frozenset(supervisors),
        statistics_all=frozenset(reach.everything),
        statistics_by_agent={a: frozenset(w) for a, w in reach.by_agent.items()},
        statistics_by_department={d: frozenset(w) for d, w in reach.by_department.items()},
        department_of=reach.department_of,
    )
    return Loaded(config, audience, stamp)


@dataclass
class StatisticsReach:
    """Who sees which conversations under the statistics scope (R-A-2, R-A-6), inverted:
    for each agent and each department, the users who see what it handled."""

    everything: set[int] = field(default_factory=set)
    by_agent: dict[int, set[int]] = field(default_factory=dict)
    by_department: dict[int, set[int]] = field(default_factory=dict)
    department_of: dict[int, int] = field(default_factory=dict)

    def add(self, watcher: int, flt: Filter) -> None:
        """Record what ``flt`` (a statistics conversation filter) lets ``watcher`` see.

        Only the filters that depend on who handled a conversation can be followed from the
        engine's state; any other node (a contact-record filter, a conjunction) is refused
        loudly rather than silently widened or narrowed.
        """
        match flt:
            case policy.AllRows():
                self.everything.add(watcher)
            case policy.NoRows():
                pass
            case policy.AnyOf(parts):
                for part in parts:
                    self.add(watcher, part)
            case policy.HandledBy(agents):
                for agent in agents:
                    self.by_agent.setdefault(agent, set()).add(watcher)
            case policy.HandledInDepartments(departments):
                for dept in departments:
                    self.by_department.setdefault(dept, set()).add(watcher)
            case _:
                raise TypeError(f"the live audience cannot follow {flt!r}")


async def statistics_reach(
    session: AsyncSession, *, org_id: int, users: Iterable[User]
) -> StatisticsReach:
    """Each user's statistics scope (R-A-2), as `queries.access.load_subject` computes it, for
    every user of ``users`` at once: roles given to the user, to their department or a
    department above it, or to one of their groups, most permissive first (R-A-3); the
    contact-center administrator sees everything. Five queries for the whole organization."""
    # .all(): dict() over a Result itself would take it for a mapping.
    found = await session.execute(
        select(Department.id, Department.parent_id).where(Department.org_id == org_id)
    )
    parents: dict[int, int | None] = dict(found.all())
    tree = department_tree(parents)
    reach = StatisticsReach()
    for uid, dept in await session.execute(
        select(User.id, User.department_id).where(
            User.org_id == org_id, User.department_id.is_not(None)
        )
    ):
        if dept is not None:
            reach.department_of[uid] = dept
    tables = {
        r.id: grants_of(r)
        for r in await session.scalars(select(AccessRole).where(AccessRole.org_id == org_id))
    }
    given: dict[str, dict[int, set[int]]] = {"user": {}, "department": {}, "group": {}}
    for role_id, user_id, dept_id, group_id in await session.execute(
        select(
            RoleAssignment.role_id,
            RoleAssignment.user_id,
            RoleAssignment.department_id,
            RoleAssignment.group_id,
        ).where(RoleAssignment.org_id == org_id)
    ):
        for kind, target in (("user", user_id), ("department", dept_id), ("group", group_id)):
            if target is not None:
                given[kind].setdefault(target, set()).add(role_id)
    groups_of: dict[int, set[int]] = {}
    if given["group"]:
        for gid, uid in await session.execute(
            select(group_members.c.group_id, group_members.c.user_id).where(
                group_members.c.group_id.in_(sorted(given["group"]))
            )
        ):
            groups_of.setdefault(uid, set()).add(gid)
    for user in users:
        roles = set(given["user"].get(user.id, set()))
        for dept in ancestors(parents, user.department_id):
            roles |= given["department"].get(dept, set())
        for gid in groups_of.get(user.id, set()):
            roles |= given["group"].get(gid, set())
        departments: frozenset[int] = frozenset()
        if user.department_id is not None:
            departments = frozenset(tree.get(user.department_id, set()))
        subject = Subject(
            org_id=org_id,
            user_id=user.id,
            scopes=policy.union(tables[r] for r in sorted(roles) if r in tables),
            departments=departments,
            administrator=ADMINISTRATOR in user.roles,
        )
        reach.add(user.id, policy.conversation_filter(subject, Area.STATISTICS))
    return reach
