"""R-A-6 on the socket: interaction events and the live snapshot follow the access rights.

A user receives the events about the conversations their statistics scope covers (R-A-2):
a Director (scope ``all``) every one, a Manager (``own``) the ones they handled, a
``department`` scope the ones handled in their department subtree; and their snapshot's
``conversations`` section lists exactly those, so snapshot + events == a fresh snapshot.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from guichet.authz.access import Area, conversation_filter
from guichet.live.config_loader import StatisticsReach, fingerprint, statistics_reach
from guichet.live.snapshot import LIVE, live_snapshot
from guichet.persistence.models import AccessRole, Group, RoleAssignment, User, group_members
from guichet.queries.access import load_subject
from tests.conftest import Database
from tests.factories import Org
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, put, queue
from tests.live.test_snapshots import snapshot, verify
from tests.realtime.ws_support import Live, frame, register, serve


async def role_id(world: LiveWorld, org: Org, key: str) -> int:
    """The id of a predefined role (R-A-1) of the organization."""
    async with world.state.sessions() as s:
        found = await s.scalar(
            select(AccessRole.id).where(AccessRole.org_id == org.id, AccessRole.key == key)
        )
    assert found is not None
    return found


async def custom_role(world: LiveWorld, org: Org, name: str, **grants: str) -> int:
    """A custom role granting ``grants`` (area -> scope), the rest denied (R-A-1, R-A-2)."""
    async with world.state.sessions() as s:
        row = AccessRole(org_id=org.id, name=name, name_key=name.lower(), grants=grants)
        s.add(row)
        await s.commit()
        return row.id


async def give(
    world: LiveWorld,
    org: Org,
    role: int,
    *,
    user: int | None = None,
    department: int | None = None,
    group: int | None = None,
) -> None:
    """Give ``role`` to a user, a department or a group (R-A-3)."""
    kind, target = next(
        (k, t)
        for k, t in (("user", user), ("department", department), ("group", group))
        if t is not None
    )
    async with world.state.sessions() as s:
        s.add(
            RoleAssignment(
                org_id=org.id,
                role_id=role,
                user_id=user,
                department_id=department,
                group_id=group,
                target_key=f"{kind}:{target}",
            )
        )
        await s.commit()


async def take_back(world: LiveWorld, role: int, user: int) -> None:
    """Take ``role`` back from ``user``."""
    async with world.state.sessions() as s:
        await s.execute(
            delete(RoleAssignment).where(
                RoleAssignment.role_id == role, RoleAssignment.user_id == user
            )
        )
        await s.commit()


async def department(world: LiveWorld, org: Org, name: str, parent: int | None = None) -> int:
    """A new department's id."""
    body = {"name": name, "parent_id": parent}
    return int((await post(world, "/api/v1/departments", org.admin, body))["id"])


async def place(world: LiveWorld, org: Org, user_id: int, dept: int | None) -> None:
    """Put a user in a department."""
    r = await world.client.patch(
        f"/api/v1/users/{user_id}", json={"department_id": dept}, headers=org.admin
    )
    assert r.status_code == 200, r.text


def about(events: list[dict[str, Any]]) -> set[int]:
    """The interactions a list of events talks about."""
    out: set[int] = set()
    for e in events:
        if e["type"] == "interaction":
            out.add(e["interaction"]["id"])
        elif e["type"] == "offer":
            out.add(e["offer"]["interaction_id"])
        elif e["type"] == "message":
            out.add(e["message"]["interaction_id"])
    return out


async def handled(world: LiveWorld, org: Org, web: int, headers: dict[str, str]) -> int:
    """A chat offered to, and accepted by, the only available agent: ``headers``."""
    ix = await chat(world, org, queue_id=web)
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", headers, None)
    return int(ix["id"])


def live_ids(snap: dict[str, Any]) -> set[int]:
    """The interactions of a snapshot's ``conversations`` section."""
    return {int(k) for k in snap["conversations"]["interactions"]}


async def test_r_a_6_manager_gets_own_conversations_director_all(
    world: LiveWorld, org_a: Org
) -> None:
    """R-A-6, R-A-1: a Manager's queue receives the events of the conversation they handle and
    none of another agent's; a Director (no contact-center role) receives all of them, and no
    agent-state events (those are for contact-center watchers); snapshots agree."""
    web = await queue(world, org_a, "Web")
    manager, director = (
        await role_id(world, org_a, "manager"),
        await role_id(world, org_a, "director"),
    )
    alice = await agent(world, org_a, "alice", queues=[web])
    bob = await agent(world, org_a, "bob", queues=[web], available=False)
    await world.user(org_a, "dora", roles=[])
    ids = {n: org_a.users[n] for n in ("alice", "bob", "dora")}
    await give(world, org_a, manager, user=ids["alice"])
    await give(world, org_a, manager, user=ids["bob"])
    await give(world, org_a, director, user=ids["dora"])
    queues = {n: world.register(org_a, uid) for n, uid in ids.items()}
    mine = await handled(world, org_a, web, alice)
    await put(world, "/api/v1/agent/state", alice, {"state": "paused"})
    await put(world, "/api/v1/agent/state", bob, {"state": "available"})
    theirs = await handled(world, org_a, web, bob)
    got = {n: await world.events(q) for n, q in queues.items()}
    assert about(got["alice"]) == {mine}
    assert about(got["bob"]) == {theirs}
    assert about(got["dora"]) == {mine, theirs}
    assert {e["type"] for e in got["dora"]} == {"interaction"}
    snaps = {n: await snapshot(world, org_a, uid, []) for n, uid in ids.items()}
    assert live_ids(snaps["alice"]) == {mine} and live_ids(snaps["bob"]) == {theirs}
    assert live_ids(snaps["dora"]) == {mine, theirs}
    assert snaps["dora"]["conversations"]["scope"] == "all"
    assert snaps["alice"]["conversations"]["agent_ids"] == [ids["alice"]]
    # A message on bob's chat reaches bob, not alice (R-A-6).
    queues = {n: world.register(org_a, uid) for n, uid in ids.items()}
    await post(world, f"/api/v1/interactions/{theirs}/messages", bob, {"body": "hi"})
    assert about(await world.events(queues["alice"])) == set()
    assert about(await world.events(queues["bob"])) == {theirs}


async def test_r_a_6_department_scope_reaches_the_department_subtree(
    world: LiveWorld, org_a: Org
) -> None:
    """R-A-6, R-A-2, R-A-3: a role with the ``department`` statistics scope, given to a
    department, lets its members receive the conversations handled in it and below it, not
    the others'."""
    web = await queue(world, org_a, "Web")
    sales = await department(world, org_a, "Sales")
    east = await department(world, org_a, "East", parent=sales)
    west = await department(world, org_a, "West")
    watchers = await custom_role(world, org_a, "Team leads", statistics="department")
    await give(world, org_a, watchers, department=sales)
    await world.user(org_a, "carol", roles=[])
    alice = await agent(world, org_a, "alice", queues=[web])
    bob = await agent(world, org_a, "bob", queues=[web], available=False)
    ids = {n: org_a.users[n] for n in ("alice", "bob", "carol")}
    await place(world, org_a, ids["carol"], sales)
    await place(world, org_a, ids["alice"], east)
    await place(world, org_a, ids["bob"], west)
    carol_q = world.register(org_a, ids["carol"])
    east_ix = await handled(world, org_a, web, alice)
    await put(world, "/api/v1/agent/state", alice, {"state": "paused"})
    await put(world, "/api/v1/agent/state", bob, {"state": "available"})
    west_ix = await handled(world, org_a, web, bob)
    assert about(await world.events(carol_q)) == {east_ix}
    snap = await snapshot(world, org_a, ids["carol"], [])
    assert snap["conversations"]["scope"] == "department"
    assert live_ids(snap) == {east_ix}
    assert set(snap["conversations"]["agent_ids"]) == {ids["alice"], ids["carol"]}
    assert west_ix not in live_ids(snap)


async def test_r_a_6_snapshot_and_events_stay_exact_for_director_manager_department(
    world: LiveWorld, org_a: Org
) -> None:
    """R-A-6: for a Director, two Managers and a department-scope user, snapshot + events ==
    a fresh snapshot at every step, including a transfer (a conversation handled earlier stays
    in the Manager's and the department's view, R-A-2)."""
    web = await queue(world, org_a, "Web", wrap_up_s=30)
    east = await department(world, org_a, "East")
    manager, director = (
        await role_id(world, org_a, "manager"),
        await role_id(world, org_a, "director"),
    )
    leads = await custom_role(world, org_a, "Leads", statistics="department")
    alice = await agent(world, org_a, "alice", queues=[web], available=False)
    bob = await agent(world, org_a, "bob", queues=[web], available=False)
    await world.user(org_a, "carol", roles=[])
    await world.user(org_a, "dora", roles=[])
    ids = {n: org_a.users[n] for n in ("alice", "bob", "carol", "dora")}
    await place(world, org_a, ids["alice"], east)
    await place(world, org_a, ids["carol"], east)
    await give(world, org_a, manager, user=ids["alice"])
    await give(world, org_a, manager, user=ids["bob"])
    await give(world, org_a, leads, user=ids["carol"])
    await give(world, org_a, director, user=ids["dora"])
    observers = {
        ids["alice"]: ["agent"],
        ids["bob"]: ["agent"],
        ids["carol"]: [],
        ids["dora"]: [],
        org_a.admin_id: ["administrator", "supervisor", "agent"],
    }
    box: dict[str, Any] = {}

    async def intake() -> None:
        box["ix"] = await chat(world, org_a, queue_id=web)

    await verify(world, org_a, observers, intake, {"interaction"})
    iid = box["ix"]["id"]

    async def available() -> None:
        await put(world, "/api/v1/agent/state", alice, {"state": "available"})

    await verify(world, org_a, observers, available, {"offer", "interaction"})

    async def accept() -> None:
        await post(world, f"/api/v1/agent/offers/{iid}/accept", alice, None)

    await verify(world, org_a, observers, accept, {"interaction"})
    tag = await post(world, "/api/v1/tags", org_a.admin, {"name": "vip"})

    async def tags() -> None:
        await put(world, f"/api/v1/interactions/{iid}/tags", alice, {"tag_ids": [tag["id"]]})

    await verify(world, org_a, observers, tags, {"interaction"})

    async def transfer() -> None:
        body = {"to_agent_id": ids["bob"]}
        await post(world, f"/api/v1/interactions/{iid}/transfer", alice, body)

    await verify(world, org_a, observers, transfer, {"interaction"})
    for who in ("alice", "carol", "dora"):  # handled earlier by alice, of East (R-A-2)
        assert iid in live_ids(await snapshot(world, org_a, ids[who], [])), who
    assert iid not in live_ids(await snapshot(world, org_a, ids["bob"], []))

    async def bob_takes() -> None:
        await put(world, "/api/v1/agent/state", bob, {"state": "available"})
        await post(world, f"/api/v1/agent/offers/{iid}/accept", bob, None)

    await verify(world, org_a, observers, bob_takes, {"interaction"})
    assert iid in live_ids(await snapshot(world, org_a, ids["bob"], []))

    async def end() -> None:
        await post(world, f"/api/v1/interactions/{iid}/end", bob, None)

    await verify(world, org_a, observers, end, {"interaction"})
    for who in ("alice", "bob", "carol", "dora"):
        assert live_ids(await snapshot(world, org_a, ids[who], [])) == set(), who

    async def wrap_up() -> None:
        url = f"/api/v1/interactions/{iid}/wrap-up"
        r = await world.client.patch(url, json={"notes": "done"}, headers=bob)
        assert r.status_code == 200, r.text

    await verify(world, org_a, observers, wrap_up, {"interaction"})


async def test_r_a_6_director_role_given_applies_after_the_reload(
    world: LiveWorld, org_a: Org
) -> None:
    """R-A-6, R-A-3: a role change changes the configuration fingerprint; once the loop has
    reloaded it (at its next command) the new Director receives every new event, and once the
    role is taken back, none."""
    web = await queue(world, org_a, "Web")
    alice = await agent(world, org_a, "alice", queues=[web])
    await world.user(org_a, "dora", roles=[])
    dora = org_a.users["dora"]
    director = await role_id(world, org_a, "director")
    dora_q = world.register(org_a, dora)
    first = await handled(world, org_a, web, alice)
    await post(world, f"/api/v1/interactions/{first}/end", alice, None)
    assert await world.events(dora_q) == []
    assert "conversations" not in await snapshot(world, org_a, dora, [])
    async with world.state.sessions() as s:
        before = await fingerprint(s, org_id=org_a.id)
    await give(world, org_a, director, user=dora)
    async with world.state.sessions() as s:
        assert await fingerprint(s, org_id=org_a.id) != before
    second = await chat(world, org_a, queue_id=web)
    assert about(await world.events(dora_q)) == {second["id"]}
    assert live_ids(await snapshot(world, org_a, dora, [])) == {second["id"]}
    await take_back(world, director, dora)
    third = await chat(world, org_a, queue_id=web)
    assert third["id"] not in about(await world.events(dora_q))


async def test_r_a_3_audience_reach_equals_each_users_subject(world: LiveWorld, org_a: Org) -> None:
    """R-A-3, R-A-6: the audience computed for the whole organization at once gives every user
    exactly the statistics reach `load_subject` gives them: roles through the user, a
    department above theirs, a group; the contact-center administrator sees everything; a
    group membership change changes the fingerprint."""
    top = await department(world, org_a, "Top")
    mid = await department(world, org_a, "Mid", parent=top)
    low = await department(world, org_a, "Low", parent=mid)
    leads = await custom_role(world, org_a, "Leads", statistics="department")
    manager = await role_id(world, org_a, "manager")
    director = await role_id(world, org_a, "director")
    for name in ("u1", "u2", "u3", "u4", "u5", "u6", "u7"):
        await world.user(org_a, name, roles=["agent"])
    u = org_a.users
    await place(world, org_a, u["u1"], top)
    await place(world, org_a, u["u2"], mid)
    await place(world, org_a, u["u3"], low)
    await place(world, org_a, u["u5"], low)
    await give(world, org_a, leads, department=mid)  # u2 (mid) and u3 (low, below mid)
    await give(world, org_a, manager, user=u["u1"])
    await give(world, org_a, leads, user=u["u4"])  # department scope without a department
    async with world.state.sessions() as s:
        group = Group(org_id=org_a.id, name="Night", name_key="night")
        s.add(group)
        await s.commit()
        gid = group.id
    await give(world, org_a, director, group=gid)
    async with world.state.sessions() as s:
        before = await fingerprint(s, org_id=org_a.id)
        await s.execute(insert(group_members).values(group_id=gid, user_id=u["u6"]))
        await s.commit()
        assert await fingerprint(s, org_id=org_a.id) != before
    async with world.state.sessions() as s:
        users = list(await s.scalars(select(User).where(User.org_id == org_a.id)))
        bulk = await statistics_reach(s, org_id=org_a.id, users=users)
        for user in users:
            one = StatisticsReach()
            one.add(user.id, conversation_filter(await load_subject(s, user), Area.STATISTICS))
            assert _slice(bulk, user.id) == _slice(one, user.id), user.email
    assert _slice(bulk, u["u6"])[0] and _slice(bulk, org_a.admin_id)[0]
    assert _slice(bulk, u["u3"]) == (False, {u["u3"]}, {low})
    assert _slice(bulk, u["u2"]) == (False, {u["u2"]}, {mid, low})
    assert _slice(bulk, u["u4"]) == (False, {u["u4"]}, set())
    assert _slice(bulk, u["u5"]) == (False, {u["u5"]}, {low})  # mid's role reaches low
    assert _slice(bulk, u["u7"]) == (False, set(), set())


def _slice(reach: StatisticsReach, watcher: int) -> tuple[bool, set[int], set[int]]:
    return (
        watcher in reach.everything,
        {a for a, w in reach.by_agent.items() if watcher in w},
        {d for d, w in reach.by_department.items() if watcher in w},
    )


def test_r_a_6_director_socket_snapshot_and_events_register_cannot_widen(
    database: Database,
) -> None:
    """R-A-6: over a real socket, a Director's snapshot lists the live conversations and the
    next one arrives as events; a register frame naming a user or queues is refused (the
    server alone decides the audience; ``event_types`` only narrows)."""
    with serve(database) as live:
        _director_socket(live)


def _director_socket(live: Live) -> None:
    live.state.snapshots = live_snapshot(live.state.sessions)
    ada = live.member("acc", "ada", roles=("administrator", "supervisor"))
    dora = live.member("acc", "dora", roles=())
    c = live.client

    async def make_director() -> None:
        async with live.state.sessions() as s:
            rid = await s.scalar(
                select(AccessRole.id).where(
                    AccessRole.org_id == dora.org_id, AccessRole.key == "director"
                )
            )
            assert rid is not None
            s.add(
                RoleAssignment(
                    org_id=dora.org_id,
                    role_id=rid,
                    user_id=dora.user_id,
                    target_key=f"user:{dora.user_id}",
                )
            )
            await s.commit()

    live.client.portal.call(make_director)  # type: ignore[union-attr]
    body = {"kind": "chat", "name": "Web", "channel_types": ["chat"]}
    r = c.post("/api/v1/queues", json=body, headers=ada.headers)
    assert r.status_code == 201, r.text
    qid = r.json()["id"]
    ix = {"channel": "chat", "queue_id": qid}
    first = c.post("/api/v1/interactions", json=ix, headers=ada.headers).json()
    with live.connect(dora) as ws:
        for widen in ({"user_id": ada.user_id}, {"queue_ids": [qid]}, {"topics": ["all"]}):
            ws.send_json({"op": "register", **widen})
            assert frame(ws, "error")["code"] == "BAD_REQUEST", widen
        snap = register(ws)["snapshot"]
        conv = snap["conversations"]
        assert (conv["scope"], conv["agent_ids"]) == ("all", None)
        assert list(conv["interactions"]) == [str(first["id"])]
        assert conv["interactions"][str(first["id"])]["status"] in LIVE
        assert "queues" not in snap and "agent" not in snap
        second = c.post("/api/v1/interactions", json=ix, headers=ada.headers).json()
        events = frame(ws, "events")["events"]
        assert {e["interaction"]["id"] for e in events} == {second["id"]}
