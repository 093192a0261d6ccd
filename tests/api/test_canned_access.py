"""Canned messages by queue under the access rights (R-A-2 canned responses, R-Q-11, R-P-3).

Organization-wide public messages are for everyone; a queue's public messages for its members,
further with the canned responses scope ("department": queues with a member in the caller's
department, "all": every queue); a private message for its author alone, whatever the role.
"""

from __future__ import annotations

from typing import Any

from tests.api.test_queue_access import switches
from tests.api.test_queues import expect, make
from tests.api.test_queues_access import department, grant, members
from tests.factories import Org, World, problem

URL = "/api/v1/canned-messages"


async def create(world: World, headers: dict[str, str], shortcut: str, **extra: Any) -> Any:
    """Create a canned message and return its body."""
    body = {"shortcut": shortcut, "text": f"text of {shortcut}", **extra}
    r = await world.client.post(URL, json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def shortcuts(world: World, headers: dict[str, str], **params: Any) -> list[str]:
    """The shortcuts the caller lists, in order."""
    r = await world.client.get(URL, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [m["shortcut"] for m in r.json()]


async def readable(world: World, headers: dict[str, str], messages: list[Any]) -> list[str]:
    """The shortcuts the caller reads one by one (200; the others must be 404)."""
    out = []
    for m in messages:
        r = await world.client.get(f"{URL}/{m['id']}", headers=headers)
        if r.status_code == 200:
            out.append(m["shortcut"])
        else:
            problem(r, 404)
    return out


async def test_r_a_2_queue_messages_for_members_and_by_scope(
    world: World, org_a: Org, org_b: Org
) -> None:
    """R-A-2 canned responses: members read their queues' public messages, non-members do not;
    "department" adds queues with a member in the department, "all" every queue; private
    messages stay their author's (R-Q-11); another organization's are 404."""
    team = await department(world, org_a, "Team")
    alice = await world.user(org_a, "alice", department_id=team)
    bob = await world.user(org_a, "bob")
    carol = await world.user(org_a, "carol")
    dave = await world.user(org_a, "dave", roles=[], department_id=team)
    one = await make(world, org_a, name="One", kind="chat")
    two = await make(world, org_a, name="Two", kind="chat")
    await members(world, org_a, one, [org_a.users["alice"]], [])
    await members(world, org_a, two, [org_a.users["bob"]], [])
    hi = await create(world, org_a.admin, "/hi", visibility="public")
    m1 = await create(world, org_a.admin, "/one", visibility="public", queue_id=one["id"])
    m2 = await create(world, org_a.admin, "/two", visibility="public", queue_id=two["id"])
    assert (m1["queue_id"], hi["queue_id"]) == (one["id"], None)
    mine = await create(world, alice, "/mine")
    everything = [hi, m1, m2, mine]

    # Private first, then the queues', then the organization's.
    assert await shortcuts(world, alice) == ["/mine", "/one", "/hi"]
    assert await readable(world, alice, everything) == ["/hi", "/one", "/mine"]
    assert await shortcuts(world, bob) == ["/two", "/hi"]
    assert await readable(world, bob, everything) == ["/hi", "/two"]
    assert await shortcuts(world, carol) == ["/hi"]
    assert await shortcuts(world, carol, shortcut="/one") == []

    await grant(world, org_a, user="dave", canned="department")
    assert await shortcuts(world, dave) == ["/one", "/hi"]
    assert await readable(world, dave, everything) == ["/hi", "/one"]
    await grant(world, org_a, user="carol", canned="all")
    assert await shortcuts(world, carol) == ["/one", "/two", "/hi"]
    assert await readable(world, carol, everything) == ["/hi", "/one", "/two"]
    # Without any contact-center role, the canned responses scope alone opens the list.
    zed = await world.user(org_a, "zed", roles=[])
    expect(await world.client.get(URL, headers=zed), 403, "R-A-2")
    await grant(world, org_a, user="zed", key="director")
    assert await shortcuts(world, zed) == ["/one", "/two", "/hi"]
    # The administrator holds every scope, and still not alice's private message.
    assert await shortcuts(world, org_a.admin) == ["/one", "/two", "/hi"]
    problem(await world.client.get(f"{URL}/{mine['id']}", headers=org_a.admin), 404)

    # A Manager's canned scope is "own": their queues only.
    await grant(world, org_a, user="bob", key="manager")
    assert await shortcuts(world, bob) == ["/two", "/hi"]

    # Leaving the queue loses its messages.
    await members(world, org_a, one, [], [])
    assert await shortcuts(world, alice) == ["/mine", "/hi"]
    problem(await world.client.get(f"{URL}/{m1['id']}", headers=alice), 404)

    assert await shortcuts(world, org_b.admin) == []
    for m in everything:
        problem(await world.client.get(f"{URL}/{m['id']}", headers=org_b.admin), 404)
        r = await world.client.patch(f"{URL}/{m['id']}", json={"text": "x"}, headers=org_b.admin)
        problem(r, 404)
        problem(await world.client.delete(f"{URL}/{m['id']}", headers=org_b.admin), 404)


async def test_r_a_2_managing_needs_to_read_and_r_p_3(world: World, org_a: Org) -> None:
    """Managing stays under R-P-3 (public messages need canned.manage_public), and a message
    one may not read cannot be changed or deleted either (404, R-A-2)."""
    await switches(world, org_a, agent_manage_public_canned=True)
    alice = await world.user(org_a, "alice")
    bob = await world.user(org_a, "bob")
    one = await make(world, org_a, name="One", kind="chat")
    await members(world, org_a, one, [org_a.users["alice"]], [])
    m1 = await create(world, org_a.admin, "/one", visibility="public", queue_id=one["id"])
    url = f"{URL}/{m1['id']}"
    r = await world.client.patch(url, json={"text": "Hello from One"}, headers=alice)
    assert r.status_code == 200 and r.json()["text"] == "Hello from One", r.text
    problem(await world.client.patch(url, json={"text": "x"}, headers=bob), 404)
    problem(await world.client.delete(url, headers=bob), 404)
    await switches(world, org_a, agent_manage_public_canned=False)
    problem(await world.client.patch(url, json={"text": "y"}, headers=alice), 403)
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204


async def test_r_q_11_queue_id_is_checked(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-11: only public messages take a queue; the queue must be one of the caller's
    organization that they may see (422 naming queue_id); shortcuts are unique per queue."""
    await switches(world, org_a, agent_manage_public_canned=True)
    alice = await world.user(org_a, "alice")
    mia = await world.user(org_a, "mia")
    await grant(world, org_a, user="mia", key="manager")
    one = await make(world, org_a, name="One", kind="chat")
    two = await make(world, org_a, name="Two", kind="chat")
    await members(world, org_a, one, [org_a.users["mia"]], [])
    foreign = await make(world, org_b, name="Bravo", kind="chat")

    body: dict[str, Any] = {"shortcut": "/x", "text": "x", "queue_id": one["id"]}
    r = await world.client.post(URL, json=body, headers=org_a.admin)
    assert expect(r, 422, "R-Q-11")["field"] == "queue_id"
    for qid in (foreign["id"], 999_999, 2**40):
        body = {"shortcut": "/x", "text": "x", "visibility": "public", "queue_id": qid}
        r = await world.client.post(URL, json=body, headers=org_a.admin)
        assert expect(r, 422, "R-A-2")["field"] == "queue_id"
        assert "Bravo" not in r.text
    # An agent allowed to manage public messages but who sees no queue (R-A-2).
    body = {"shortcut": "/x", "text": "x", "visibility": "public", "queue_id": one["id"]}
    r = await world.client.post(URL, json=body, headers=alice)
    assert expect(r, 422, "R-A-2")["field"] == "queue_id"
    # A Manager sees their queue (channels view "own") but not the other one.
    created = await create(world, mia, "/x", text="x", visibility="public", queue_id=one["id"])
    body["queue_id"] = two["id"]
    r = await world.client.post(URL, json=body, headers=mia)
    assert expect(r, 422, "R-A-2")["field"] == "queue_id"
    r = await world.client.patch(f"{URL}/{created['id']}", json=body, headers=mia)
    assert expect(r, 422, "R-A-2")["field"] == "queue_id"

    # Shortcuts: unique within a queue, free across queues and the organization's.
    await create(world, org_a.admin, "/x", visibility="public", queue_id=two["id"])
    await create(world, org_a.admin, "/x", visibility="public")
    body = {"shortcut": "/X", "text": "x", "visibility": "public", "queue_id": one["id"]}
    r = await world.client.post(URL, json=body, headers=org_a.admin)
    assert expect(r, 409, "R-Q-11")["field"] == "shortcut"

    # Moving: to the organization, to a queue, never private while in a queue.
    url = f"{URL}/{created['id']}"
    r = await world.client.patch(url, json={"queue_id": None}, headers=org_a.admin)
    assert expect(r, 409, "R-Q-11")["field"] == "shortcut"
    r = await world.client.patch(
        url, json={"queue_id": None, "shortcut": "/y"}, headers=org_a.admin
    )
    assert r.status_code == 200 and r.json()["queue_id"] is None, r.text
    r = await world.client.patch(url, json={"queue_id": one["id"]}, headers=org_a.admin)
    assert r.json()["queue_id"] == one["id"], r.text
    r = await world.client.patch(url, json={"visibility": "private"}, headers=org_a.admin)
    assert expect(r, 422, "R-Q-11")["field"] == "queue_id"
    r = await world.client.patch(
        url, json={"visibility": "private", "queue_id": None}, headers=org_a.admin
    )
    assert r.status_code == 200, r.text
    assert (r.json()["visibility"], r.json()["queue_id"]) == ("private", None)
    assert r.json()["owner_id"] == org_a.admin_id
    assert "/y" not in await shortcuts(world, mia)
