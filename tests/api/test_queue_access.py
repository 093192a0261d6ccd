"""Queue members, permissions and organization isolation (R-Q-2, R-Q-4, R-P-2)."""

from __future__ import annotations

from guichet.actions.permissions import do_update_permissions
from tests.api.test_queues import URL, expect, make
from tests.factories import Org, World, problem


async def switches(world: World, org: Org, **changes: bool) -> None:
    """Turn the organization's permission switches (R-P-2)."""
    async with world.state.sessions() as session:
        await do_update_permissions(session, org_id=org.id, changes=changes)


async def test_r_q_2_members_keep_top_down_order(world: World, org_a: Org) -> None:
    """R-Q-2, R-Q-4: agents and supervisors are set together; agents keep the order given."""
    await world.user(org_a, "alice")
    await world.user(org_a, "bob")
    await world.user(org_a, "sam", roles=["supervisor"])
    u = org_a.users
    q = await make(world, org_a, name="Support", strategy="top_down")
    url = f"{URL}/{q['id']}/members"
    assert (await world.client.get(url, headers=org_a.admin)).json() == {
        "agents": [],
        "supervisors": [],
    }
    order = [u["bob"], org_a.admin_id, u["alice"]]
    body = {"agents": order, "supervisors": [u["sam"]]}
    r = await world.client.put(url, json=body, headers=org_a.admin)
    assert r.json() == body, r.text
    body = {"agents": [u["alice"], u["bob"]], "supervisors": [u["sam"], org_a.admin_id]}
    assert (await world.client.put(url, json=body, headers=org_a.admin)).json() == {
        "agents": [u["alice"], u["bob"]],
        "supervisors": [u["sam"], org_a.admin_id],
    }
    assert (await world.client.get(url, headers=org_a.admin)).json()["agents"] == body["agents"]


async def test_r_q_2_members_are_checked(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-2: members are users of the caller's organization, listed once, in a fitting role."""
    await world.user(org_a, "alice")
    await world.user(org_a, "sam", roles=["supervisor"])
    await world.user(org_b, "eve")
    u = org_a.users
    q = await make(world, org_a, name="Support")
    url = f"{URL}/{q['id']}/members"
    bad = [
        ({"agents": [u["alice"], u["alice"]], "supervisors": []}, "agents"),
        ({"agents": [org_b.users["eve"]], "supervisors": []}, "agents"),
        ({"agents": [999_999], "supervisors": []}, "agents"),
        ({"agents": [u["sam"]], "supervisors": []}, "agents"),
        ({"agents": [], "supervisors": [u["alice"]]}, "supervisors"),
    ]
    for body, field in bad:
        r = await world.client.put(url, json=body, headers=org_a.admin)
        assert expect(r, 422, "R-Q-2")["field"] == field
        assert "bravo" not in r.text
    r = await world.client.put(url, json={"agents": [u["alice"]]}, headers=org_a.admin)
    problem(r, 422)
    assert (await world.client.get(url, headers=org_a.admin)).json()["agents"] == []


async def test_agents_cannot_view_or_manage_queues(world: World, org_a: Org) -> None:
    """R-P-3: agents hold no queue permission: 403 on every queue route."""
    agent = await world.user(org_a, "alice")
    q = await make(world, org_a, name="Support")
    for method, path, body in [
        ("GET", URL, None),
        ("GET", f"{URL}/{q['id']}", None),
        ("GET", f"{URL}/next-extension", None),
        ("GET", f"{URL}/{q['id']}/members", None),
        ("POST", URL, {"kind": "call", "name": "Mine"}),
        ("PATCH", f"{URL}/{q['id']}", {"weight": 9}),
        ("PUT", f"{URL}/{q['id']}/members", {"agents": [], "supervisors": []}),
        ("DELETE", f"{URL}/{q['id']}", None),
    ]:
        r = await world.client.request(method, path, json=body, headers=agent)
        problem(r, 403)
    assert (await world.client.get(f"{URL}/{q['id']}", headers=org_a.admin)).json() == q


async def test_r_p_2_supervisor_limited_to_assigned_queues(world: World, org_a: Org) -> None:
    """R-P-2: with "limit to assigned queues" on, supervisors see only the queues they supervise."""
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    mine = await make(world, org_a, name="Mine")
    other = await make(world, org_a, name="Other")
    await world.client.put(
        f"{URL}/{mine['id']}/members",
        json={"agents": [], "supervisors": [org_a.users["sam"]]},
        headers=org_a.admin,
    )
    listed = (await world.client.get(URL, headers=sam)).json()
    assert [q["name"] for q in listed] == ["Mine"]
    assert (await world.client.get(f"{URL}/{mine['id']}", headers=sam)).status_code == 200
    problem(await world.client.get(f"{URL}/{other['id']}", headers=sam), 404)
    problem(await world.client.get(f"{URL}/{other['id']}/members", headers=sam), 404)
    # Viewing does not grant managing (the manage switch is off by default).
    problem(await world.client.patch(f"{URL}/{mine['id']}", json={"weight": 2}, headers=sam), 403)
    await switches(world, org_a, supervisor_limit_to_assigned_queues=False)
    listed = (await world.client.get(URL, headers=sam)).json()
    assert [q["name"] for q in listed] == ["Mine", "Other"]
    await switches(world, org_a, supervisor_view_queue_settings=False)
    problem(await world.client.get(URL, headers=sam), 403)


async def test_r_p_2_limited_supervisor_manages_only_their_queues(world: World, org_a: Org) -> None:
    """R-P-2: a limited supervisor allowed to manage changes their queues only; what they
    create they supervise."""
    await switches(world, org_a, supervisor_manage_queue_settings=True)
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    other = await make(world, org_a, name="Other")
    r = await world.client.post(URL, json={"kind": "chat", "name": "Sam's"}, headers=sam)
    assert r.status_code == 201, r.text
    created = r.json()
    members = (await world.client.get(f"{URL}/{created['id']}/members", headers=sam)).json()
    assert members["supervisors"] == [org_a.users["sam"]]
    r = await world.client.patch(f"{URL}/{created['id']}", json={"weight": 4}, headers=sam)
    assert r.json()["weight"] == 4
    for method, path in [("PATCH", f"{URL}/{other['id']}"), ("DELETE", f"{URL}/{other['id']}")]:
        problem(await world.client.request(method, path, json={"weight": 4}, headers=sam), 404)
    r = await world.client.put(
        f"{URL}/{other['id']}/members", json={"agents": [], "supervisors": []}, headers=sam
    )
    problem(r, 404)
    assert (await world.client.get(f"{URL}/{other['id']}", headers=org_a.admin)).json() == other


async def test_organizations_do_not_see_each_others_queues(
    world: World, org_a: Org, org_b: Org
) -> None:
    """Nothing crosses organizations: org B cannot list, read, change or delete org A's queues."""
    q = await make(world, org_a, name="Alpha only")
    assert (await world.client.get(URL, headers=org_b.admin)).json() == []
    url = f"{URL}/{q['id']}"
    problem(await world.client.get(url, headers=org_b.admin), 404)
    problem(await world.client.patch(url, json={"weight": 9}, headers=org_b.admin), 404)
    problem(await world.client.delete(url, headers=org_b.admin), 404)
    problem(await world.client.get(f"{url}/members", headers=org_b.admin), 404)
    body = {"agents": [org_b.admin_id], "supervisors": []}
    problem(await world.client.put(f"{url}/members", json=body, headers=org_b.admin), 404)
    assert (await world.client.get(url, headers=org_a.admin)).json() == q
    nxt = await world.client.get(f"{URL}/next-extension", headers=org_b.admin)
    assert nxt.json() == {"extension": "1000"}


async def test_ids_beyond_storage_are_unknown(world: World, org_a: Org) -> None:
    """Ids no row can have answer like unknown ids (404 / 422), on every database."""
    q = await make(world, org_a, name="Q")
    huge = 2**40
    problem(await world.client.get(f"{URL}/{huge}", headers=org_a.admin), 404)
    body = {"agents": [huge], "supervisors": []}
    r = await world.client.put(f"{URL}/{q['id']}/members", json=body, headers=org_a.admin)
    assert expect(r, 422, "R-Q-2")["field"] == "agents"
    r = await world.client.post(
        URL, json={"kind": "call", "name": "S", "skill_id": huge}, headers=org_a.admin
    )
    assert expect(r, 422, "R-Q-4")["field"] == "skill_id"
