"""The conversation list, reading one conversation and joining it, under the access rights.

R-A-1 (predefined roles), R-A-2 (statistics: which conversations appear in lists; history:
transcripts; join), R-A-3 (roles of a department), R-A-4 (CRM precedence), R-AN-7 (the list
and its search), R-P-2 (supervisors limited to their queues), R-S-2 (join).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from guichet.actions.permissions import do_update_permissions
from guichet.persistence.models import (
    AccessRole,
    Assignment,
    Contact,
    Department,
    Interaction,
    InteractionEvent,
    InteractionTag,
    Message,
    Queue,
    QueueMember,
    RoleAssignment,
    Tag,
)
from tests.factories import Org, World, problem
from tests.live import conftest as live_conftest
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, queue

#: The live app (a routing loop on a driven clock): joining publishes through the loop.
world = live_conftest.world

URL = "/api/v1/interactions"
_roles = itertools.count(1)
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


# --- Setup helpers, shared with test_evaluations and test_contacts -------------------------------


async def grant(
    world: World,
    org: Org,
    name: str,
    key: str | None = None,
    *,
    user_id: int | None = None,
    department_id: int | None = None,
    **scopes: str,
) -> int:
    """Give a predefined role (``key``) or a new custom role with ``scopes`` (R-A-1, R-A-3) to
    user ``name`` (or ``user_id``), or to a department; returns the role id."""
    async with world.state.sessions() as s:
        if key is not None:
            role = await s.scalar(
                select(AccessRole).where(AccessRole.org_id == org.id, AccessRole.key == key)
            )
            assert role is not None
        else:
            role_name = f"Custom {next(_roles)}"
            role = AccessRole(
                org_id=org.id, name=role_name, name_key=role_name.lower(), grants=scopes
            )
            s.add(role)
            await s.flush()
        if department_id is not None:
            target = {"department_id": department_id, "target_key": f"department:{department_id}"}
        else:
            uid = user_id if user_id is not None else org.users[name]
            target = {"user_id": uid, "target_key": f"user:{uid}"}
        s.add(RoleAssignment(org_id=org.id, role_id=role.id, **target))
        await s.commit()
        return role.id


async def department(world: World, org: Org, name: str, parent: int | None = None) -> int:
    """A new department (under ``parent``)."""
    async with world.state.sessions() as s:
        row = Department(org_id=org.id, name=name, name_key=name.lower(), parent_id=parent)
        s.add(row)
        await s.commit()
        return row.id


async def contact(world: World, org: Org, name: str, **fields: Any) -> int:
    """A new contact record (owner_id, department_id, email, phone...)."""
    async with world.state.sessions() as s:
        row = Contact(org_id=org.id, name=name, **fields)
        s.add(row)
        await s.commit()
        return row.id


async def conversation(
    world: World,
    org: Org,
    *,
    agents: tuple[int, ...] = (),
    status: str = "ended",
    channel: str = "chat",
    contact_id: int | None = None,
    queue_id: int | None = None,
    created_at: datetime = T0,
    tag_ids: tuple[int, ...] = (),
    messages: tuple[str, ...] = (),
) -> int:
    """A conversation handled by ``agents`` one after the other (the last one holds it when
    ``status`` is assigned or paused), stored as the live service stores it."""
    async with world.state.sessions() as s:
        held = status in ("assigned", "paused")
        row = Interaction(
            org_id=org.id,
            channel=channel,
            status=status,
            contact_id=contact_id,
            queue_id=queue_id,
            agent_id=agents[-1] if held and agents else None,
            created_at=created_at,
            created_by_id=org.admin_id,
            ended_at=None if held else created_at + timedelta(minutes=5),
        )
        s.add(row)
        await s.flush()
        # The event log the live service writes with these rows (R-AN-8), so the invariants
        # checked after every test (tests/live/invariants.py) hold for them too.
        log: list[tuple[str, int | None]] = [("interaction.arrived", None)]
        if queue_id is not None:
            log.append(("interaction.queued", None))
        for n, uid in enumerate(agents):
            last = n == len(agents) - 1
            started = created_at + timedelta(seconds=n + 1)
            s.add(
                Assignment(
                    org_id=org.id,
                    interaction_id=row.id,
                    agent_id=uid,
                    active=held and last,
                    started_at=started,
                    ended_at=None
                    if held and last
                    else (row.ended_at if last else started + timedelta(seconds=1)),
                )
            )
            log.append(("interaction.assigned", uid))
        final = {"ended": "interaction.ended", "abandoned": "interaction.abandoned"}
        if status in final:
            log.append((final[status], None))
        elif status == "paused":
            log.append(("conversation.paused", None))
        for kind, who in log:
            s.add(
                InteractionEvent(
                    org_id=org.id,
                    at=created_at,
                    type=kind,
                    interaction_id=row.id,
                    agent_id=who,
                    queue_id=queue_id if kind == "interaction.queued" else None,
                    channel=channel,
                )
            )
        for tid in tag_ids:
            s.add(InteractionTag(interaction_id=row.id, tag_id=tid))
        for body in messages:
            s.add(Message(org_id=org.id, interaction_id=row.id, sender="contact", body=body))
        await s.commit()
        return row.id


async def ids(world: World, headers: dict[str, str], **params: Any) -> list[int]:
    """The ids of the conversation list as ``headers`` sees it (200 expected)."""
    r = await world.client.get(URL, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


async def status_of(world: World, headers: dict[str, str], iid: int) -> tuple[int, int]:
    """The status codes of reading the conversation and its transcript."""
    one = await world.client.get(f"{URL}/{iid}", headers=headers)
    transcript = await world.client.get(f"{URL}/{iid}/messages", headers=headers)
    return one.status_code, transcript.status_code


# --- The list and its search (R-AN-7) ------------------------------------------------------------


async def test_r_a_1_r_an_7_manager_lists_only_what_they_handled_director_all(
    world: LiveWorld, org_a: Org
) -> None:
    """R-A-1, R-A-2 statistics, R-AN-7: a Manager lists and finds only the conversations they
    handled, now or earlier; a Director all of them; a user without a role none."""
    mia = await world.user(org_a, "mia")
    await world.user(org_a, "bob")
    dora = await world.user(org_a, "dora", roles=())
    nobody = await world.user(org_a, "nobody")
    u = org_a.users
    await grant(world, org_a, "mia", "manager")
    await grant(world, org_a, "dora", "director")
    zoe = await contact(world, org_a, "Zoé Martin", email="zoe@example.com")
    held_now = await conversation(
        world, org_a, agents=(u["mia"],), status="assigned", contact_id=zoe
    )
    earlier = await conversation(
        world, org_a, agents=(u["mia"], u["bob"]), messages=("refund please",)
    )
    bobs = await conversation(world, org_a, agents=(u["bob"],), contact_id=zoe)
    unanswered = await conversation(world, org_a, status="abandoned")
    assert await ids(world, mia) == [earlier, held_now]
    assert await ids(world, dora) == [unanswered, bobs, earlier, held_now]
    assert await ids(world, org_a.admin) == [unanswered, bobs, earlier, held_now]
    assert await ids(world, nobody) == []
    # Search (R-AN-7) stays inside what appears for the caller.
    assert await ids(world, mia, q="zoé") == [held_now]
    assert await ids(world, dora, q="ZOE@example") == [bobs, held_now]
    assert await ids(world, mia, q="REFUND") == [earlier]
    assert await ids(world, nobody, q="refund") == []
    assert await ids(world, mia, agent_id=u["bob"]) == [earlier]


async def test_r_a_2_department_scope_and_message_search_needs_history(
    world: LiveWorld, org_a: Org
) -> None:
    """R-A-2, R-A-3: "department" reaches conversations handled by members of the department
    and its sub-departments, through a role given to the department; message bodies are
    searched only where the caller may read the history."""
    sales = await department(world, org_a, "Sales")
    north = await department(world, org_a, "North", parent=sales)
    support = await department(world, org_a, "Support")
    lea = await world.user(org_a, "lea", department_id=sales)
    await world.user(org_a, "ned", department_id=north)
    await world.user(org_a, "sue", department_id=support)
    stat = await world.user(org_a, "stat")
    u = org_a.users
    await grant(world, org_a, "", department_id=sales, statistics="department", history="own")
    await grant(world, org_a, "stat", statistics="all", history="denied")
    by_ned = await conversation(world, org_a, agents=(u["ned"],), messages=("parcel lost",))
    by_sue = await conversation(world, org_a, agents=(u["sue"],), messages=("parcel late",))
    by_lea = await conversation(world, org_a, agents=(u["lea"],), messages=("parcel ok",))
    assert await ids(world, lea) == [by_lea, by_ned]
    # History is "own" for Léa: only her own transcript is searched.
    assert await ids(world, lea, q="parcel") == [by_lea]
    # Statistics "all" without history: everything is listed, no transcript is searched.
    assert await ids(world, stat) == [by_lea, by_sue, by_ned]
    assert await ids(world, stat, q="parcel") == []
    assert await status_of(world, stat, by_sue) == (404, 404)


async def test_r_an_7_filters_period_and_paging(world: LiveWorld, org_a: Org) -> None:
    """R-AN-7: channel, agent, queue, tag, status, contact, period; newest first, by pages."""
    await world.user(org_a, "ann")
    ann = org_a.users["ann"]
    async with world.state.sessions() as s:
        q = Queue(org_id=org_a.id, kind="chat", name="Web", name_key="web")
        t = Tag(org_id=org_a.id, name="vip", name_key="vip")
        s.add_all([q, t])
        await s.commit()
        qid, tid = q.id, t.id
    kim = await contact(world, org_a, "Kim")
    first = await conversation(world, org_a, agents=(ann,), channel="voice", created_at=T0)
    second = await conversation(
        world, org_a, queue_id=qid, tag_ids=(tid,), created_at=T0 + timedelta(days=1)
    )
    third = await conversation(
        world, org_a, status="abandoned", contact_id=kim, created_at=T0 + timedelta(days=2)
    )
    admin = org_a.admin
    assert await ids(world, admin, channel="voice") == [first]
    assert await ids(world, admin, agent_id=ann) == [first]
    assert await ids(world, admin, queue_id=qid) == [second]
    assert await ids(world, admin, tag_id=tid) == [second]
    assert await ids(world, admin, status="abandoned") == [third]
    assert await ids(world, admin, contact_id=kim) == [third]
    day = timedelta(days=1)
    window = {"created_from": (T0 + day).isoformat(), "created_to": (T0 + 2 * day).isoformat()}
    assert await ids(world, admin, **window) == [second]
    naive = {"created_from": "2027-03-02T09:00:00"}  # no offset: UTC
    assert await ids(world, admin, **naive) == [third, second]
    r = await world.client.get(URL, params={"limit": 2}, headers=admin)
    body = r.json()
    assert [i["id"] for i in body["items"]] == [third, second]
    assert body["items"][1]["tag_ids"] == [tid]
    assert body["next_before_id"] == second
    r = await world.client.get(URL, params={"limit": 2, "before_id": second}, headers=admin)
    assert (r.json()["next_before_id"], [i["id"] for i in r.json()["items"]]) == (None, [first])
    for params in ({"limit": 0}, {"limit": 201}, {"status": "lost"}, {"channel": "fax"}):
        problem(await world.client.get(URL, params=params, headers=admin), 422)
    r = await world.client.get(
        URL, params={**window, "created_to": window["created_from"]}, headers=admin
    )
    assert problem(r, 422)["field"] == "created_to"


async def test_r_an_7_foreign_ids_in_filters_are_422(
    world: LiveWorld, org_a: Org, org_b: Org
) -> None:
    """R-AN-7, R-A-6: an id of another organization (or none) in a filter is a 422 naming the
    filter, never an empty list; nothing of the other organization is listed."""
    await world.user(org_b, "eve")
    async with world.state.sessions() as s:
        q = Queue(org_id=org_b.id, kind="chat", name="Web", name_key="web")
        t = Tag(org_id=org_b.id, name="vip", name_key="vip")
        s.add_all([q, t])
        await s.commit()
        foreign = {"queue_id": q.id, "tag_id": t.id, "agent_id": org_b.users["eve"]}
    foreign["contact_id"] = await contact(world, org_b, "Bea")
    await conversation(world, org_b, agents=(org_b.users["eve"],))
    for name, value in [*foreign.items(), ("agent_id", 999_999), ("tag_id", 2**40)]:
        r = await world.client.get(URL, params={name: value}, headers=org_a.admin)
        body = problem(r, 422)
        assert body["field"] == name, body
    assert await ids(world, org_a.admin) == []


# --- Reading one conversation ------------------------------------------------------------------


async def test_r_a_4_crm_precedence_reads_and_joins_but_does_not_list(
    world: LiveWorld, org_a: Org
) -> None:
    """R-A-4: the owner of a contact record reads and joins that contact's conversations,
    which the conversation rights alone deny; they do not appear in the list (R-A-2
    statistics). Without the evaluate scope, no evaluation (R-A-2)."""
    web = await queue(world, org_a, "Web")
    bob = await agent(world, org_a, "bob", queues=[web])
    cora = await world.user(org_a, "cora", roles=())
    mia = await world.user(org_a, "mia")
    await grant(world, org_a, "mia", "manager")
    ix = await chat(world, org_a, queue_id=web, contact={"email": "kim@example.com"})
    await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", bob, None)
    async with world.state.sessions() as s:
        row = await s.get(Contact, ix["contact_id"])
        assert row is not None
        row.owner_id = org_a.users["cora"]
        await s.commit()
    iid = ix["id"]
    assert await status_of(world, cora, iid) == (200, 200)
    assert await ids(world, cora) == []
    assert await status_of(world, mia, iid) == (404, 404)  # a Manager who never handled it
    join = f"/api/v1/supervision/interactions/{iid}/join"
    problem(await world.client.post(join, headers=mia), 404)
    joined = await post(world, join, cora, None)
    assert joined["sender"] == "system" and "Cora joined" in joined["body"]
    # Having joined, Cora writes in it (the join right) but does not act as its agent.
    await post(world, f"{URL}/{iid}/messages", cora, {"body": "Cora here"})
    problem(await world.client.put(f"{URL}/{iid}/tags", json={"tag_ids": []}, headers=cora), 403)
    got = (await world.client.get(f"{URL}/{iid}", headers=cora)).json()
    assert got["evaluations"] == {"count": 0, "average_score": None}
    r = await world.client.post(f"{URL}/{iid}/evaluations", json={"score": 4}, headers=cora)
    assert problem(r, 403)["rule"] == "R-A-2"


async def test_r_s_2_r_a_2_join_by_rights_without_the_supervisor_role(
    world: LiveWorld, org_a: Org
) -> None:
    """R-S-2, R-A-2 join: a Director joins without the supervisor role; a role that lists the
    conversation but denies joining gets 403 (R-A-2); a supervisor of another queue, who may
    not see it, 404 (R-P-2); with the switch off, every supervisor watches every queue."""
    web = await queue(world, org_a, "Web")
    other = await queue(world, org_a, "Other")
    bob = await agent(world, org_a, "bob", queues=[web])
    dora = await world.user(org_a, "dora", roles=())
    stat = await world.user(org_a, "stat", roles=())
    sam = await world.user(org_a, "sam", roles=("supervisor",))
    await grant(world, org_a, "dora", "director")
    await grant(world, org_a, "stat", statistics="all", join="denied")
    async with world.state.sessions() as s:
        s.add(QueueMember(queue_id=other, user_id=org_a.users["sam"], role="supervisor"))
        await s.commit()
    ix = await chat(world, org_a, queue_id=web)
    iid = ix["id"]
    join = f"/api/v1/supervision/interactions/{iid}/join"
    r = await world.client.post(join, headers=dora)
    assert problem(r, 403)["code"] == "not_joinable"  # nobody handles it yet
    await post(world, f"/api/v1/agent/offers/{iid}/accept", bob, None)
    assert (await post(world, join, dora, None))["sender"] == "system"
    assert problem(await world.client.post(join, headers=stat), 403)["rule"] == "R-A-2"
    assert await status_of(world, sam, iid) == (404, 404)
    problem(await world.client.post(join, headers=sam), 404)
    r = await world.client.put(f"{URL}/{iid}/tags", json={"tag_ids": []}, headers=sam)
    problem(r, 404)  # may not even see it: 404, not 403
    async with world.state.sessions() as s:
        await do_update_permissions(
            s, org_id=org_a.id, changes={"supervisor_limit_to_assigned_queues": False}
        )
    assert await status_of(world, sam, iid) == (200, 200)
    assert (await post(world, join, sam, None))["sender"] == "system"
    # A Director reads it but is not its agent: tags are refused with 403.
    r = await world.client.put(f"{URL}/{iid}/tags", json={"tag_ids": []}, headers=dora)
    problem(r, 403)


async def test_r_a_2_reading_operational_rights_and_other_organizations(
    world: LiveWorld, org_a: Org, org_b: Org
) -> None:
    """R-A-2, R-A-6: the agent offered a conversation reads it while the offer is open; after
    rejecting it, without a history right, it is 404; the contact side (who took it in) reads
    it; another organization gets 404 on every route."""
    web = await queue(world, org_a, "Web", strategy="top_down")
    ann = await agent(world, org_a, "ann", queues=[web])
    ix = await chat(world, org_a, queue_id=web)
    iid = ix["id"]
    assert await status_of(world, ann, iid) == (200, 200)
    await post(world, f"/api/v1/agent/offers/{iid}/reject", ann, None)
    assert await status_of(world, ann, iid) == (404, 404)
    assert await status_of(world, org_a.admin, iid) == (200, 200)
    eve = org_b.admin
    assert await status_of(world, eve, iid) == (404, 404)
    for method, path, body in [
        ("POST", f"{URL}/{iid}/messages", {"body": "hi"}),
        ("POST", f"{URL}/{iid}/messages", {"body": "hi", "sender": "contact"}),
        ("PUT", f"{URL}/{iid}/tags", {"tag_ids": []}),
        ("PATCH", f"{URL}/{iid}/wrap-up", {"notes": "x"}),
        ("POST", f"{URL}/{iid}/end", None),
        ("POST", f"{URL}/{iid}/evaluations", {"score": 3}),
        ("GET", f"{URL}/{iid}/evaluations", None),
        ("POST", f"/api/v1/supervision/interactions/{iid}/join", None),
    ]:
        problem(await world.client.request(method, path, json=body, headers=eve), 404)
    assert await ids(world, eve) == []
