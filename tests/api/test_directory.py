"""Departments (a tree, names unique in the organization) and groups of users."""

from __future__ import annotations

from typing import Any

from tests.factories import Org, World, problem

DEPTS = "/api/v1/departments"
GROUPS = "/api/v1/groups"


async def post(world: World, org: Org, url: str, **body: Any) -> dict[str, Any]:
    """POST as the organization's administrator and expect 201."""
    r = await world.client.post(url, json=body, headers=org.admin)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_department_create_list_read_update_delete(world: World, org_a: Org) -> None:
    support = await post(world, org_a, DEPTS, name="Support")
    await post(world, org_a, DEPTS, name="accounts")
    names = [d["name"] for d in (await world.client.get(DEPTS, headers=org_a.admin)).json()]
    assert names == ["accounts", "Support"]
    url = f"{DEPTS}/{support['id']}"
    assert (await world.client.get(url, headers=org_a.admin)).json()["parent_id"] is None
    r = await world.client.patch(url, json={"name": "Customer support"}, headers=org_a.admin)
    assert r.status_code == 200 and r.json()["name"] == "Customer support"
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204
    problem(await world.client.get(url, headers=org_a.admin), 404)


async def test_department_names_unique_in_the_organization(
    world: World, org_a: Org, org_b: Org
) -> None:
    """Names are unique organization-wide, ignoring case, whatever the parent."""
    sales = await post(world, org_a, DEPTS, name="Sales")
    await post(world, org_a, DEPTS, name="Team 1", parent_id=sales["id"])
    support = await post(world, org_a, DEPTS, name="Support")
    r = await world.client.post(
        DEPTS, json={"name": "TEAM 1", "parent_id": support["id"]}, headers=org_a.admin
    )
    assert problem(r, 409)["field"] == "name"
    r = await world.client.patch(
        f"{DEPTS}/{support['id']}", json={"name": " sales "}, headers=org_a.admin
    )
    problem(r, 409)
    await post(world, org_b, DEPTS, name="Sales")
    for name in ["", "x" * 201, "a\nb"]:
        problem(await world.client.post(DEPTS, json={"name": name}, headers=org_a.admin), 422)


async def test_department_tree_and_cycles(world: World, org_a: Org, org_b: Org) -> None:
    top = await post(world, org_a, DEPTS, name="Top")
    mid = await post(world, org_a, DEPTS, name="Mid", parent_id=top["id"])
    low = await post(world, org_a, DEPTS, name="Low", parent_id=mid["id"])
    await post(world, org_a, DEPTS, name="Another", parent_id=top["id"])
    tree = (await world.client.get(f"{DEPTS}/tree", headers=org_a.admin)).json()
    assert [n["name"] for n in tree] == ["Top"]
    assert [c["name"] for c in tree[0]["children"]] == ["Another", "Mid"]
    assert tree[0]["children"][1]["children"][0]["id"] == low["id"]
    for dept, parent in [(top, low), (top, mid), (mid, mid)]:
        r = await world.client.patch(
            f"{DEPTS}/{dept['id']}", json={"parent_id": parent["id"]}, headers=org_a.admin
        )
        body = problem(r, 422)
        assert body["field"] == "parent_id" and body["code"] == "cycle"
    foreign = await post(world, org_b, DEPTS, name="Foreign")
    r = await world.client.patch(
        f"{DEPTS}/{low['id']}", json={"parent_id": foreign["id"]}, headers=org_a.admin
    )
    assert problem(r, 422)["field"] == "parent_id"
    r = await world.client.patch(
        f"{DEPTS}/{mid['id']}", json={"parent_id": None}, headers=org_a.admin
    )
    assert r.status_code == 200 and r.json()["parent_id"] is None
    assert len((await world.client.get(f"{DEPTS}/tree", headers=org_a.admin)).json()) == 2


async def test_department_delete_rules(world: World, org_a: Org) -> None:
    parent = await post(world, org_a, DEPTS, name="Parent")
    child = await post(world, org_a, DEPTS, name="Child", parent_id=parent["id"])
    body = problem(await world.client.delete(f"{DEPTS}/{parent['id']}", headers=org_a.admin), 409)
    assert "Child" in body["detail"]
    await world.user(org_a, "bob", department_id=child["id"])
    bob = org_a.users["bob"]
    assert (
        await world.client.delete(f"{DEPTS}/{child['id']}", headers=org_a.admin)
    ).status_code == 204
    r = await world.client.get(f"/api/v1/users/{bob}", headers=org_a.admin)
    assert r.json()["department_id"] is None


async def test_departments_isolated_between_organizations(
    world: World, org_a: Org, org_b: Org
) -> None:
    dept = await post(world, org_a, DEPTS, name="Secret")
    url = f"{DEPTS}/{dept['id']}"
    assert (await world.client.get(DEPTS, headers=org_b.admin)).json() == []
    assert (await world.client.get(f"{DEPTS}/tree", headers=org_b.admin)).json() == []
    problem(await world.client.get(url, headers=org_b.admin), 404)
    problem(await world.client.patch(url, json={"name": "Mine"}, headers=org_b.admin), 404)
    problem(await world.client.delete(url, headers=org_b.admin), 404)
    r = await world.client.post(
        DEPTS, json={"name": "Sub", "parent_id": dept["id"]}, headers=org_b.admin
    )
    problem(r, 422)
    assert (await world.client.get(url, headers=org_a.admin)).json()["name"] == "Secret"


async def test_group_create_members_update_delete(world: World, org_a: Org) -> None:
    await world.user(org_a, "alice")
    await world.user(org_a, "bob")
    alice, bob = org_a.users["alice"], org_a.users["bob"]
    night = await post(world, org_a, GROUPS, name="Night shift", user_ids=[bob, alice, bob])
    assert night["member_ids"] == sorted([alice, bob])
    await post(world, org_a, GROUPS, name="day shift")
    listed = (await world.client.get(GROUPS, headers=org_a.admin)).json()
    assert [(g["name"], g["member_ids"]) for g in listed] == [
        ("day shift", []),
        ("Night shift", sorted([alice, bob])),
    ]
    url = f"{GROUPS}/{night['id']}"
    r = await world.client.put(f"{url}/members", json={"user_ids": [alice]}, headers=org_a.admin)
    assert r.status_code == 200 and r.json()["member_ids"] == [alice]
    r = await world.client.patch(url, json={"name": "Nights"}, headers=org_a.admin)
    assert r.json()["name"] == "Nights" and r.json()["member_ids"] == [alice]
    r = await world.client.patch(url, json={"name": "DAY SHIFT"}, headers=org_a.admin)
    assert problem(r, 409)["field"] == "name"
    problem(await world.client.patch(url, json={"name": None}, headers=org_a.admin), 422)
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204
    problem(await world.client.get(url, headers=org_a.admin), 404)


async def test_group_members_from_another_organization_refused(
    world: World, org_a: Org, org_b: Org
) -> None:
    await world.user(org_a, "alice")
    await world.user(org_b, "zoe")
    alice, zoe = org_a.users["alice"], org_b.users["zoe"]
    group = await post(world, org_a, GROUPS, name="Team", user_ids=[alice])
    url = f"{GROUPS}/{group['id']}"
    r = await world.client.put(
        f"{url}/members", json={"user_ids": [alice, zoe]}, headers=org_a.admin
    )
    assert problem(r, 422)["field"] == "user_ids"
    r = await world.client.post(
        GROUPS, json={"name": "Other", "user_ids": [zoe]}, headers=org_a.admin
    )
    problem(r, 422)
    assert (await world.client.get(url, headers=org_a.admin)).json()["member_ids"] == [alice]
    assert [g["name"] for g in (await world.client.get(GROUPS, headers=org_a.admin)).json()] == [
        "Team"
    ]
    # Org B neither sees nor touches org A's group.
    assert (await world.client.get(GROUPS, headers=org_b.admin)).json() == []
    problem(await world.client.get(url, headers=org_b.admin), 404)
    problem(
        await world.client.put(f"{url}/members", json={"user_ids": [zoe]}, headers=org_b.admin), 404
    )
    problem(await world.client.patch(url, json={"name": "Mine"}, headers=org_b.admin), 404)
    problem(await world.client.delete(url, headers=org_b.admin), 404)


async def test_agent_cannot_view_or_manage_directory(world: World, org_a: Org) -> None:
    alice = await world.user(org_a, "alice")
    dept = await post(world, org_a, DEPTS, name="Sales")
    group = await post(world, org_a, GROUPS, name="Team")
    for url in [DEPTS, f"{DEPTS}/tree", f"{DEPTS}/{dept['id']}", GROUPS, f"{GROUPS}/{group['id']}"]:
        problem(await world.client.get(url, headers=alice), 403)
    problem(await world.client.post(DEPTS, json={"name": "X"}, headers=alice), 403)
    problem(await world.client.post(GROUPS, json={"name": "X"}, headers=alice), 403)
    problem(await world.client.delete(f"{DEPTS}/{dept['id']}", headers=alice), 403)
    r = await world.client.put(
        f"{GROUPS}/{group['id']}/members", json={"user_ids": []}, headers=alice
    )
    problem(r, 403)


async def test_supervisor_reads_but_cannot_change_directory(world: World, org_a: Org) -> None:
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    assert (await world.client.get(DEPTS, headers=sam)).status_code == 200
    assert (await world.client.get(GROUPS, headers=sam)).status_code == 200
    problem(await world.client.post(DEPTS, json={"name": "X"}, headers=sam), 403)
    problem(await world.client.post(GROUPS, json={"name": "X"}, headers=sam), 403)


async def test_ids_no_row_can_have_are_unknown(world: World, org_a: Org) -> None:
    """Ids beyond 32 bits answer 404/422, never a database error."""
    huge = 2**40
    for url in [f"{DEPTS}/{huge}", f"{GROUPS}/{huge}"]:
        problem(await world.client.get(url, headers=org_a.admin), 404)
        problem(await world.client.delete(url, headers=org_a.admin), 404)
    r = await world.client.post(DEPTS, json={"name": "X", "parent_id": huge}, headers=org_a.admin)
    assert problem(r, 422)["field"] == "parent_id"
    group = await post(world, org_a, GROUPS, name="Team")
    r = await world.client.put(
        f"{GROUPS}/{group['id']}/members", json={"user_ids": [huge]}, headers=org_a.admin
    )
    assert problem(r, 422)["field"] == "user_ids"
