"""The access-rights filters compiled to SQL agree with the policy, on SQLite and PostgreSQL.

A small world of two organizations (a department tree, users, groups, queues with members,
contacts with owners and departments, conversations with current and earlier agents, canned
messages) is built once per test; random subjects then compare, area by area, the rows the
SQL ``WHERE`` returns with the objects :func:`guichet.authz.access.may` allows (R-A-2..R-A-6),
and :func:`guichet.queries.access.load_subject` with the roles that reach a user (R-A-3).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from guichet.actions.directory import do_create_department, do_create_group
from guichet.actions.orgs import do_create_organization
from guichet.actions.queues import do_create_queue, do_set_queue_members
from guichet.actions.users import do_create_user
from guichet.authz.access import (
    AREAS,
    CHANNEL_AREAS,
    CONVERSATION_AREAS,
    PREDEFINED_ROLES,
    AllOf,
    AllRows,
    AnyOf,
    Area,
    CannedFacts,
    ContactInDepartments,
    ContactOwnedBy,
    ConversationFacts,
    Filter,
    HandledBy,
    HandledInDepartments,
    NoRows,
    OrgWide,
    OwnedBy,
    Public,
    QueueFacts,
    QueueHasMember,
    QueueMemberInDepartments,
    Scope,
    Subject,
    matches,
    may,
    union,
)
from guichet.errors import NotFound
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.migrate import upgrade
from guichet.persistence.models import (
    AccessRole,
    Assignment,
    CannedMessage,
    Contact,
    Interaction,
    Queue,
    QueueMember,
    RoleAssignment,
    User,
)
from guichet.queries.access import _compile as compile_filter
from guichet.queries.access import (
    access_interaction,
    access_queue,
    canned_where,
    conversation_facts,
    conversation_where,
    load_subject,
    queue_where,
)
from guichet.security import Passwords
from tests.conftest import Database

NOBODY = union([])
PASSWORDS = Passwords(time_cost=1, memory_kib=8)
EARLIER = datetime(2026, 1, 1, tzinfo=UTC)

#: Organization 1's department tree: hq > sales > east, hq > support.
TREE: dict[str, str | None] = {"hq": None, "sales": "hq", "east": "sales", "support": "hq"}
#: Organization 1's users and their departments; "admin" is the contact-center administrator.
USERS: dict[str, str | None] = {
    "boss": "hq",
    "s1": "sales",
    "s2": "sales",
    "e1": "east",
    "p1": "support",
    "p2": "support",
    "loner": None,
    "admin": None,
}
GROUPS = {"floor": ("s1", "p1"), "night": ("e1", "loner")}
#: Queue -> (agents, supervisors).
QUEUES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sales_q": (("s1", "e1"), ("boss",)),
    "support_q": (("p1", "p2"), ()),
    "empty_q": ((), ()),
}
#: Contact -> (owner, department).
CONTACTS: dict[str, tuple[str | None, str | None]] = {
    "c_s2": ("s2", None),
    "c_east": (None, "east"),
    "c_support": ("loner", "support"),
    "c_plain": (None, None),
}
#: Conversation -> (current agent, earlier agents, contact).
CONVERSATIONS: dict[str, tuple[str | None, tuple[str, ...], str | None]] = {
    "i_s1": ("s1", (), "c_plain"),
    "i_e1_after_s2": ("e1", ("s2",), "c_s2"),
    "i_closed_p1_p2": (None, ("p1", "p2"), "c_east"),
    "i_p2": ("p2", (), "c_support"),
    "i_waiting": (None, (), None),
    "i_loner_after_boss": ("loner", ("boss",), "c_east"),
    "i_admin": ("admin", (), None),
    "i_ended_s1": (None, ("s1",), "c_support"),
    "i_boss": ("boss", (), None),
}
#: Canned message -> (public, owner, queue).
CANNED: dict[str, tuple[bool, str | None, str | None]] = {
    "pub_org": (True, "admin", None),
    "priv_s1": (False, "s1", None),
    "priv_e1_sales": (False, "e1", "sales_q"),
    "pub_sales": (True, "boss", "sales_q"),
    "pub_support": (True, "p1", "support_q"),
    "pub_empty": (True, "admin", "empty_q"),
    "pub_orphan_support": (True, None, "support_q"),
}


@dataclass
class World:
    """Ids of what was built, and the facts of every object of both organizations."""

    factory: async_sessionmaker[AsyncSession]
    org: int = 0
    other_org: int = 0
    depts: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    queues: dict[str, int] = field(default_factory=dict)
    conversations: dict[str, int] = field(default_factory=dict)
    canned: dict[str, int] = field(default_factory=dict)
    other_users: dict[str, int] = field(default_factory=dict)
    other_dept: int = 0
    other_group: int = 0
    other_queue: int = 0
    other_conversations: list[int] = field(default_factory=list)
    conversation_facts: dict[int, ConversationFacts] = field(default_factory=dict)
    queue_facts: dict[int, QueueFacts] = field(default_factory=dict)
    canned_facts: dict[int, CannedFacts] = field(default_factory=dict)

    def ancestors(self, user: str) -> set[int]:
        """The user's department and every one above it, read from :data:`TREE`."""
        out: set[int] = set()
        dept = USERS[user]
        while dept is not None:
            out.add(self.depts[dept])
            dept = TREE[dept]
        return out

    def subtree(self, user: str) -> frozenset[int]:
        """The user's department and every one below it, read from :data:`TREE`."""
        top = USERS[user]
        if top is None:
            return frozenset()

        def under(d: str) -> bool:
            while d is not None:
                if d == top:
                    return True
                parent = TREE[d]
                if parent is None:
                    return False
                d = parent
            return False

        return frozenset(self.depts[d] for d in TREE if under(d))


async def _user(
    session: AsyncSession, org_id: int, email: str, dept: int | None, roles: Iterable[str]
) -> int:
    user = await do_create_user(
        session,
        passwords=PASSWORDS,
        org_id=org_id,
        email=email,
        display_name=email.split("@")[0],
        password=None,
        roles=roles,
        department_id=dept,
    )
    return user.id


async def _conversation(
    session: AsyncSession,
    org_id: int,
    agent: int | None,
    earlier: Iterable[int],
    contact: int | None,
) -> int:
    row = Interaction(
        org_id=org_id,
        channel="chat",
        status="assigned" if agent is not None else "closed",
        agent_id=agent,
        contact_id=contact,
    )
    session.add(row)
    await session.flush()
    for agent_id in earlier:
        session.add(
            Assignment(
                org_id=org_id,
                interaction_id=row.id,
                agent_id=agent_id,
                active=False,
                started_at=EARLIER,
                ended_at=EARLIER,
                end_reason="transferred",
            )
        )
    if agent is not None:
        session.add(Assignment(org_id=org_id, interaction_id=row.id, agent_id=agent))
    await session.flush()
    return row.id


def _canned(
    org_id: int, name: str, public: bool, owner: int | None, queue: int | None
) -> CannedMessage:
    scope = "public" if public else f"user:{owner}"
    return CannedMessage(
        org_id=org_id,
        shortcut=name,
        shortcut_key=name,
        text=f"text of {name}",
        visibility="public" if public else "private",
        scope_key=scope,
        owner_id=owner,
        queue_id=queue,
    )


async def _build(session: AsyncSession, w: World) -> None:
    org = await do_create_organization(session, name="Alpha", slug="alpha")
    other = await do_create_organization(session, name="Bravo", slug="bravo")
    w.org, w.other_org = org.id, other.id
    for name, parent in TREE.items():
        dept = await do_create_department(
            session,
            org_id=w.org,
            name=name,
            parent_id=w.depts[parent] if parent is not None else None,
        )
        w.depts[name] = dept.id
    w.other_dept = (await do_create_department(session, org_id=w.other_org, name="hq")).id
    for name, dept_name in USERS.items():
        roles = {"admin": ["administrator"], "boss": ["agent", "supervisor"]}.get(name, ["agent"])
        dept_id = w.depts[dept_name] if dept_name is not None else None
        w.users[name] = await _user(session, w.org, f"{name}@alpha.test", dept_id, roles)
    for name, dept_id in (("x1", w.other_dept), ("x2", None)):
        w.other_users[name] = await _user(
            session, w.other_org, f"{name}@bravo.test", dept_id, ["agent"]
        )
    for name, members in GROUPS.items():
        group = await do_create_group(
            session, org_id=w.org, name=name, user_ids=[w.users[m] for m in members]
        )
        w.groups[name] = group.id
    w.other_group = (
        await do_create_group(
            session, org_id=w.other_org, name="floor", user_ids=[w.other_users["x1"]]
        )
    ).id
    for name, (agents, supervisors) in QUEUES.items():
        queue = await do_create_queue(session, org_id=w.org, values={"kind": "chat", "name": name})
        await do_set_queue_members(
            session,
            queue=queue,
            agents=[w.users[a] for a in agents],
            supervisors=[w.users[s] for s in supervisors],
        )
        w.queues[name] = queue.id
    other_queue = await do_create_queue(
        session, org_id=w.other_org, values={"kind": "chat", "name": "sales_q"}
    )
    await do_set_queue_members(
        session, queue=other_queue, agents=[w.other_users["x1"]], supervisors=[]
    )
    w.other_queue = other_queue.id

    contacts: dict[str, int] = {}
    for name, (owner, dept_name) in CONTACTS.items():
        contact = Contact(
            org_id=w.org,
            name=name,
            owner_id=w.users[owner] if owner is not None else None,
            department_id=w.depts[dept_name] if dept_name is not None else None,
        )
        session.add(contact)
        await session.flush()
        contacts[name] = contact.id
    for name, (agent, earlier, contact_name) in CONVERSATIONS.items():
        w.conversations[name] = await _conversation(
            session,
            w.org,
            w.users[agent] if agent is not None else None,
            [w.users[e] for e in earlier],
            contacts[contact_name] if contact_name is not None else None,
        )
    x1, x2 = w.other_users["x1"], w.other_users["x2"]
    foreign_contact = Contact(
        org_id=w.other_org, name="theirs", owner_id=x1, department_id=w.other_dept
    )
    session.add(foreign_contact)
    await session.flush()
    w.other_conversations = [
        await _conversation(session, w.other_org, x1, (), foreign_contact.id),
        await _conversation(session, w.other_org, None, (x2,), None),
        await _conversation(session, w.other_org, None, (), None),
    ]
    for name, (public, owner, queue_name) in CANNED.items():
        row = _canned(
            w.org,
            name,
            public,
            w.users[owner] if owner is not None else None,
            w.queues[queue_name] if queue_name is not None else None,
        )
        session.add(row)
        await session.flush()
        w.canned[name] = row.id
    session.add(_canned(w.other_org, "pub_org", True, x1, None))
    session.add(_canned(w.other_org, "priv_x2", False, x2, w.other_queue))
    await session.commit()


async def _queue_facts(session: AsyncSession, queue: Queue) -> QueueFacts:
    members = set(
        await session.scalars(select(QueueMember.user_id).where(QueueMember.queue_id == queue.id))
    )
    depts = await session.scalars(
        select(User.department_id).where(User.id.in_(members), User.department_id.is_not(None))
    )
    return QueueFacts(
        org_id=queue.org_id,
        members=frozenset(members),
        member_departments=frozenset(d for d in depts if d is not None),
    )


async def _canned_facts(session: AsyncSession, row: CannedMessage) -> CannedFacts:
    members: frozenset[int] = frozenset()
    depts: frozenset[int] = frozenset()
    if row.queue_id is not None:
        queue = await session.get(Queue, row.queue_id)
        assert queue is not None
        facts = await _queue_facts(session, queue)
        members, depts = facts.members, facts.member_departments
    return CannedFacts(
        org_id=row.org_id,
        public=row.visibility == "public",
        owner=row.owner_id,
        queue=row.queue_id,
        queue_members=members,
        queue_member_departments=depts,
    )


@pytest.fixture
async def world(database: Database) -> AsyncIterator[World]:
    """The migrated database with both organizations, and the facts of every object."""
    await upgrade(database.url, search_path=database.schema)
    engine: AsyncEngine = create_engine(database.url, search_path=database.schema)
    w = World(factory=session_factory(engine))
    try:
        async with w.factory() as session:
            await _build(session, w)
        async with w.factory() as session:
            for row in await session.scalars(select(Interaction)):
                w.conversation_facts[row.id] = await conversation_facts(session, row)
            for queue in await session.scalars(select(Queue)):
                w.queue_facts[queue.id] = await _queue_facts(session, queue)
            for canned in await session.scalars(select(CannedMessage)):
                w.canned_facts[canned.id] = await _canned_facts(session, canned)
        yield w
    finally:
        await engine.dispose()


async def _user_row(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    assert user is not None
    return user


async def assert_sql_matches_policy(session: AsyncSession, w: World, subject: Subject) -> None:
    """For every area, the SQL filter returns exactly the objects ``may`` allows (R-A-6)."""
    for area in sorted(CONVERSATION_AREAS):
        got = set(
            await session.scalars(select(Interaction.id).where(conversation_where(subject, area)))
        )
        want = {i for i, f in w.conversation_facts.items() if may(subject, area, f)}
        assert got == want, (area, subject)
    for area in sorted(CHANNEL_AREAS):
        got = set(await session.scalars(select(Queue.id).where(queue_where(subject, area))))
        want = {q for q, f in w.queue_facts.items() if may(subject, area, f)}
        assert got == want, (area, subject)
    got = set(await session.scalars(select(CannedMessage.id).where(canned_where(subject))))
    want = {c for c, f in w.canned_facts.items() if may(subject, Area.CANNED, f)}
    assert got == want, (Area.CANNED, subject)


# --- Any filter tree: compiled to SQL, it selects what matches() admits ---------------------------


def _trees(leaves: st.SearchStrategy[Filter]) -> st.SearchStrategy[Filter]:
    """Filter trees over ``leaves``, empty conjunctions and disjunctions included."""
    return st.recursive(
        leaves,
        lambda inner: (
            st.builds(AnyOf, st.lists(inner, max_size=3).map(tuple))
            | st.builds(AllOf, st.lists(inner, max_size=3).map(tuple))
        ),
        max_leaves=6,
    )


async def assert_filter_tree_matches(session: AsyncSession, w: World, data: st.DataObject) -> None:
    """R-A-6: any row filter (not only those the policy builds today) selects in SQL exactly
    the rows whose facts :func:`matches` admits, for conversations, queues and canned
    messages, over both organizations."""
    user_ids = sorted([*w.users.values(), *w.other_users.values()])
    dept_ids = sorted([*w.depts.values(), w.other_dept])
    users = st.frozensets(st.sampled_from(user_ids), max_size=3)
    depts = st.frozensets(st.sampled_from(dept_ids), max_size=3)
    fixed: st.SearchStrategy[Filter] = st.sampled_from([AllRows(), NoRows()])
    queue_leaves: st.SearchStrategy[Filter] = (
        fixed | st.builds(QueueHasMember, users) | st.builds(QueueMemberInDepartments, depts)
    )
    conversation_leaves: st.SearchStrategy[Filter] = (
        fixed
        | st.builds(HandledBy, users)
        | st.builds(HandledInDepartments, depts)
        | st.builds(ContactOwnedBy, st.sampled_from(user_ids))
        | st.builds(ContactInDepartments, depts)
    )
    canned_marks: st.SearchStrategy[Filter] = st.sampled_from([OrgWide(), Public()])
    canned_leaves: st.SearchStrategy[Filter] = (
        queue_leaves | canned_marks | st.builds(OwnedBy, st.sampled_from(user_ids))
    )
    conversation_tree = data.draw(_trees(conversation_leaves), label="conversations")
    queue_tree = data.draw(_trees(queue_leaves), label="queues")
    canned_tree = data.draw(_trees(canned_leaves), label="canned")
    where = compile_filter(conversation_tree, Interaction)
    got = set(await session.scalars(select(Interaction.id).where(where)))
    assert got == {i for i, f in w.conversation_facts.items() if matches(conversation_tree, f)}
    got = set(await session.scalars(select(Queue.id).where(compile_filter(queue_tree, Queue))))
    assert got == {q for q, f in w.queue_facts.items() if matches(queue_tree, f)}
    where = compile_filter(canned_tree, CannedMessage)
    got = set(await session.scalars(select(CannedMessage.id).where(where)))
    assert got == {c for c, f in w.canned_facts.items() if matches(canned_tree, f)}


# --- Random subjects -------------------------------------------------------------------------

scopes = st.sampled_from(list(Scope))
tables = st.fixed_dictionaries(dict.fromkeys(AREAS, scopes))
#: A role: a predefined one by key, or a custom grant table.
roles = st.sampled_from([r.key for r in PREDEFINED_ROLES]) | tables
#: Where a role is assigned: the user, their department, the one above, or any user,
#: department or group of organization 1 (which may or may not reach the user).
targets = st.sampled_from(
    [("me", ""), ("mine", ""), ("above", "")]
    + [("user", u) for u in sorted(USERS)]
    + [("department", d) for d in sorted(TREE)]
    + [("group", g) for g in sorted(GROUPS)]
)


def _target(w: World, kind: str, name: str, me: str) -> tuple[str, int]:
    """The assignment's target column and id."""
    mine = USERS[me]
    if kind == "mine" and mine is not None:
        return "department", w.depts[mine]
    if kind == "above" and mine is not None:
        return "department", w.depts[TREE[mine] or mine]
    if kind in ("department", "group", "user"):
        ids = {"department": w.depts, "group": w.groups, "user": w.users}[kind]
        return kind, ids[name]
    return "user", w.users[me]


def _reaches(w: World, me: str, kind: str, target: int) -> bool:
    """Whether a role given to ``target`` reaches ``me`` (R-A-3), read from the world's data."""
    if kind == "user":
        return target == w.users[me]
    if kind == "department":
        return target in w.ancestors(me)
    return any(w.groups[g] == target and me in members for g, members in GROUPS.items())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    me=st.sampled_from(sorted(USERS)),
    given_roles=st.lists(st.tuples(roles, targets), max_size=4),
    direct=st.none() | st.tuples(tables, st.booleans()),
    data=st.data(),
)
async def test_sql_filters_equal_may_for_random_subjects(
    world: World,
    me: str,
    given_roles: list[tuple[str | dict[Area, Scope], tuple[str, str]]],
    direct: tuple[dict[Area, Scope], bool] | None,
    data: st.DataObject,
) -> None:
    """R-A-2..R-A-6: for a random user of organization 1 holding random roles assigned to them,
    to their department or one above it, or to a group (or a subject with a random grant
    table), the rows each SQL filter returns, over both organizations, are exactly the objects
    ``may`` allows; and ``load_subject`` unites exactly the roles that reach the user (R-A-3).
    A random filter tree, compiled, selects what ``matches`` admits (R-A-6)."""
    w = world
    async with w.factory() as session:
        predefined = {
            r.key: r
            for r in await session.scalars(
                select(AccessRole).where(AccessRole.org_id == w.org, AccessRole.key.is_not(None))
            )
        }
        expected: list[dict[Area, Scope]] = []
        seen: set[tuple[int, str]] = set()
        for n, (role, (kind, name)) in enumerate(given_roles):
            if isinstance(role, str):
                row = predefined[role]
                table = dict(next(p.grants for p in PREDEFINED_ROLES if p.key == role))
            else:
                row = AccessRole(
                    org_id=w.org,
                    name=f"custom {n}",
                    name_key=f"custom {n}",
                    grants={a.value: s.label for a, s in role.items()},
                )
                session.add(row)
                await session.flush()
                table = role
            target_kind, target = _target(w, kind, name, me)
            key = f"{target_kind}:{target}"
            if (row.id, key) in seen:
                continue
            seen.add((row.id, key))
            session.add(
                RoleAssignment(
                    org_id=w.org,
                    role_id=row.id,
                    target_key=key,
                    **{f"{target_kind}_id": target},
                )
            )
            if _reaches(w, me, target_kind, target):
                expected.append(table)
        await session.flush()
        user = await _user_row(session, w.users[me])
        subject = await load_subject(session, user)
        assert dict(subject.scopes) == union(expected)
        assert subject.departments == w.subtree(me)
        assert subject.administrator == (me == "admin")
        if direct is not None:
            table, administrator = direct
            subject = replace(subject, scopes=table, administrator=administrator)
        await assert_sql_matches_policy(session, w, subject)
        await assert_filter_tree_matches(session, w, data)
        await session.rollback()


# --- Fixed cases: what the SQL returns, by name -----------------------------------------------


def _names(ids: dict[str, int], got: set[int]) -> set[str]:
    return {name for name, i in ids.items() if i in got}


async def _visible(session: AsyncSession, w: World, subject: Subject, area: Area) -> set[str]:
    rows = await session.scalars(select(Interaction.id).where(conversation_where(subject, area)))
    got = set(rows)
    assert not got & set(w.other_conversations)
    return _names(w.conversations, got)


async def test_r_a_2_r_a_4_r_a_5_sql_returns_the_expected_rows(world: World) -> None:
    """R-A-2 own (now or earlier) and department (subtree) scopes, R-A-4 CRM precedence for
    history but not statistics, R-A-5 evaluate within history, in SQL, by name; R-A-6 the
    ``access_*`` helpers answer 404 outside the filter."""
    w = world
    async with w.factory() as session:
        s2 = await load_subject(session, await _user_row(session, w.users["s2"]))
        own = replace(s2, scopes={**NOBODY, Area.STATISTICS: Scope.OWN, Area.HISTORY: Scope.OWN})
        assert await _visible(session, w, own, Area.STATISTICS) == {"i_e1_after_s2"}
        # History adds the contact records s2 may access (R-A-4): c_s2 is theirs (the same
        # conversation) and c_east belongs to east, below s2's department sales.
        assert await _visible(session, w, own, Area.HISTORY) == {
            "i_e1_after_s2",
            "i_closed_p1_p2",
            "i_loner_after_boss",
        }

        sales = replace(s2, scopes={**NOBODY, Area.STATISTICS: Scope.DEPARTMENT})
        assert await _visible(session, w, sales, Area.STATISTICS) == {
            "i_s1",
            "i_e1_after_s2",
            "i_ended_s1",
        }
        loner = await load_subject(session, await _user_row(session, w.users["loner"]))
        assert loner.scopes == NOBODY
        # Nothing handled counts for statistics; the contact record c_support opens history.
        assert await _visible(session, w, loner, Area.STATISTICS) == set()
        assert await _visible(session, w, loner, Area.HISTORY) == {"i_p2", "i_ended_s1"}
        assert await _visible(session, w, loner, Area.JOIN) == {"i_p2", "i_ended_s1"}
        assert await _visible(session, w, loner, Area.EVALUATE) == set()
        evaluator = replace(loner, scopes={**NOBODY, Area.EVALUATE: Scope.ALL})
        assert await _visible(session, w, evaluator, Area.EVALUATE) == {"i_p2", "i_ended_s1"}

        boss = await load_subject(session, await _user_row(session, w.users["boss"]))
        everyone_below = replace(boss, scopes={**NOBODY, Area.HISTORY: Scope.DEPARTMENT})
        assert await _visible(session, w, everyone_below, Area.HISTORY) == set(w.conversations) - {
            "i_waiting",
            "i_admin",
        }

        admin = await load_subject(session, await _user_row(session, w.users["admin"]))
        for area in CONVERSATION_AREAS:
            assert await _visible(session, w, admin, area) == set(w.conversations)
        await assert_sql_matches_policy(session, w, admin)

    # R-A-6: access_interaction and access_queue load through the filter; a row the subject
    # may not see, or another organization's, is 404 like a missing one.
    async with w.factory() as session:
        s1 = await load_subject(session, await _user_row(session, w.users["s1"]))
        manager = replace(
            s1, scopes=dict(next(r for r in PREDEFINED_ROLES if r.key == "manager").grants)
        )
        row = await access_interaction(session, manager, w.conversations["i_s1"], Area.HISTORY)
        assert row.id == w.conversations["i_s1"]
        for iid in (w.conversations["i_p2"], w.other_conversations[0], 2**40):
            with pytest.raises(NotFound):
                await access_interaction(session, manager, iid, Area.HISTORY)
        queue = await access_queue(session, manager, w.queues["sales_q"], Area.CHANNELS_VIEW)
        assert queue.id == w.queues["sales_q"]
        for qid in (w.queues["support_q"], w.other_queue):
            with pytest.raises(NotFound):
                await access_queue(session, manager, qid, Area.CHANNELS_VIEW)
        admin = await load_subject(session, await _user_row(session, w.users["admin"]))
        with pytest.raises(NotFound):
            await access_interaction(session, admin, w.other_conversations[0], Area.HISTORY)
        with pytest.raises(NotFound):
            await access_queue(session, admin, w.other_queue, Area.CHANNELS_EDIT)


# --- load_subject ----------------------------------------------------------------------------


async def test_r_a_1_r_a_3_load_subject_unites_roles_of_user_departments_above_and_groups(
    world: World,
) -> None:
    """R-A-3: roles given to the user, to their department or any department above it (every
    member, sub-departments included) and to their groups add up, most permissive per area;
    roles given to a department below or beside, to a group they are not in, or by another
    organization do not reach them. R-A-1: every organization holds the predefined roles."""
    w = world
    async with w.factory() as session:

        async def role(org_id: int, name: str, **by_area: Scope) -> int:
            row = AccessRole(
                org_id=org_id,
                name=name,
                name_key=name,
                grants={a.value: by_area.get(a.value, Scope.DENIED).label for a in AREAS},
            )
            session.add(row)
            await session.flush()
            return row.id

        def assign(org_id: int, role_id: int, kind: str, target: int) -> None:
            session.add(
                RoleAssignment(
                    org_id=org_id,
                    role_id=role_id,
                    target_key=f"{kind}:{target}",
                    **{f"{kind}_id": target},
                )
            )

        direct = await role(w.org, "direct", history=Scope.OWN, canned=Scope.DEPARTMENT)
        parent = await role(w.org, "parent", statistics=Scope.DEPARTMENT, history=Scope.DEPARTMENT)
        grand = await role(w.org, "grand", channels_view=Scope.OWN)
        group = await role(w.org, "group", join=Scope.ALL, history=Scope.OWN)
        beside = await role(w.org, "beside", access_rights=Scope.ALL)
        not_mine = await role(w.org, "not mine", evaluate=Scope.ALL)
        foreign = await role(w.other_org, "foreign", channels_edit=Scope.ALL)
        e1 = w.users["e1"]
        assign(w.org, direct, "user", e1)
        assign(w.org, parent, "department", w.depts["sales"])
        assign(w.org, grand, "department", w.depts["hq"])
        assign(w.org, group, "group", w.groups["night"])
        assign(w.org, beside, "department", w.depts["support"])
        assign(w.org, not_mine, "group", w.groups["floor"])
        assign(w.org, not_mine, "user", w.users["s1"])
        # Rows that cross organizations must never count.
        assign(w.other_org, foreign, "user", e1)
        assign(w.org, foreign, "department", w.depts["east"])
        assign(w.other_org, foreign, "group", w.other_group)
        await session.flush()

        subject = await load_subject(session, await _user_row(session, e1))
        assert subject.org_id == w.org and subject.user_id == e1
        assert dict(subject.scopes) == {
            **NOBODY,
            Area.HISTORY: Scope.DEPARTMENT,
            Area.CANNED: Scope.DEPARTMENT,
            Area.STATISTICS: Scope.DEPARTMENT,
            Area.CHANNELS_VIEW: Scope.OWN,
            Area.JOIN: Scope.ALL,
        }
        assert subject.departments == {w.depts["east"]}
        assert subject.member_queues == {w.queues["sales_q"]}
        assert not subject.administrator

        # A role given to a department reaches every member of its sub-departments too.
        boss = await load_subject(session, await _user_row(session, w.users["boss"]))
        assert dict(boss.scopes) == {**NOBODY, Area.CHANNELS_VIEW: Scope.OWN}
        assert boss.departments == set(w.depts.values())
        s1 = await load_subject(session, await _user_row(session, w.users["s1"]))
        assert dict(s1.scopes) == {
            **NOBODY,
            Area.STATISTICS: Scope.DEPARTMENT,
            Area.HISTORY: Scope.DEPARTMENT,
            Area.CHANNELS_VIEW: Scope.OWN,
            Area.EVALUATE: Scope.ALL,
        }
        assert s1.departments == {w.depts["sales"], w.depts["east"]}
        admin = await load_subject(session, await _user_row(session, w.users["admin"]))
        assert admin.administrator and admin.departments == frozenset()
        await session.rollback()

        # R-A-1: each organization holds the three predefined roles with their exact tables.
        for org_id in (w.org, w.other_org):
            rows = await session.scalars(
                select(AccessRole).where(AccessRole.org_id == org_id, AccessRole.key.is_not(None))
            )
            stored = {r.key: r.grants for r in rows}
            assert stored == {
                r.key: {a.value: s.label for a, s in r.grants.items()} for r in PREDEFINED_ROLES
            }
