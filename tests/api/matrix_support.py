"""The world of the access matrix, and what the model says about it (R-A-1..R-A-6, R-P-1..R-P-4).

:func:`build` makes two organizations. Organization A has a department tree (D1 with D1a below
it, and D2), users of every kind (the contact-center administrator, a supervisor limited to
assigned queues, plain agents in each department, a Director, a Manager, a custom "Team lead"
role with department scopes, an agent without any access role, a user without any role) and
objects in every place: conversations handled in each department, queues with members in each
department, canned messages of the organization, of queues and private ones, contact records
owned by a user or by a department. Organization B mirrors a few of them, with its own
administrator, to prove that nothing crosses organizations.

:class:`Model` answers, from the setup alone (never from the database), what the pure policies
(:func:`guichet.authz.access.may`, :func:`guichet.authz.cc.can`) and the operational rules say
each user may do to each object. The test compares those answers with the HTTP answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from guichet.actions.canned_messages import scope_key
from guichet.authz.access import (
    DIRECTOR_ROLE,
    MANAGER_ROLE,
    Area,
    CannedFacts,
    ConversationFacts,
    QueueFacts,
    Scope,
    Subject,
    grants,
    may,
    may_connect,
    may_manage_access,
    union,
)
from guichet.authz.cc import ADMINISTRATOR, SUPERVISOR, CCPermissions, Permission, can
from guichet.persistence.models import CannedMessage
from tests.api.test_conversations_access import contact, conversation, department, grant
from tests.factories import Org
from tests.live.conftest import LiveWorld
from tests.live.helpers import queue

#: The custom role of the matrix: department scopes (R-A-1 custom roles, R-A-2).
TEAM_LEAD = grants(
    statistics=Scope.DEPARTMENT,
    history=Scope.DEPARTMENT,
    join=Scope.DEPARTMENT,
    evaluate=Scope.DEPARTMENT,
    channels_view=Scope.DEPARTMENT,
    canned=Scope.DEPARTMENT,
)

#: A path id that is no row anywhere (an object the setup could not create).
NO_ROW = 2_000_000_000


@dataclass
class Person:
    """One user of the matrix."""

    name: str
    org: int
    id: int
    headers: dict[str, str]
    cc_roles: tuple[str, ...]
    department: int | None = None
    access_roles: tuple[dict[Area, Scope], ...] = ()


@dataclass(frozen=True)
class Conv:
    """One conversation: who handled it, where, its contact."""

    name: str
    org: int
    id: int
    agents: tuple[int, ...]
    status: str
    queue: int | None
    contact: int | None
    created_by: int

    @property
    def held_by(self) -> int | None:
        """The agent holding it now (assigned or paused), if any."""
        return self.agents[-1] if self.status in ("assigned", "paused") and self.agents else None


@dataclass(frozen=True)
class QueueObj:
    """One queue and its members."""

    name: str
    org: int
    id: int
    agents: tuple[int, ...] = ()
    supervisors: tuple[int, ...] = ()


@dataclass(frozen=True)
class Canned:
    """One canned message."""

    name: str
    org: int
    id: int
    public: bool
    owner: int | None
    queue: int | None


@dataclass(frozen=True)
class ContactObj:
    """One contact record."""

    name: str
    org: int
    id: int
    owner: int | None = None
    department: int | None = None


@dataclass
class Matrix:
    """Everything :func:`build` made."""

    a: Org
    b: Org
    people: dict[str, Person] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)
    convs: dict[str, Conv] = field(default_factory=dict)
    queues: dict[str, QueueObj] = field(default_factory=dict)
    canned: dict[str, Canned] = field(default_factory=dict)
    contacts: dict[str, ContactObj] = field(default_factory=dict)
    #: Path ids of other objects per path parameter: {"a": id in A, "b": id in B}.
    ids: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Access-role ids per organization.
    roles: dict[int, set[int]] = field(default_factory=dict)


# --- Building the world -------------------------------------------------------------------------


def u_of(org: Org, name: str) -> int:
    """A user's id."""
    return org.users[name]


async def grant_team_lead(
    world: LiveWorld, org: Org, *, user_id: int | None = None, department_id: int | None = None
) -> None:
    """Give the custom Team lead role (department scopes) to a user or a department (R-A-3)."""
    await grant(
        world,
        org,
        "",
        user_id=user_id,
        department_id=department_id,
        statistics="department",
        history="department",
        join="department",
        evaluate="department",
        channels_view="department",
        canned="department",
    )


async def _canned(
    world: LiveWorld, org: Org, shortcut: str, *, owner: int, public: bool, queue_id: int | None
) -> int:
    visibility = "public" if public else "private"
    async with world.state.sessions() as s:
        row = CannedMessage(
            org_id=org.id,
            shortcut=shortcut,
            shortcut_key=shortcut.lower(),
            title=shortcut,
            text=f"Text of {shortcut}",
            visibility=visibility,
            scope_key=scope_key(visibility, owner, queue_id),
            owner_id=owner,
            queue_id=queue_id,
            active=True,
        )
        s.add(row)
        await s.commit()
        return row.id


async def _made(world: LiveWorld, org: Org, url: str, body: dict[str, Any]) -> int:
    """Create an object as the organization's administrator; NO_ROW if the setup cannot."""
    r = await world.client.post(url, json=body, headers=org.admin)
    if r.status_code != 201:
        return NO_ROW
    return int(r.json()["id"])


async def _first(world: LiveWorld, org: Org, url: str, key: str = "id") -> int:
    r = await world.client.get(url, headers=org.admin)
    assert r.status_code == 200, r.text
    items = r.json()
    return int(items[0][key]) if items else NO_ROW


async def build(world: LiveWorld) -> Matrix:
    """The two organizations, their users and their objects (see the module docstring)."""
    from tests.api.test_flows import graph

    a, b = await world.org("alpha"), await world.org("bravo")
    m = Matrix(a=a, b=b)
    d1 = await department(world, a, "D1")
    d1a = await department(world, a, "D1a", parent=d1)
    d2 = await department(world, a, "D2")
    m.parents = {d1: None, d1a: d1, d2: None}
    cc_admin = ("administrator", "supervisor", "agent")
    m.people["ada"] = Person("ada", a.id, a.admin_id, a.admin, cc_admin)
    m.people["ada_b"] = Person("ada_b", b.id, b.admin_id, b.admin, cc_admin)
    specs: list[tuple[str, tuple[str, ...], int | None]] = [
        ("sam", ("supervisor",), None),
        ("alice", ("agent",), d1),
        ("ben", ("agent",), d1a),
        ("carl", ("agent",), d2),
        ("mia", ("agent",), d2),
        ("dora", (), None),
        ("tess", (), d1),
        ("nick", ("agent",), None),
        ("zed", (), None),
    ]
    for name, roles, dept in specs:
        headers = await world.user(a, name, roles=roles, department_id=dept)
        m.people[name] = Person(name, a.id, a.users[name], headers, roles, dept)
    await grant(world, a, "mia", "manager")
    m.people["mia"].access_roles = (dict(MANAGER_ROLE.grants),)
    await grant(world, a, "dora", "director")
    m.people["dora"].access_roles = (dict(DIRECTOR_ROLE.grants),)
    await grant_team_lead(world, a, user_id=u_of(a, "tess"))
    m.people["tess"].access_roles = (TEAM_LEAD,)
    u = {n: p.id for n, p in m.people.items()}

    # Queues with members in each place (R-Q-2), one with none, one in B.
    q1 = await queue(world, a, "Q1")
    q2 = await queue(world, a, "Q2")
    q3 = await queue(world, a, "Q3")
    qb = await queue(world, b, "QB")
    members = {q1: ([u["alice"], u["ben"]], [u["sam"]]), q2: ([u["carl"], u["mia"]], [])}
    for queue_id, (queue_agents, sups) in members.items():
        r = await world.client.put(
            f"/api/v1/queues/{queue_id}/members",
            json={"agents": queue_agents, "supervisors": sups},
            headers=a.admin,
        )
        assert r.status_code == 200, r.text
    m.queues = {
        "q1": QueueObj("q1", a.id, q1, (u["alice"], u["ben"]), (u["sam"],)),
        "q2": QueueObj("q2", a.id, q2, (u["carl"], u["mia"])),
        "q3": QueueObj("q3", a.id, q3),
        "qb": QueueObj("qb", b.id, qb),
    }

    # Contact records (R-A-4): owned by a user, by a department, by nobody; one in B.
    kdefs: list[tuple[str, Org, int | None, int | None]] = [
        ("k_alice", a, u["alice"], None),
        ("k_d1", a, None, d1),
        ("k_d2", a, None, d2),
        ("k_none", a, None, None),
        ("k_b", b, None, None),
    ]
    for name, org, owner, dept in kdefs:
        kid = await contact(world, org, name, owner_id=owner, department_id=dept)
        m.contacts[name] = ContactObj(name, org.id, kid, owner, dept)

    # Conversations handled in each place (R-A-2): now, earlier, never; one in B.
    k = m.contacts
    cdefs: list[tuple[str, Org, tuple[int, ...], str, int | None, int | None]] = [
        ("c_alice", a, (u["alice"],), "assigned", q1, k["k_alice"].id),
        ("c_ben", a, (u["ben"],), "ended", q1, None),
        ("c_carl", a, (u["carl"],), "assigned", q2, k["k_d1"].id),
        ("c_mia", a, (u["carl"], u["mia"]), "ended", q2, None),
        ("c_none", a, (), "abandoned", q3, k["k_none"].id),
        ("c_b", b, (u["ada_b"],), "ended", qb, k["k_b"].id),
    ]
    for name, org, agents, status, in_queue, of_contact in cdefs:
        iid = await conversation(
            world, org, agents=agents, status=status, queue_id=in_queue, contact_id=of_contact
        )
        m.convs[name] = Conv(name, org.id, iid, agents, status, in_queue, of_contact, org.admin_id)

    # Canned messages (R-Q-11): the organization's, queues', private ones; one in B.
    ndefs: list[tuple[str, Org, int, bool, int | None]] = [
        ("m_org", a, u["ada"], True, None),
        ("m_q1", a, u["ada"], True, q1),
        ("m_q2", a, u["ada"], True, q2),
        ("m_alice", a, u["alice"], False, None),
        ("m_mia", a, u["mia"], False, None),
        ("m_b", b, u["ada_b"], True, None),
    ]
    for name, org, author, public, of_queue in ndefs:
        cid = await _canned(world, org, name, owner=author, public=public, queue_id=of_queue)
        m.canned[name] = Canned(name, org.id, cid, public, author, of_queue)

    # Other objects, one in each organization, for the contact-center permission routes.
    for side, org in (("a", a), ("b", b)):
        flow_queue = m.queues["q1" if side == "a" else "qb"].id
        made = {
            "user_id": org.admin_id,
            "department_id": d1 if side == "a" else await department(world, b, "DB"),
            "group_id": await _made(world, org, "/api/v1/groups", {"name": "G"}),
            "skill_id": await _made(world, org, "/api/v1/skills", {"name": "S"}),
            "campaign_id": await _made(
                world, org, "/api/v1/campaigns", {"name": "C", "caller_id": "+33123456789"}
            ),
            "reason_id": await _made(world, org, "/api/v1/pause-reasons", {"name": "P"}),
            "label_id": await _made(world, org, "/api/v1/labels", {"name": "L"}),
            "disposition_id": await _made(world, org, "/api/v1/dispositions", {"name": "D"}),
            "tag_id": await _made(world, org, "/api/v1/tags", {"name": "T"}),
            "rule_id": await _first(world, org, "/api/v1/targeting-rules"),
            "flow_id": await _made(
                world, org, "/api/v1/flows", {"name": "F", "graph": graph(str(flow_queue))}
            ),
            "token_id": await _first(world, org, "/api/v1/me/tokens"),
            "role_id": await _first(world, org, "/api/v1/access-roles"),
            "agent_id": u["alice"] if side == "a" else org.admin_id,
        }
        for param, value in made.items():
            m.ids.setdefault(param, {})[side] = value
    for org in (a, b):
        r = await world.client.get("/api/v1/access-roles", headers=org.admin)
        m.roles[org.id] = {int(x["id"]) for x in r.json()}
    return m


# --- What the model says ------------------------------------------------------------------------

PERMS = CCPermissions()


@dataclass
class Model:
    """The expected rights of every user over every object, from the pure policies."""

    m: Matrix

    def subtree(self, dept: int | None) -> frozenset[int]:
        """A department and every department below it."""
        if dept is None:
            return frozenset()
        out = {dept}
        changed = True
        while changed:
            changed = False
            for d, parent in self.m.parents.items():
                if parent in out and d not in out:
                    out.add(d)
                    changed = True
        return frozenset(out)

    def subject(self, p: Person) -> Subject:
        """The policy's subject, from the setup (R-A-3 union of the user's roles)."""
        member = {q.id for q in self.m.queues.values() if p.id in q.agents + q.supervisors}
        return Subject(
            org_id=p.org,
            user_id=p.id,
            scopes=union(p.access_roles),
            departments=self.subtree(p.department),
            administrator=ADMINISTRATOR in p.cc_roles,
            member_queues=frozenset(member),
        )

    def dept_of(self, uid: int) -> int | None:
        """A user's department."""
        return next(p.department for p in self.m.people.values() if p.id == uid)

    def can(self, p: Person, *perms: Permission) -> bool:
        """R-P-1..R-P-4: whether the user holds one of ``perms``."""
        return any(can(p.cc_roles, PERMS, perm) for perm in perms)

    def limited(self, p: Person) -> bool:
        """R-P-2: a supervisor limited to assigned queues (the switch is on by default)."""
        return (
            SUPERVISOR in p.cc_roles
            and ADMINISTRATOR not in p.cc_roles
            and PERMS.supervisor_limit_to_assigned_queues
        )

    def supervised(self, p: Person) -> set[int]:
        """The queues the user supervises."""
        return {q.id for q in self.m.queues.values() if p.id in q.supervisors}

    # Conversations.

    def conv_facts(self, c: Conv) -> ConversationFacts:
        """The facts of a conversation, from the setup."""
        k = next((x for x in self.m.contacts.values() if x.id == c.contact), None)
        depts = {self.dept_of(a) for a in c.agents}
        return ConversationFacts(
            org_id=c.org,
            agents=frozenset(c.agents),
            agent_departments=frozenset(d for d in depts if d is not None),
            contact_owner=k.owner if k else None,
            contact_department=k.department if k else None,
        )

    def conv(self, p: Person, area: Area, c: Conv) -> bool:
        """``may`` in a conversation area."""
        return may(self.subject(p), area, self.conv_facts(c))

    def watches(self, p: Person, c: Conv) -> bool:
        """R-S-1, R-P-2: an administrator, or a supervisor of its queue (limited switch on)."""
        if p.org != c.org:
            return False
        if ADMINISTRATOR in p.cc_roles:
            return True
        if SUPERVISOR not in p.cc_roles:
            return False
        return not self.limited(p) or c.queue in self.supervised(p)

    def operational(self, p: Person, c: Conv) -> bool:
        """R-W-2..R-W-3: it is assigned to them, or they took it in (no offers or wrap-ups here)."""
        return p.org == c.org and p.id in (c.held_by, c.created_by)

    def readable(self, p: Person, c: Conv) -> bool:
        """History with CRM precedence, operational or watcher (R-A-2, R-A-4, R-P-2)."""
        return self.conv(p, Area.HISTORY, c) or self.operational(p, c) or self.watches(p, c)

    # Queues (channels).

    def queue_facts(self, q: QueueObj) -> QueueFacts:
        """The facts of a queue, from the setup."""
        members = q.agents + q.supervisors
        depts = {self.dept_of(x) for x in members}
        return QueueFacts(
            org_id=q.org,
            members=frozenset(members),
            member_departments=frozenset(d for d in depts if d is not None),
        )

    def _cc_queue(self, p: Person, q: QueueObj, *perms: Permission) -> bool:
        if p.org != q.org or not self.can(p, *perms):
            return False
        return not self.limited(p) or q.id in self.supervised(p)

    def views_any_queue(self, p: Person) -> bool:
        """Whether queue routes are open to the user at all (else 403)."""
        s = self.subject(p)
        return self.can(p, Permission.QUEUES_VIEW, Permission.QUEUES_MANAGE) or any(
            s.scope(x) is not Scope.DENIED for x in (Area.CHANNELS_VIEW, Area.CHANNELS_EDIT)
        )

    def queue_view(self, p: Person, q: QueueObj) -> bool:
        """queues.view within R-P-2, channels view, or channels edit (the union)."""
        s, f = self.subject(p), self.queue_facts(q)
        return (
            self._cc_queue(p, q, Permission.QUEUES_VIEW, Permission.QUEUES_MANAGE)
            or may(s, Area.CHANNELS_VIEW, f)
            or may(s, Area.CHANNELS_EDIT, f)
        )

    def queue_edit(self, p: Person, q: QueueObj) -> bool:
        """queues.manage within R-P-2, or channels edit."""
        s, f = self.subject(p), self.queue_facts(q)
        return self._cc_queue(p, q, Permission.QUEUES_MANAGE) or may(s, Area.CHANNELS_EDIT, f)

    def queue_create(self, p: Person) -> bool:
        """queues.manage or connect channels (R-A-2)."""
        return self.can(p, Permission.QUEUES_MANAGE) or may_connect(self.subject(p))

    # Canned messages.

    def canned_facts(self, n: Canned) -> CannedFacts:
        """The facts of a canned message, from the setup."""
        q = next((x for x in self.m.queues.values() if x.id == n.queue), None)
        qf = self.queue_facts(q) if q else None
        return CannedFacts(
            org_id=n.org,
            public=n.public,
            owner=n.owner,
            queue=n.queue,
            queue_members=qf.members if qf else frozenset(),
            queue_member_departments=qf.member_departments if qf else frozenset(),
        )

    def canned_reader(self, p: Person) -> bool:
        """catalog.view or a canned responses scope (R-A-2, R-P-3)."""
        scope = self.subject(p).scope(Area.CANNED)
        return self.can(p, Permission.CATALOG_VIEW) or scope is not Scope.DENIED

    def canned_sees(self, p: Person, n: Canned) -> bool:
        """R-Q-11, R-A-2 canned responses."""
        return may(self.subject(p), Area.CANNED, self.canned_facts(n))

    def canned_manages(self, p: Person, n: Canned) -> bool:
        """R-P-3: manage own (private) or manage public."""
        return self.can(p, Permission.CANNED_PUBLIC if n.public else Permission.CANNED_OWN)

    # Contact records.

    def crm(self, p: Person, k: ContactObj) -> bool:
        """R-A-4: the administrator and statistics ``all`` reach every record; else the
        records owned by the user or by their department subtree."""
        if p.org != k.org:
            return False
        s = self.subject(p)
        if s.administrator or s.scope(Area.STATISTICS) is Scope.ALL:
            return True
        return k.owner == p.id or (k.department is not None and k.department in s.departments)

    def manages_access(self, p: Person) -> bool:
        """R-A-2 change access rights."""
        return may_manage_access(self.subject(p))
