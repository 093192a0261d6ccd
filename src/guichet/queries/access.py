"""Access rights in the database: who the caller is to the policy, and its filters as SQL.

:func:`load_subject` reads a user's roles (given to them, to their department or a department
above it, to their groups: R-A-3) into a :class:`~guichet.authz.access.Subject`. The
``*_where`` functions compile the policy's row filters into SQL ``WHERE`` clauses, so lists,
searches, statistics and exports only ever load rows the caller may see (R-A-6); the
``access_*`` helpers load one object through the same clause, or answer 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.authz import access as policy
from guichet.authz.access import (
    AllOf,
    AllRows,
    AnyOf,
    Area,
    ContactInDepartments,
    ContactOwnedBy,
    Filter,
    HandledBy,
    HandledInDepartments,
    NoRows,
    OrgWide,
    OwnedBy,
    Public,
    QueueHasMember,
    QueueMemberInDepartments,
    Scope,
    Subject,
)
from guichet.authz.cc import ADMINISTRATOR
from guichet.persistence.models import (
    AccessRole,
    Assignment,
    CannedMessage,
    Contact,
    Department,
    Interaction,
    Queue,
    QueueMember,
    RoleAssignment,
    User,
    group_members,
)
from guichet.queries.lookups import load_visible


def department_tree(parents: dict[int, int | None]) -> dict[int, set[int]]:
    """Each department with every department below it (itself included)."""
    below: dict[int, set[int]] = {d: {d} for d in parents}
    for dept in parents:
        seen: set[int] = set()
        up = parents.get(dept)
        while up is not None and up not in seen:
            seen.add(up)
            below.setdefault(up, {up}).add(dept)
            up = parents.get(up)
    return below


def ancestors(parents: dict[int, int | None], dept: int | None) -> list[int]:
    """``dept`` and every department above it."""
    out: list[int] = []
    while dept is not None and dept not in out:
        out.append(dept)
        dept = parents.get(dept)
    return out


def grants_of(row: AccessRole) -> dict[Area, Scope]:
    """A role row's grant table (an unknown or missing area reads as denied)."""
    out = dict.fromkeys(policy.AREAS, Scope.DENIED)
    for area in policy.AREAS:
        value = row.grants.get(area.value)
        if isinstance(value, str) and value.upper() in Scope.__members__:
            out[area] = Scope.parse(value)
    return out


async def _parents(session: AsyncSession, org_id: int) -> dict[int, int | None]:
    rows = await session.execute(
        select(Department.id, Department.parent_id).where(Department.org_id == org_id)
    )
    return dict(rows.all())  # a Result has keys(): dict() would read it as a mapping


async def roles_of(session: AsyncSession, user: User) -> list[AccessRole]:
    """Every role reaching ``user``: directly, through a department above, or a group (R-A-3)."""
    parents = await _parents(session, user.org_id)
    depts = ancestors(parents, user.department_id)
    groups = select(group_members.c.group_id).where(group_members.c.user_id == user.id)
    reach: list[ColumnElement[bool]] = [
        RoleAssignment.user_id == user.id,
        RoleAssignment.group_id.in_(groups),
    ]
    if depts:
        reach.append(RoleAssignment.department_id.in_(depts))
    rows = await session.scalars(
        select(AccessRole)
        .where(
            AccessRole.org_id == user.org_id,
            AccessRole.id.in_(
                select(RoleAssignment.role_id).where(
                    RoleAssignment.org_id == user.org_id, or_(*reach)
                )
            ),
        )
        .order_by(AccessRole.id)
    )
    return list(rows)


async def load_subject(session: AsyncSession, user: User) -> Subject:
    """The policy's view of ``user``: union of their roles, departments, queues (R-A-1..3)."""
    parents = await _parents(session, user.org_id)
    roles = await roles_of(session, user)
    departments: frozenset[int] = frozenset()
    if user.department_id is not None:
        departments = frozenset(department_tree(parents).get(user.department_id, set()))
    queues = await session.scalars(
        select(QueueMember.queue_id).where(QueueMember.user_id == user.id).distinct()
    )
    return Subject(
        org_id=user.org_id,
        user_id=user.id,
        scopes=policy.union(grants_of(r) for r in roles),
        departments=departments,
        administrator=ADMINISTRATOR in user.roles,
        member_queues=frozenset(queues),
    )


# --- Filters compiled to SQL -----------------------------------------------------------------


def _ids(values: Iterable[int]) -> list[int]:
    return sorted(values)


def _handled_by(users: Any) -> ColumnElement[bool]:
    """Handled now or earlier by one of ``users`` (a list of ids or a SELECT of ids)."""
    earlier = exists().where(
        Assignment.interaction_id == Interaction.id, Assignment.agent_id.in_(users)
    )
    return or_(Interaction.agent_id.in_(users), earlier)


def _compile(flt: Filter, target: type[Any]) -> ColumnElement[bool]:
    """One filter node as SQL over ``target`` (Interaction, Queue or CannedMessage)."""
    match flt:
        case AllRows():
            return true()
        case NoRows():
            return false()
        case AnyOf(parts):
            # An empty disjunction admits nothing (as `matches` says); a bare ``or_()`` would
            # add no condition at all and admit every row.
            return or_(false(), *(_compile(p, target) for p in parts))
        case AllOf(parts):
            return and_(true(), *(_compile(p, target) for p in parts))
        case HandledBy(users) if target is Interaction:
            return _handled_by(_ids(users))
        case HandledInDepartments(departments) if target is Interaction:
            members = select(User.id).where(User.department_id.in_(_ids(departments)))
            return _handled_by(members)
        case ContactOwnedBy(user) if target is Interaction:
            return Interaction.contact_id.in_(select(Contact.id).where(Contact.owner_id == user))
        case ContactInDepartments(departments) if target is Interaction:
            return Interaction.contact_id.in_(
                select(Contact.id).where(Contact.department_id.in_(_ids(departments)))
            )
        case QueueHasMember(users):
            queues = select(QueueMember.queue_id).where(QueueMember.user_id.in_(_ids(users)))
            return _queue_in(target, queues)
        case QueueMemberInDepartments(departments):
            queues = select(QueueMember.queue_id).where(
                QueueMember.user_id.in_(
                    select(User.id).where(User.department_id.in_(_ids(departments)))
                )
            )
            return _queue_in(target, queues)
        case OrgWide() if target is CannedMessage:
            return CannedMessage.queue_id.is_(None)
        case Public() if target is CannedMessage:
            return CannedMessage.visibility == "public"
        case OwnedBy(user) if target is CannedMessage:
            return CannedMessage.owner_id == user
    raise TypeError(f"{flt!r} does not apply to {target.__name__}")


def _queue_in(target: type[Any], queues: Any) -> ColumnElement[bool]:
    if target is Queue:
        return Queue.id.in_(queues)
    if target is CannedMessage:
        return CannedMessage.queue_id.in_(queues)
    raise TypeError(f"queue filters do not apply to {target.__name__}")


def conversation_where(subject: Subject, area: Area) -> ColumnElement[bool]:
    """SQL for the conversations ``subject`` may see in ``area``, within their organization."""
    return and_(
        Interaction.org_id == subject.org_id,
        _compile(policy.conversation_filter(subject, area), Interaction),
    )


def queue_where(subject: Subject, area: Area) -> ColumnElement[bool]:
    """SQL for the queues (channels) ``subject`` may reach in ``area``."""
    return and_(Queue.org_id == subject.org_id, _compile(policy.queue_filter(subject, area), Queue))


def canned_where(subject: Subject) -> ColumnElement[bool]:
    """SQL for the canned messages ``subject`` may read (R-Q-11, R-A-2)."""
    return and_(
        CannedMessage.org_id == subject.org_id,
        _compile(policy.canned_filter(subject), CannedMessage),
    )


async def access_interaction(
    session: AsyncSession, subject: Subject, iid: int, area: Area
) -> Interaction:
    """The interaction, loaded through ``area``'s filter; 404 when it is not there for them."""
    return await load_visible(session, Interaction, iid, conversation_where(subject, area))


async def access_queue(session: AsyncSession, subject: Subject, qid: int, area: Area) -> Queue:
    """The queue, loaded through ``area``'s filter; 404 when it is not there for them."""
    return await load_visible(session, Queue, qid, queue_where(subject, area))


async def conversation_facts(session: AsyncSession, row: Interaction) -> policy.ConversationFacts:
    """The facts :func:`guichet.authz.access.may` needs about one interaction."""
    agents = set(
        await session.scalars(
            select(Assignment.agent_id).where(Assignment.interaction_id == row.id)
        )
    )
    if row.agent_id is not None:
        agents.add(row.agent_id)
    depts: set[int] = set()
    if agents:
        depts = {
            d
            for d in await session.scalars(
                select(User.department_id).where(User.id.in_(sorted(agents)))
            )
            if d is not None
        }
    owner = dept = None
    if row.contact_id is not None:
        contact = await session.get(Contact, row.contact_id)
        if contact is not None:
            owner, dept = contact.owner_id, contact.department_id
    return policy.ConversationFacts(
        org_id=row.org_id,
        agents=frozenset(agents),
        agent_departments=frozenset(depts),
        contact_owner=owner,
        contact_department=dept,
    )
