"""The generated access matrix: every operation x every kind of user x objects in every place.

R-A-1 (predefined and custom roles), R-A-2 (areas and scopes), R-A-3 (union), R-A-4 (CRM
precedence), R-A-5 (evaluations), R-A-6 (the socket), R-P-1..R-P-4 (contact-center roles and
switches), R-S-1/R-S-2 (supervision), R-AN-7 (the conversation list).

- :func:`test_every_endpoint_has_a_policy`: every operation of the OpenAPI document has a
  declared policy (``guichet.api.policies``) and no declaration is stale; a route's
  ``Require(...)`` agrees with its declaration. A new endpoint without a policy fails here.
- :func:`test_access_matrix`: the world of ``tests/api/matrix_support.py``; for every declared
  operation, every user and every object its path names (self, same department, other
  department, other organization), the HTTP answer is compared with the model's: allowed
  (any status but 401/403/404) or denied (403, or 404 when the object is not there for the
  caller; another organization's object is always 404 unless the whole route is closed to
  the caller, 403). Collections list exactly the ids the model allows. Every non-public
  operation answers 401 without credentials. Writes the model allows that would change the
  world (deletes, ends, transfers...) are only sent where the model says "denied".
- :func:`test_socket_event_audiences`: each real-time event type reaches exactly the users the
  model says (R-A-6, R-P-2), and the event types covered are those the code publishes and
  ``docs/events.md`` lists.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from guichet.api import create_app
from guichet.api.policies import (
    ROUTE_POLICIES,
    ConversationRule,
    Kind,
    RoutePolicy,
    missing_policies,
    policy_for,
    stale_policies,
)
from guichet.api.routes import ROUTERS
from guichet.api.ws import router as ws_router
from guichet.authz.access import DIRECTOR_ROLE, MANAGER_ROLE, Area, Scope
from guichet.authz.cc import ADMINISTRATOR, AGENT, SUPERVISOR, Permission
from guichet.config import Settings
from guichet.domain.events import LiveEvent
from guichet.persistence.models import User
from guichet.queries.access import load_subject
from tests.api.matrix_support import (
    NO_ROW,
    TEAM_LEAD,
    Canned,
    Conv,
    Matrix,
    Model,
    Person,
    QueueObj,
    build,
    grant_team_lead,
)
from tests.api.test_conversations_access import department, grant
from tests.live import conftest as live_conftest
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, put, queue

#: The live app (a routing loop on a driven clock): several routes publish through the loop.
world = live_conftest.world

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]

#: "Allowed": any answer but 401, 403 and 404 (and no server error).
OK = "ok"
Expect = frozenset[object]
ALLOW: Expect = frozenset({OK})
E403: Expect = frozenset({403})
E404: Expect = frozenset({404})


def _openapi() -> dict[str, Any]:
    return create_app(Settings(dev=True, database_url="sqlite+aiosqlite:///:memory:")).openapi()


def _required(dep: Any, out: set[Permission]) -> None:
    """The permissions ``Require(...)`` dependencies check, anywhere below ``dep``."""
    for sub in dep.dependencies:
        call = sub.call
        if getattr(call, "__name__", "") == "_check" and call.__closure__:
            out.update(
                c.cell_contents for c in call.__closure__ if isinstance(c.cell_contents, Permission)
            )
        _required(sub, out)


def test_every_endpoint_has_a_policy() -> None:
    """Every operation of the OpenAPI document has a policy, no policy is stale, and each
    route's ``Require`` permission is the one its policy declares (R-A-6, R-P-1)."""
    doc = _openapi()
    assert missing_policies(doc) == [], "declare these in guichet.api.policies.ROUTE_POLICIES"
    assert stale_policies(doc) == [], "these policies name no operation any more"
    checked = 0
    for router in [*ROUTERS, ws_router]:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue  # the WebSocket itself: its events are checked below
            needed: set[Permission] = set()
            _required(route.dependant, needed)
            for method in route.methods or ():
                policy = policy_for(method, API + route.path)
                if needed:
                    checked += 1
                    assert policy.kind is Kind.CC, (method, route.path, policy)
                    assert needed <= set(policy.permissions), (method, route.path, needed)
    assert checked > 60


# --- The matrix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One request and the answer the model expects."""

    method: str
    template: str
    url: str
    who: Person
    what: str
    expect: Expect
    body: Any = None
    has_body: bool = False
    #: The set of ids the answer must list (collections), and where the items are.
    ids: frozenset[int] | None = None
    items_key: str | None = None
    #: Ids that must not appear (another organization's).
    foreign: frozenset[int] = frozenset()


#: Writes an allowed caller must not send: they would change the world the matrix reads
#: (every DELETE too).
UNSAFE = {
    ("POST", f"{API}/auth/logout"),
    ("POST", f"{API}/interactions/{{iid}}/end"),
    ("POST", f"{API}/interactions/{{iid}}/transfer"),
    ("POST", f"{API}/interactions/{{iid}}/pause"),
    ("POST", f"{API}/interactions/{{iid}}/keys"),
    ("PUT", f"{API}/queues/{{queue_id}}/members"),
    ("PUT", f"{API}/access-roles/{{role_id}}/assignments"),
    ("POST", f"{API}/access-roles"),
    ("PUT", f"{API}/supervision/agents/{{agent_id}}/queues"),
    ("PUT", f"{API}/supervision/agents/{{agent_id}}/state"),
    ("DELETE", f"{API}/me/tokens/{{token_id}}"),
}

#: Valid bodies: an allowed caller gets 2xx, 409 or 422 from the action, never 403/404.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", f"{API}/interactions/{{iid}}/messages"): {"body": "matrix", "sender": "agent"},
    ("POST", f"{API}/interactions/{{iid}}/transfer"): {"to_queue_id": 1},
    ("POST", f"{API}/interactions/{{iid}}/keys"): {"key": "#"},
    ("PUT", f"{API}/interactions/{{iid}}/tags"): {"tag_ids": []},
    ("PATCH", f"{API}/interactions/{{iid}}/wrap-up"): {},
    ("POST", f"{API}/interactions/{{iid}}/evaluations"): {"score": 4},
    ("PUT", f"{API}/queues/{{queue_id}}/members"): {"agents": [], "supervisors": []},
    ("PUT", f"{API}/groups/{{group_id}}/members"): {"user_ids": []},
    ("PUT", f"{API}/users/{{user_id}}/skills"): [],
    ("PUT", f"{API}/campaigns/{{campaign_id}}/members"): {"agents": [], "supervisors": []},
    ("POST", f"{API}/labels"): {"name": "Matrix label"},
    ("POST", f"{API}/access-roles"): {"name": "Matrix role"},
    ("PUT", f"{API}/access-roles/{{role_id}}/assignments"): {"users": []},
    ("PUT", f"{API}/supervision/agents/{{agent_id}}/queues"): {"queue_ids": []},
    ("PUT", f"{API}/supervision/agents/{{agent_id}}/state"): {"state": "paused"},
    ("PATCH", f"{API}/tags/{{tag_id}}"): {"name": "Matrix tag"},
    ("PUT", f"{API}/agent/state"): {"state": "offline"},
    ("PUT", f"{API}/agent/queues"): {"queue_ids": []},
}

#: Collections of the contact-center routes and the path parameter of their items.
CC_LISTS = {
    "users": "user_id",
    "departments": "department_id",
    "groups": "group_id",
    "skills": "skill_id",
    "campaigns": "campaign_id",
    "pause-reasons": "reason_id",
    "labels": "label_id",
    "dispositions": "disposition_id",
    "tags": "tag_id",
    "targeting-rules": "rule_id",
    "flows": "flow_id",
}

_PARAM = re.compile(r"\{(\w+)\}")


def _body(method: str, template: str, policy: RoutePolicy) -> tuple[bool, Any]:
    """Whether to send a body, and which: the table's, ``{}`` for a PATCH, else an invalid
    one (a JSON string) that a permission dependency rejects first (403) and validation
    second (422)."""
    if method in ("GET", "DELETE"):
        return False, None
    key = (method, template)
    if key in BODIES:
        return True, BODIES[key]
    if method == "PATCH" and _PARAM.search(template):
        return True, {}
    return True, "not an object"


def _gate(allowed: bool, inner: Expect) -> Expect:
    """403 when the route is closed to the caller, else ``inner``."""
    return inner if allowed else E403


class Planner:
    """Turns every declared operation into its cases."""

    def __init__(self, m: Matrix) -> None:
        self.m = m
        self.model = Model(m)
        self.users = list(m.people.values())

    def cases(self) -> Iterator[Case]:
        """Every case of every declared operation."""
        for (method, template), policy in ROUTE_POLICIES.items():
            yield from self._cases(method, template, policy)

    def _case(
        self,
        method: str,
        template: str,
        who: Person,
        expect: Expect,
        *,
        values: dict[str, int] | None = None,
        what: str = "-",
        **extra: Any,
    ) -> Case:
        url = template
        for name, value in (values or {}).items():
            url = url.replace(f"{{{name}}}", str(value))
        has_body, body = _body(method, template, ROUTE_POLICIES[(method, template)])
        return Case(method, template, url, who, what, expect, body, has_body, **extra)

    def _cases(self, method: str, template: str, policy: RoutePolicy) -> Iterator[Case]:
        model, m = self.model, self.m
        params = _PARAM.findall(template)
        kind = policy.kind
        for who in self.users:
            if kind is Kind.PUBLIC:
                continue  # sent without credentials below
            if kind is Kind.AUTHENTICATED:
                yield from self._own(method, template, who, params, ALLOW)
            elif kind is Kind.AGENT_SELF:
                # R-Q-4, R-Q-7: only agents take interactions (403 not_an_agent).
                agent = AGENT in who.cc_roles
                yield from self._own(method, template, who, params, ALLOW if agent else E403)
            elif kind is Kind.CC:
                yield from self._cc(method, template, policy, who, params)
            elif kind is Kind.SUPERVISOR:
                yield from self._supervisor(method, template, who, params)
            elif kind is Kind.CONVERSATION:
                assert policy.rule is not None
                for c in m.convs.values():
                    expect = self._conversation(policy.rule, who, c)
                    yield self._case(
                        method, template, who, expect, values={"iid": c.id}, what=c.name
                    )
            elif kind is Kind.CONVERSATION_LIST:
                allowed = {
                    c.id
                    for c in m.convs.values()
                    if c.org == who.org and model.conv(who, Area.STATISTICS, c)
                }
                foreign = {c.id for c in m.convs.values() if c.org != who.org}
                yield self._case(
                    method,
                    template,
                    who,
                    ALLOW,
                    ids=frozenset(allowed),
                    items_key="items",
                    foreign=frozenset(foreign),
                )
            elif kind is Kind.QUEUE:
                yield from self._queue(method, template, policy, who, params)
            elif kind is Kind.CANNED:
                yield from self._canned(method, template, who, params)
            elif kind is Kind.CRM:
                yield from self._crm(method, template, who, params)
            elif kind is Kind.ACCESS_RIGHTS:
                yield from self._access(method, template, who, params)
            elif kind in (Kind.STATISTICS, Kind.EXPORT_JOB):
                yield from self._statistics(method, template, who, params)
            else:  # pragma: no cover - every kind is planned above
                raise AssertionError(kind)

    # Per kind.

    def _side(self, who: Person, obj_org: int) -> str:
        return "own org" if who.org == obj_org else "other org"

    def _own(
        self, method: str, template: str, who: Person, params: list[str], open_: Expect
    ) -> Iterator[Case]:
        """Authenticated and agent-self routes: open to every user of the organization (to
        agents: ``open_``); the objects they name are the caller's own (another's token, an
        offer made to nobody or to another organization's agent is not there)."""
        if not params:
            yield self._case(method, template, who, open_)
            return
        m = self.m
        if params == ["token_id"]:
            for side in ("a", "b"):
                owner = m.a.admin_id if side == "a" else m.b.admin_id
                expect = ALLOW if who.id == owner else E404
                yield self._case(
                    method,
                    template,
                    who,
                    expect,
                    values={"token_id": m.ids["token_id"][side]},
                    what=f"token of {side}",
                )
            return
        assert params == ["iid"], template
        for name in ("c_ben", "c_b"):
            c = m.convs[name]
            # No open offer exists: nobody may answer one (404), or it is gone (409, R-Q-4).
            expect = E404 if c.org != who.org else frozenset({404, 409})
            if open_ != ALLOW:
                expect = open_
            yield self._case(method, template, who, expect, values={"iid": c.id}, what=name)

    def _cc(
        self, method: str, template: str, policy: RoutePolicy, who: Person, params: list[str]
    ) -> Iterator[Case]:
        """Contact-center permission routes (R-P-1..R-P-4): 403 without the permission;
        another organization's object is 404; a supervisor limited to assigned queues may
        find one of their organization's objects not there (R-P-2)."""
        model, m = self.model, self.m
        allowed = model.can(who, *policy.permissions)
        if template == f"{API}/labels" and method == "POST":
            # R-Q-10: creating a label is checked by the route on a valid body.
            allowed = model.can(who, Permission.LABELS_MANAGE, Permission.LABELS_CREATE)
        if not params:
            foreign: frozenset[int] = frozenset()
            base = template.removeprefix(f"{API}/")
            if method == "GET" and base in CC_LISTS and allowed:
                mine, other = ("a", "b") if who.org == m.a.id else ("b", "a")
                hidden = {m.ids[CC_LISTS[base]][other]}
                if policy.limited and model.limited(who):
                    # R-P-2: the matrix's campaign has no supervisor: not listed for them.
                    hidden.add(m.ids[CC_LISTS[base]][mine])
                foreign = frozenset(hidden - {NO_ROW})
            yield self._case(method, template, who, _gate(allowed, ALLOW), foreign=foreign)
            return
        param = params[0]
        for side in ("a", "b"):
            value = m.ids[param][side]
            org = m.a.id if side == "a" else m.b.id
            if value == NO_ROW:
                continue
            if org == who.org:
                if method != "GET":
                    continue  # writes go to the other organization's object only
                # R-P-2: the matrix's campaign has no supervisor: a limited one finds nothing.
                inner = E404 if policy.limited and model.limited(who) else ALLOW
                expect = _gate(allowed, inner)
            else:
                expect = _gate(allowed, E404)
            yield self._case(
                method,
                template,
                who,
                expect,
                values={param: value},
                what=f"{param} {self._side(who, org)}",
            )

    def _statistics(
        self, method: str, template: str, who: Person, params: list[str]
    ) -> Iterator[Case]:
        """R-A-2 statistics (figures, exports R-AN-6): 403 without a statistics scope; an
        export job the caller does not own (the matrix starts none) is not there (404)."""
        allowed = self.model.subject(who).scope(Area.STATISTICS) is not Scope.DENIED
        if params == ["job_id"]:
            expect = _gate(allowed, E404)
            yield self._case(method, template, who, expect, values={"job_id": NO_ROW}, what="job")
            return
        values = {"kind": "interactions"} if params == ["kind"] else {}
        yield self._case(method, template, who, _gate(allowed, ALLOW), values=values)

    def _supervisor(
        self, method: str, template: str, who: Person, params: list[str]
    ) -> Iterator[Case]:
        """R-S-1, R-S-2: watchers only (403); an agent outside the queues a limited
        supervisor watches, or of another organization, is not there (404)."""
        model, m = self.model, self.m
        watcher = ADMINISTRATOR in who.cc_roles or SUPERVISOR in who.cc_roles
        if not params:
            yield self._case(method, template, who, _gate(watcher, ALLOW))
            return
        for name in ("alice", "carl", "ada_b"):
            agent = m.people[name]
            if agent.org != who.org:
                inner = E404
            elif ADMINISTRATOR in who.cc_roles:
                inner = ALLOW
            else:
                mine = (
                    model.supervised(who)
                    if model.limited(who)
                    else {q.id for q in m.queues.values() if q.org == who.org}
                )
                theirs = {q.id for q in m.queues.values() if agent.id in q.agents + q.supervisors}
                inner = ALLOW if mine & theirs else E404
            yield self._case(
                method,
                template,
                who,
                _gate(watcher, inner),
                values={"agent_id": agent.id},
                what=name,
            )

    def _conversation(self, rule: ConversationRule, who: Person, c: Conv) -> Expect:
        """R-A-2, R-A-4, R-A-5, R-S-2, R-P-2, R-W-*: what one user may do to one conversation."""
        model = self.model
        readable = model.readable(who, c)
        miss = E403 if readable else E404
        worker = model.watches(who, c) or (who.org == c.org and c.held_by == who.id)
        held = c.held_by is not None
        if rule is ConversationRule.READ:
            return ALLOW if readable else E404
        if rule is ConversationRule.HISTORY:
            return ALLOW if model.conv(who, Area.HISTORY, c) else miss
        if rule is ConversationRule.EVALUATE:
            return ALLOW if model.conv(who, Area.EVALUATE, c) else miss
        if rule is ConversationRule.JOIN:
            if model.watches(who, c) or model.conv(who, Area.JOIN, c):
                # Only a conversation an agent handles can be joined (R-S-2): 403, not_joinable.
                return ALLOW if held else frozenset({"403:not_joinable"})
            seen = readable or model.conv(who, Area.STATISTICS, c)
            return E403 if seen else E404
        if rule is ConversationRule.WORKER:
            return ALLOW if readable and worker else miss
        if rule is ConversationRule.AGENT_SIDE:
            if readable and worker:
                return ALLOW
            if held and model.conv(who, Area.JOIN, c):
                return ALLOW
            return miss
        if rule is ConversationRule.CONTACT_SIDE:
            side = model.watches(who, c) or (who.org == c.org and c.created_by == who.id)
            return ALLOW if readable and side else miss
        assert rule is ConversationRule.END
        if not held:
            side = model.watches(who, c) or (who.org == c.org and c.created_by == who.id)
            return ALLOW if readable and side else miss
        return ALLOW if readable and worker else miss

    def _queue(
        self, method: str, template: str, policy: RoutePolicy, who: Person, params: list[str]
    ) -> Iterator[Case]:
        """R-A-2 channels view / edit / connect with queues.view / queues.manage (R-P-2)."""
        model, m = self.model, self.m
        if policy.area is Area.CHANNELS_CONNECT:
            yield self._case(method, template, who, _gate(model.queue_create(who), ALLOW))
            return
        gate = model.views_any_queue(who)
        if not params:
            seen = {q.id for q in m.queues.values() if model.queue_view(who, q)}
            foreign = {q.id for q in m.queues.values() if q.org != who.org}
            yield self._case(
                method,
                template,
                who,
                _gate(gate, ALLOW),
                ids=frozenset(seen) if gate else None,
                foreign=frozenset(foreign),
            )
            return
        for q in m.queues.values():
            if not model.queue_view(who, q):
                inner = E404
            elif policy.area is Area.CHANNELS_EDIT and not model.queue_edit(who, q):
                inner = E403
            else:
                inner = ALLOW
            yield self._case(
                method, template, who, _gate(gate, inner), values={"queue_id": q.id}, what=q.name
            )

    def _canned(self, method: str, template: str, who: Person, params: list[str]) -> Iterator[Case]:
        """R-Q-11, R-A-2 canned responses, R-P-3."""
        model, m = self.model, self.m
        reader = model.canned_reader(who)
        if not params:
            if method == "GET":
                seen = {n.id for n in m.canned.values() if model.canned_sees(who, n)}
                foreign = {n.id for n in m.canned.values() if n.org != who.org}
                yield self._case(
                    method,
                    template,
                    who,
                    _gate(reader, ALLOW),
                    ids=frozenset(seen) if reader else None,
                    foreign=frozenset(foreign),
                )
            else:  # the action checks R-P-3 on a valid body; an invalid one is 422
                yield self._case(method, template, who, ALLOW)
            return
        n: Canned
        for n in m.canned.values():
            sees = model.canned_sees(who, n)
            if method == "GET":
                expect = _gate(reader, ALLOW if sees else E404)
            elif not sees:
                expect = E404
            else:
                expect = ALLOW if model.canned_manages(who, n) else E403
            yield self._case(
                method, template, who, expect, values={"message_id": n.id}, what=n.name
            )

    def _crm(self, method: str, template: str, who: Person, params: list[str]) -> Iterator[Case]:
        """R-A-4: contact records, and a contact's conversations through the history scope."""
        model, m = self.model, self.m
        if not params:
            seen = {k.id for k in m.contacts.values() if model.crm(who, k)}
            foreign = {k.id for k in m.contacts.values() if k.org != who.org}
            yield self._case(
                method,
                template,
                who,
                ALLOW,
                ids=frozenset(seen),
                items_key="items",
                foreign=frozenset(foreign),
            )
            return
        for k in m.contacts.values():
            reach = model.crm(who, k)
            ids = None
            if not reach:
                expect = E404
            elif method == "PATCH":
                admin = ADMINISTRATOR in who.cc_roles
                expect = ALLOW if admin or k.owner == who.id else E403
            else:
                expect = ALLOW
                if template.endswith("/interactions"):
                    ids = frozenset(
                        c.id
                        for c in m.convs.values()
                        if c.contact == k.id and model.conv(who, Area.HISTORY, c)
                    )
            yield self._case(
                method,
                template,
                who,
                expect,
                values={"contact_id": k.id},
                what=k.name,
                ids=ids,
                items_key="items" if ids is not None else None,
            )

    def _access(self, method: str, template: str, who: Person, params: list[str]) -> Iterator[Case]:
        """R-A-2 change access rights: 403 without it; another organization's role or user
        is 404."""
        model, m = self.model, self.m
        manage = model.manages_access(who)
        if not params:
            ids = frozenset(m.roles[who.org]) if manage and method == "GET" else None
            other = m.b.id if who.org == m.a.id else m.a.id
            yield self._case(
                method,
                template,
                who,
                _gate(manage, ALLOW),
                ids=ids,
                foreign=frozenset(m.roles[other]),
            )
            return
        param = params[0]
        values = (
            {"a": m.people["alice"].id, "b": m.people["ada_b"].id}
            if param == "user_id"
            else m.ids[param]
        )
        for side, value in values.items():
            org = m.a.id if side == "a" else m.b.id
            inner = ALLOW if org == who.org else E404
            yield self._case(
                method,
                template,
                who,
                _gate(manage, inner),
                values={param: value},
                what=f"{param} {self._side(who, org)}",
            )


def _verdict(case: Case, status: int, body: Any) -> str | None:
    """None when the answer is what the model expects, else why not."""
    if status >= 500:
        return f"server error {status}"
    allowed = status not in (401, 403, 404)
    code = body.get("code") if isinstance(body, dict) else None
    fine = (
        (OK in case.expect and allowed)
        or status in case.expect
        or f"{status}:{code}" in case.expect
    )
    if not fine:
        return f"expected {sorted(map(str, case.expect))}, got {status}"
    if allowed and (case.ids is not None or case.foreign):
        items = body.get(case.items_key or "items") if isinstance(body, dict) else body
        if not isinstance(items, list):
            return f"not a collection: {str(body)[:80]}"
        got = {int(x["id"]) for x in items}
        if case.ids is not None and got != set(case.ids):
            return f"listed {sorted(got)}, the model allows {sorted(case.ids)}"
        if got & case.foreign:
            return f"listed another organization's {sorted(got & case.foreign)}"
    return None


async def _same_subjects(world: LiveWorld, model: Model) -> None:
    """The model's subjects (built from the setup) are the ones the service loads (R-A-3)."""
    async with world.state.sessions() as s:
        for p in model.m.people.values():
            user = await s.get(User, p.id)
            assert user is not None
            loaded = await load_subject(s, user)
            mine = model.subject(p)
            assert (loaded.org_id, loaded.user_id) == (mine.org_id, mine.user_id)
            assert dict(loaded.scopes) == dict(mine.scopes), p.name
            assert loaded.departments == mine.departments, p.name
            assert loaded.administrator == mine.administrator, p.name
            assert loaded.member_queues == mine.member_queues, p.name


#: Known contradictions between the routes and the model: (method, template, user, object).
KNOWN_BUGS: dict[tuple[str, str, str, str], str] = {}


async def test_access_matrix(world: LiveWorld) -> None:
    """R-A-1..R-A-6, R-P-1..R-P-4, R-S-1, R-S-2, R-AN-7: every declared operation answers
    every user, for every object in every place, as the model says."""
    started = time.monotonic()
    m = await build(world)
    await _same_subjects(world, Model(m))
    client = world.client
    mismatches: list[str] = []
    sent = skipped = 0
    exercised: set[tuple[str, str]] = set()
    planner = Planner(m)
    cases = list(planner.cases())
    # Collections first: the writes below may add rows.
    cases.sort(key=lambda c: (c.method != "GET", c.ids is None))
    for case in cases:
        allowed = OK in case.expect
        if allowed and (case.method == "DELETE" or (case.method, case.template) in UNSAFE):
            skipped += 1
            continue
        kwargs: dict[str, Any] = {"headers": case.who.headers}
        if case.has_body:
            kwargs["json"] = case.body
        r = await client.request(case.method, case.url, **kwargs)
        sent += 1
        exercised.add((case.method, case.template))
        body = r.json() if r.content and "json" in r.headers.get("content-type", "") else None
        why = _verdict(case, r.status_code, body)
        key = (case.method, case.template, case.who.name, case.what)
        if key in KNOWN_BUGS:
            assert why is not None, f"fixed? {key}: {KNOWN_BUGS[key]}"
            continue
        if why is not None:
            mismatches.append(
                f"{case.who.name} {case.method} {case.url} [{case.what}]: {why} {r.text[:160]}"
            )
    # No credentials: every operation but the public ones answers 401; public ones answer.
    client.cookies.clear()  # logging in set a session cookie
    for method, template in ROUTE_POLICIES:
        policy = ROUTE_POLICIES[(method, template)]
        url = _PARAM.sub("1", template)
        has_body, body = _body(method, template, policy)
        r = await client.request(method, url, **({"json": body} if has_body else {}))
        sent += 1
        unauth = r.status_code == 401
        if unauth == (policy.kind is Kind.PUBLIC) or r.status_code >= 500:
            mismatches.append(f"anonymous {method} {url}: got {r.status_code}")
        if policy.kind is Kind.PUBLIC:
            exercised.add((method, template))
    # Logging out (any signed-in user) ends that session only.
    fresh = await world.login(f"zed@{m.a.slug}.test")
    r = await client.post(f"{API}/auth/logout", headers=fresh)
    sent += 1
    exercised.add(("POST", f"{API}/auth/logout"))
    assert r.status_code < 400, r.text
    assert (await client.get(f"{API}/me", headers=fresh)).status_code == 401
    assert (await client.get(f"{API}/me", headers=m.people["zed"].headers)).status_code == 200
    assert mismatches == [], f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
    missing = set(ROUTE_POLICIES) - exercised
    assert missing == set(), f"operations no one was sent: {sorted(missing)}"
    elapsed = time.monotonic() - started
    print(
        f"access matrix: {len(ROUTE_POLICIES)} operations, {len(m.people)} users, "
        f"{len(m.convs) + len(m.queues) + len(m.canned) + len(m.contacts)} objects, "
        f"{sent} requests, {skipped} unsafe allowed writes not sent, {elapsed:.1f}s"
    )


# --- WebSocket event types (R-A-6, R-P-2) -------------------------------------------------------

#: The event types this test checks the audience of.
EVENT_TYPES = {"interaction", "offer", "agent", "message"}


def _published_types() -> set[str]:
    """The event types the code can publish: every ``Publication({"type": LiveEvent.X, ...})``
    (event types are named once, in ``guichet.domain.events``)."""
    found: set[str] = set()
    pattern = re.compile(r'Publication\(\s*\{\s*"type":\s*LiveEvent\.(\w+)')
    for path in (ROOT / "src" / "guichet").rglob("*.py"):
        names = pattern.findall(path.read_text(encoding="utf-8"))
        found.update(LiveEvent[name].value for name in names)
    return found


def _documented_types() -> set[str]:
    """The event types of the table under "Real-time events" in docs/events.md."""
    text = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    section = text.split("## Real-time events", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))


def test_event_types_are_the_published_and_documented_ones() -> None:
    """R-A-6: the audience test below covers every event type the code publishes, and
    docs/events.md documents exactly those."""
    assert _published_types() == EVENT_TYPES
    assert _documented_types() == EVENT_TYPES


async def test_socket_event_audiences(world: LiveWorld) -> None:
    """R-A-6, R-P-2, R-A-1..R-A-3: who receives each event type about one chat handled by
    alice (department D1, queue Q supervised by sam): the ``interaction`` event of the
    assigned conversation reaches alice, the administrator, Q's supervisor, the Director
    (statistics all) and the Team lead of D1 (statistics department), not a Manager who did
    not handle it, a supervisor of no Q, an agent without role nor anyone of another
    organization; the ``offer`` only alice; ``agent`` and ``message`` events only alice and
    the contact-center watchers of Q."""

    a, b = await world.org("alpha"), await world.org("bravo")
    m = Matrix(a=a, b=b)
    d1 = await department(world, a, "D1")
    d1a = await department(world, a, "D1a", parent=d1)
    d2 = await department(world, a, "D2")
    m.parents = {d1: None, d1a: d1, d2: None}
    cc_admin = ("administrator", "supervisor", "agent")
    m.people["ada"] = Person("ada", a.id, a.admin_id, a.admin, cc_admin)
    m.people["ada_b"] = Person("ada_b", b.id, b.admin_id, b.admin, cc_admin)
    for name, roles, dept in [
        ("sam", ("supervisor",), None),
        ("sue", ("supervisor",), None),
        ("dora", (), None),
        ("mia", ("agent",), d2),
        ("tess", (), d1a),
        ("nick", ("agent",), None),
    ]:
        headers = await world.user(a, name, roles=roles, department_id=dept)
        m.people[name] = Person(name, a.id, a.users[name], headers, roles, dept)
    # tess sits in D1a: the department scope reaches down, never up (R-A-2)...
    await grant(world, a, "dora", "director")
    m.people["dora"].access_roles = (dict(DIRECTOR_ROLE.grants),)
    await grant(world, a, "mia", "manager")
    m.people["mia"].access_roles = (dict(MANAGER_ROLE.grants),)
    # ...but a role given to D1 reaches its sub-department D1a (R-A-3).
    await grant_team_lead(world, a, department_id=d1)
    m.people["tess"].access_roles = (TEAM_LEAD,)
    q = await queue(world, a, "Q")
    r = await world.client.put(
        f"{API}/queues/{q}/members",
        json={"agents": [], "supervisors": [m.people["sam"].id]},
        headers=a.admin,
    )
    assert r.status_code == 200, r.text
    alice_h = await agent(world, a, "alice", queues=[q])
    alice = Person("alice", a.id, a.users["alice"], alice_h, ("agent",), None)
    r = await world.client.patch(
        f"{API}/users/{alice.id}", json={"department_id": d1a}, headers=a.admin
    )
    assert r.status_code == 200, r.text
    alice.department = d1a
    alice.access_roles = (TEAM_LEAD,)  # given to D1, it reaches D1a too (R-A-3)
    m.people["alice"] = alice
    m.queues = {"q": QueueObj("q", a.id, q, (alice.id,), (m.people["sam"].id,))}
    model = Model(m)
    await _same_subjects(world, model)
    inbox = {n: world.register(world_org, p.id) for n, p in m.people.items() for world_org in
             [a if p.org == a.id else b]}  # fmt: skip

    ix = await chat(world, a, queue_id=q)
    await post(world, f"{API}/agent/offers/{ix['id']}/accept", alice_h, None)
    await post(world, f"{API}/interactions/{ix['id']}/messages", alice_h, {"body": "hello"})
    await put(world, f"{API}/agent/state", alice_h, {"state": "paused"})
    got = {n: await world.events(qid) for n, qid in inbox.items()}

    def receivers(kind: str, assigned_only: bool = False) -> set[str]:
        out: set[str] = set()
        for name, events in got.items():
            for e in events:
                if e["type"] != kind:
                    continue
                if assigned_only and e["interaction"]["status"] != "assigned":
                    continue
                out.add(name)
        return out

    conv = Conv("chat", a.id, int(ix["id"]), (alice.id,), "assigned", q, None, a.admin_id)

    def watcher(p: Person) -> bool:
        return model.watches(p, conv)

    people = m.people.values()
    expected_interaction = {
        p.name
        for p in people
        if p.id == alice.id or watcher(p) or model.conv(p, Area.STATISTICS, conv)
    }
    expected_watchers = {p.name for p in people if p.id == alice.id or watcher(p)}
    assert expected_interaction == {"alice", "ada", "sam", "dora", "tess"}  # the model itself
    assert receivers("interaction", assigned_only=True) == expected_interaction
    assert receivers("offer") == {"alice"}
    assert receivers("message") == expected_watchers == {"alice", "ada", "sam"}
    assert receivers("agent") == expected_watchers
    assert {e["type"] for es in got.values() for e in es} == EVENT_TYPES
