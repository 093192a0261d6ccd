"""Queues are channels: the access-rights scopes beside the contact-center permissions.

R-A-1 predefined roles, R-A-2 channels view / channels edit / connect channels, R-A-3 roles given
to users and departments, R-P-2 supervisors limited to their assigned queues. Whatever either
system allows is allowed; a queue the caller may not see is 404, one they see but may not change
is 403.
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from guichet.actions.directory import do_create_department
from guichet.authz.access import AREAS
from guichet.persistence.models import AccessRole, RoleAssignment
from tests.api.test_queue_access import switches
from tests.api.test_queues import URL, expect, make
from tests.factories import Org, World, problem

_names = itertools.count(1)


async def grant(
    world: World,
    org: Org,
    *,
    user: str | None = None,
    department: int | None = None,
    key: str | None = None,
    **scopes: str,
) -> None:
    """Give ``user`` (or every member of ``department``) the predefined role ``key``, or a new
    custom role granting ``scopes`` (area name -> scope name, the rest denied), R-A-1..R-A-3."""
    async with world.state.sessions() as session:
        if key is not None:
            role = await session.scalar(
                select(AccessRole).where(AccessRole.org_id == org.id, AccessRole.key == key)
            )
            assert role is not None, key
        else:
            name = f"Custom {next(_names)}"
            role = AccessRole(
                org_id=org.id,
                name=name,
                name_key=name.lower(),
                grants={a.value: scopes.get(a.value, "denied") for a in AREAS},
            )
            session.add(role)
            await session.flush()
        if user is not None:
            uid = org.users[user]
            target: dict[str, Any] = {"user_id": uid, "target_key": f"user:{uid}"}
        else:
            assert department is not None
            target = {"department_id": department, "target_key": f"department:{department}"}
        session.add(RoleAssignment(org_id=org.id, role_id=role.id, **target))
        await session.commit()


async def department(world: World, org: Org, name: str, parent: int | None = None) -> int:
    """A department of ``org`` (under ``parent``)."""
    async with world.state.sessions() as session:
        dept = await do_create_department(session, org_id=org.id, name=name, parent_id=parent)
        return dept.id


async def members(
    world: World, org: Org, queue: dict[str, Any], agents: list[int], supervisors: list[int]
) -> None:
    """Set a queue's members as the administrator."""
    body = {"agents": agents, "supervisors": supervisors}
    r = await world.client.put(f"{URL}/{queue['id']}/members", json=body, headers=org.admin)
    assert r.status_code == 200, r.text


async def listed(world: World, headers: dict[str, str]) -> list[str]:
    """The names of the queues the caller lists."""
    r = await world.client.get(URL, headers=headers)
    assert r.status_code == 200, r.text
    return [q["name"] for q in r.json()]


async def readable(
    world: World, headers: dict[str, str], queues: list[dict[str, Any]]
) -> list[str]:
    """The names of the queues the caller may read one by one (200; the others must be 404)."""
    out = []
    for q in queues:
        r = await world.client.get(f"{URL}/{q['id']}", headers=headers)
        if r.status_code == 200:
            out.append(q["name"])
        else:
            problem(r, 404)
    return out


async def test_r_a_1_director_reads_every_queue_but_changes_none(
    world: World, org_a: Org, org_b: Org
) -> None:
    """R-A-1: a Director without any contact-center role reads every queue (channels view all)
    but changes none: channels edit and connect channels are denied (403 naming R-A-2)."""
    dina = await world.user(org_a, "dina", roles=[])
    await grant(world, org_a, user="dina", key="director")
    support = await make(world, org_a, name="Support")
    await make(world, org_a, name="Billing", kind="chat")
    foreign = await make(world, org_b, name="Bravo")
    assert await listed(world, dina) == ["Billing", "Support"]
    url = f"{URL}/{support['id']}"
    assert (await world.client.get(url, headers=dina)).json() == support
    r = await world.client.get(f"{url}/members", headers=dina)
    assert r.json() == {"agents": [], "supervisors": []}
    attempts: list[tuple[str, str, dict[str, Any] | None]] = [
        ("PATCH", url, {"weight": 9}),
        ("DELETE", url, None),
        ("PUT", f"{url}/members", {"agents": [], "supervisors": []}),
        ("POST", URL, {"kind": "chat", "name": "Mine"}),
        ("GET", f"{URL}/next-extension", None),
    ]
    for method, path, body in attempts:
        r = await world.client.request(method, path, json=body, headers=dina)
        expect(r, 403, "R-A-2")
    assert (await world.client.get(url, headers=org_a.admin)).json() == support
    # Another organization's queue stays unknown, whatever the scope.
    problem(await world.client.get(f"{URL}/{foreign['id']}", headers=dina), 404)
    problem(await world.client.patch(f"{URL}/{foreign['id']}", json={}, headers=dina), 404)
    assert "Bravo" not in await listed(world, dina)


async def test_r_a_1_manager_sees_only_the_queues_they_belong_to(world: World, org_a: Org) -> None:
    """R-A-1: a Manager (channels view "own") sees the queues they are a member of, changes none;
    the others are absent from the list and 404."""
    await world.user(org_a, "olga")
    mia = await world.user(org_a, "mia", roles=["agent"])
    await grant(world, org_a, user="mia", key="manager")
    mine = await make(world, org_a, name="Mine")
    other = await make(world, org_a, name="Other")
    await members(world, org_a, mine, [org_a.users["mia"]], [])
    await members(world, org_a, other, [org_a.users["olga"]], [])
    assert await listed(world, mia) == ["Mine"]
    assert await readable(world, mia, [mine, other]) == ["Mine"]
    r = await world.client.get(f"{URL}/{mine['id']}/members", headers=mia)
    assert r.json()["agents"] == [org_a.users["mia"]]
    problem(await world.client.get(f"{URL}/{other['id']}/members", headers=mia), 404)
    expect(await world.client.patch(f"{URL}/{mine['id']}", json={}, headers=mia), 403, "R-A-2")
    problem(await world.client.patch(f"{URL}/{other['id']}", json={}, headers=mia), 404)
    problem(await world.client.delete(f"{URL}/{other['id']}", headers=mia), 404)
    expect(
        await world.client.post(URL, json={"kind": "chat", "name": "X"}, headers=mia), 403, "R-A-2"
    )


async def test_r_a_2_channels_edit_department(world: World, org_a: Org) -> None:
    """R-A-2, R-A-3: channels edit "department" changes the queues with a member in the
    caller's department or below it, and no other: 403 for a queue they see (channels view
    all) but may not change, 404 for one they do not see (channels view department)."""
    sales = await department(world, org_a, "Sales")
    north = await department(world, org_a, "Sales north", parent=sales)
    care = await department(world, org_a, "Care")
    await world.user(org_a, "sol", department_id=north)
    await world.user(org_a, "cam", department_id=care)
    editor = await world.user(org_a, "eda", roles=[], department_id=sales)
    narrow = await world.user(org_a, "nat", roles=[], department_id=sales)
    await grant(world, org_a, user="eda", channels_view="all", channels_edit="department")
    # R-A-3: a role given to the department reaches its members.
    await grant(world, org_a, department=sales, channels_edit="department")
    sales_q = await make(world, org_a, name="Sales line")
    care_q = await make(world, org_a, name="Care line")
    await members(world, org_a, sales_q, [org_a.users["sol"]], [])
    await members(world, org_a, care_q, [org_a.users["cam"]], [])

    r = await world.client.patch(f"{URL}/{sales_q['id']}", json={"weight": 7}, headers=editor)
    assert r.status_code == 200 and r.json()["weight"] == 7, r.text
    body = {"agents": [org_a.users["sol"], org_a.admin_id], "supervisors": []}
    r = await world.client.put(f"{URL}/{sales_q['id']}/members", json=body, headers=editor)
    assert r.json()["agents"] == body["agents"], r.text
    r = await world.client.patch(f"{URL}/{care_q['id']}", json={"weight": 7}, headers=editor)
    expect(r, 403, "R-A-2")
    expect(await world.client.delete(f"{URL}/{care_q['id']}", headers=editor), 403, "R-A-2")
    assert (await world.client.get(f"{URL}/{care_q['id']}", headers=org_a.admin)).json() == care_q

    # Only the department's role: editing implies seeing, and nothing more is seen.
    assert await listed(world, narrow) == ["Sales line"]
    assert await readable(world, narrow, [sales_q, care_q]) == ["Sales line"]
    r = await world.client.patch(f"{URL}/{sales_q['id']}", json={"weight": 3}, headers=narrow)
    assert r.json()["weight"] == 3, r.text
    problem(await world.client.patch(f"{URL}/{care_q['id']}", json={}, headers=narrow), 404)
    problem(await world.client.delete(f"{URL}/{care_q['id']}", headers=narrow), 404)
    r = await world.client.put(f"{URL}/{care_q['id']}/members", json=body, headers=narrow)
    problem(r, 404)
    # Editing is not connecting.
    expect(
        await world.client.post(URL, json={"kind": "chat", "name": "New"}, headers=narrow),
        403,
        "R-A-2",
    )


async def test_r_a_2_connect_channels_creates(world: World, org_a: Org) -> None:
    """R-A-2 connect channels: a user without queues.manage creates queues; with the "own"
    scope they become the new queue's supervisor member, so their channels view "own" shows it.
    Their membership survives the members being saved again without the supervisor role."""
    cora = await world.user(org_a, "cora", roles=["agent"])
    await grant(world, org_a, user="cora", channels_view="own", channels_connect="own")
    assert (await world.client.get(f"{URL}/next-extension", headers=cora)).json() == {
        "extension": "1000"
    }
    r = await world.client.post(URL, json={"kind": "call", "name": "Cora's"}, headers=cora)
    assert r.status_code == 201, r.text
    created = r.json()
    await make(world, org_a, name="Someone else's")
    assert await listed(world, cora) == ["Cora's"]
    url = f"{URL}/{created['id']}"
    assert (await world.client.get(f"{url}/members", headers=cora)).json() == {
        "agents": [],
        "supervisors": [org_a.users["cora"]],
    }
    expect(await world.client.patch(url, json={"weight": 2}, headers=cora), 403, "R-A-2")
    body = {"agents": [org_a.users["cora"]], "supervisors": [org_a.users["cora"]]}
    r = await world.client.put(f"{url}/members", json=body, headers=org_a.admin)
    assert r.json() == body, r.text
    # A user added anew still needs the supervisor role (R-Q-2).
    await world.user(org_a, "ann")
    body = {"agents": [], "supervisors": [org_a.users["cora"], org_a.users["ann"]]}
    r = await world.client.put(f"{url}/members", json=body, headers=org_a.admin)
    assert expect(r, 422, "R-Q-2")["field"] == "supervisors"

    # A wider connect scope adds nobody: this creator then does not see what they connected.
    wide = await world.user(org_a, "wes", roles=[])
    await grant(world, org_a, user="wes", channels_view="own", channels_connect="all")
    r = await world.client.post(URL, json={"kind": "chat", "name": "Wes's"}, headers=wide)
    assert r.status_code == 201, r.text
    problem(await world.client.get(f"{URL}/{r.json()['id']}", headers=wide), 404)
    members_now = await world.client.get(f"{URL}/{r.json()['id']}/members", headers=org_a.admin)
    assert members_now.json() == {"agents": [], "supervisors": []}


async def test_r_p_2_supervisors_stay_limited_and_scopes_add_up(world: World, org_a: Org) -> None:
    """R-P-2 with R-A-3: a supervisor limited to assigned queues sees only those through
    queues.view; a channels view scope adds queues (union), but managing them still needs the
    contact-center permission within the limit or a channels edit scope (403 naming R-P-2)."""
    await switches(world, org_a, supervisor_manage_queue_settings=True)
    crew = await department(world, org_a, "Crew")
    await world.user(org_a, "mate", department_id=crew)
    sam = await world.user(org_a, "sam", roles=["supervisor"], department_id=crew)
    mine = await make(world, org_a, name="Mine")
    crews = await make(world, org_a, name="Crew's")
    other = await make(world, org_a, name="Other")
    await members(world, org_a, mine, [], [org_a.users["sam"]])
    await members(world, org_a, crews, [org_a.users["mate"]], [])
    assert await listed(world, sam) == ["Mine"]
    problem(await world.client.get(f"{URL}/{crews['id']}", headers=sam), 404)

    await grant(world, org_a, user="sam", channels_view="department")
    assert await listed(world, sam) == ["Crew's", "Mine"]
    assert await readable(world, sam, [mine, crews, other]) == ["Mine", "Crew's"]
    r = await world.client.patch(f"{URL}/{mine['id']}", json={"weight": 5}, headers=sam)
    assert r.json()["weight"] == 5, r.text
    expect(await world.client.patch(f"{URL}/{crews['id']}", json={}, headers=sam), 403, "R-P-2")
    problem(await world.client.patch(f"{URL}/{other['id']}", json={}, headers=sam), 404)

    await grant(world, org_a, user="sam", channels_edit="department")
    r = await world.client.patch(f"{URL}/{crews['id']}", json={"weight": 6}, headers=sam)
    assert r.json()["weight"] == 6, r.text
    problem(await world.client.patch(f"{URL}/{other['id']}", json={}, headers=sam), 404)

    # Switching the limit off gives every queue back through queues.view/queues.manage.
    await switches(world, org_a, supervisor_limit_to_assigned_queues=False)
    assert await listed(world, sam) == ["Crew's", "Mine", "Other"]
    r = await world.client.patch(f"{URL}/{other['id']}", json={"weight": 8}, headers=sam)
    assert r.json()["weight"] == 8, r.text


async def test_no_right_at_all_is_403_everywhere(world: World, org_a: Org) -> None:
    """R-P-3, R-A-2: a user with neither queue permission nor any channel scope gets 403 on
    every queue route (existing queues or not), as before access rights existed."""
    nobody = await world.user(org_a, "nobody", roles=[])
    await grant(world, org_a, user="nobody", statistics="all", canned="all")
    q = await make(world, org_a, name="Q")
    for method, path in [
        ("GET", URL),
        ("GET", f"{URL}/{q['id']}"),
        ("GET", f"{URL}/999999"),
        ("PATCH", f"{URL}/{q['id']}"),
    ]:
        expect(await world.client.request(method, path, json={}, headers=nobody), 403, "R-A-2")
