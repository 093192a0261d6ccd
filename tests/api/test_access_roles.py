"""Access-rights roles over HTTP: predefined and custom roles (R-A-1), grants per area (R-A-2),
assignments to users, departments and groups with the union rule (R-A-3)."""

from __future__ import annotations

from typing import Any

from tests.factories import Org, World, problem

ROLES = "/api/v1/access-roles"
ME = "/api/v1/me/access"
AREAS = [
    "channels_view",
    "channels_edit",
    "channels_connect",
    "statistics",
    "history",
    "join",
    "evaluate",
    "canned",
    "access_rights",
]


async def post(world: World, headers: dict[str, str], url: str, **body: Any) -> dict[str, Any]:
    """POST and expect 201."""
    r = await world.client.post(url, json=body, headers=headers)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def roles(world: World, org: Org) -> dict[str, dict[str, Any]]:
    """The organization's roles by name, as its administrator reads them."""
    r = await world.client.get(ROLES, headers=org.admin)
    assert r.status_code == 200, r.text
    return {role["name"]: role for role in r.json()}


async def assign(world: World, org: Org, role_id: int, **targets: list[int]) -> dict[str, Any]:
    """Replace who holds ``role_id`` and expect 200."""
    r = await world.client.put(f"{ROLES}/{role_id}/assignments", json=targets, headers=org.admin)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def my_access(world: World, headers: dict[str, str]) -> dict[str, Any]:
    """The caller's effective rights."""
    r = await world.client.get(ME, headers=headers)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def denied_but(**scopes: str) -> dict[str, str]:
    """A complete scope table: ``denied`` except the areas named."""
    return {area: scopes.get(area, "denied") for area in AREAS}


async def test_predefined_roles_first_then_custom_crud(world: World, org_a: Org) -> None:
    """R-A-1: the three predefined roles lead the list; custom roles follow by name; R-A-2:
    areas left out are denied and a PATCH changes only the areas it sends."""
    listed = (await world.client.get(ROLES, headers=org_a.admin)).json()
    assert [(r["name"], r["key"], r["predefined"]) for r in listed] == [
        ("Administrator", "administrator", True),
        ("Director", "director", True),
        ("Manager", "manager", True),
    ]
    assert listed[0]["grants"] == dict.fromkeys(AREAS, "all")
    assert listed[1]["grants"]["channels_edit"] == "denied"
    assert listed[1]["grants"]["history"] == "all"
    assert listed[2]["grants"] == denied_but(
        channels_view="own", statistics="own", history="own", join="own", canned="own"
    )
    lead = await post(
        world,
        org_a.admin,
        ROLES,
        name=" Team lead ",
        description="Leads a desk",
        grants={"history": "department", "join": "own"},
    )
    assert lead["name"] == "Team lead" and lead["key"] is None and not lead["predefined"]
    assert lead["grants"] == denied_but(history="department", join="own")
    await post(world, org_a.admin, ROLES, name="auditor", grants={"statistics": "all"})
    names = [r["name"] for r in (await world.client.get(ROLES, headers=org_a.admin)).json()]
    assert names == ["Administrator", "Director", "Manager", "auditor", "Team lead"]
    url = f"{ROLES}/{lead['id']}"
    assert (await world.client.get(url, headers=org_a.admin)).json() == lead
    r = await world.client.patch(
        url, json={"name": "Desk lead", "grants": {"join": "department"}}, headers=org_a.admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Desk lead" and r.json()["description"] == "Leads a desk"
    assert r.json()["grants"] == denied_but(history="department", join="department")
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204
    problem(await world.client.get(url, headers=org_a.admin), 404)
    assert list(await roles(world, org_a)) == ["Administrator", "Director", "Manager", "auditor"]


async def test_names_unique_ignoring_case_and_grants_checked(
    world: World, org_a: Org, org_b: Org
) -> None:
    """Names are unique per organization regardless of case (predefined ones included); an
    unknown area or scope is a 422 naming grants.<area> under R-A-2; nothing is written."""
    auditor = await post(world, org_a.admin, ROLES, name="Auditor")
    for name in ("AUDITOR", "administrator", " director "):
        body = problem(
            await world.client.post(ROLES, json={"name": name}, headers=org_a.admin), 409
        )
        assert body["field"] == "name"
    r = await world.client.patch(
        f"{ROLES}/{auditor['id']}", json={"name": "manager"}, headers=org_a.admin
    )
    assert problem(r, 409)["field"] == "name"
    await post(world, org_b.admin, ROLES, name="Auditor")  # another organization: no clash
    cases: list[tuple[dict[str, Any], str]] = [
        ({"grants": {"history": "everything"}}, "grants.history"),
        ({"grants": {"history": "all", "billing": "all"}}, "grants.billing"),
        ({"grants": {"join": 3}}, "grants.join"),
        ({"grants": {"join": None}}, "grants.join"),
    ]
    for extra, field in cases:
        r = await world.client.post(ROLES, json={"name": "Bad", **extra}, headers=org_a.admin)
        body = problem(r, 422)
        assert (body["field"], body["rule"]) == (field, "R-A-2"), body
        r = await world.client.patch(f"{ROLES}/{auditor['id']}", json=extra, headers=org_a.admin)
        body = problem(r, 422)
        assert (body["field"], body["rule"]) == (field, "R-A-2"), body
    for bad in ("", "   ", "x" * 101, "a\tb"):
        body = problem(await world.client.post(ROLES, json={"name": bad}, headers=org_a.admin), 422)
        assert body["field"] == "name"
    for description in ("x" * 501, "bell \a"):
        r = await world.client.post(
            ROLES, json={"name": "Ok", "description": description}, headers=org_a.admin
        )
        assert problem(r, 422)["field"] == "description"
    r = await world.client.post(ROLES, json={"name": "Ok", "key": "admin"}, headers=org_a.admin)
    assert problem(r, 422)["field"] == "key"
    r = await world.client.patch(
        f"{ROLES}/{auditor['id']}", json={"name": None}, headers=org_a.admin
    )
    problem(r, 422)
    assert list(await roles(world, org_a)) == ["Administrator", "Director", "Manager", "Auditor"]
    assert (await roles(world, org_a))["Auditor"]["grants"] == denied_but()


async def test_predefined_roles_cannot_change_but_can_be_given(world: World, org_a: Org) -> None:
    """R-A-1: predefined roles keep their grants and stay; they can be given to anyone."""
    await world.user(org_a, "dora", roles=())
    before = await roles(world, org_a)
    for name in ("Administrator", "Director", "Manager"):
        url = f"{ROLES}/{before[name]['id']}"
        for r in (
            await world.client.patch(url, json={"grants": {"history": "own"}}, headers=org_a.admin),
            await world.client.patch(url, json={"description": "x"}, headers=org_a.admin),
            await world.client.delete(url, headers=org_a.admin),
        ):
            body = problem(r, 409)
            assert (body["rule"], body["code"]) == ("R-A-1", "predefined")
    assert await roles(world, org_a) == before
    director = before["Director"]["id"]
    got = await assign(world, org_a, director, users=[org_a.users["dora"]])
    assert got == {
        "role_id": director,
        "users": [org_a.users["dora"]],
        "departments": [],
        "groups": [],
    }
    assert (
        await world.client.get(f"{ROLES}/{director}/assignments", headers=org_a.admin)
    ).json() == got


async def test_department_assignment_reaches_sub_departments(world: World, org_a: Org) -> None:
    """R-A-3: a role given to a department reaches its members and those of every department
    below it, and nobody else; /me/access says through which department."""
    care = await post(world, org_a.admin, "/api/v1/departments", name="Care")
    billing = await post(
        world, org_a.admin, "/api/v1/departments", name="Billing", parent_id=care["id"]
    )
    sales = await post(world, org_a.admin, "/api/v1/departments", name="Sales")
    top = await world.user(org_a, "tina", department_id=care["id"])
    low = await world.user(org_a, "bill", department_id=billing["id"])
    other = await world.user(org_a, "sara", department_id=sales["id"])
    lead = await post(world, org_a.admin, ROLES, name="Team lead", grants={"history": "department"})
    await assign(world, org_a, lead["id"], departments=[care["id"]])
    for headers, user in ((top, "tina"), (low, "bill")):
        got = await my_access(world, headers)
        assert got["user_id"] == org_a.users[user] and not got["administrator"]
        assert got["scopes"] == denied_but(history="department")
        assert [(r["name"], r["through"]) for r in got["roles"]] == [
            ("Team lead", [{"kind": "department", "id": care["id"], "name": "Care"}])
        ]
    assert (await my_access(world, low))["departments"] == [billing["id"]]
    assert sorted((await my_access(world, top))["departments"]) == sorted(
        [care["id"], billing["id"]]
    )
    outside = await my_access(world, other)
    assert outside["scopes"] == denied_but() and outside["roles"] == []


async def test_group_assignment_and_union_of_roles(world: World, org_a: Org) -> None:
    """R-A-3: a role given to a group reaches its members; a user with several roles gets,
    area by area, the most permissive scope."""
    gina = await world.user(org_a, "gina")
    hugo = await world.user(org_a, "hugo")
    group = await post(
        world, org_a.admin, "/api/v1/groups", name="Quality", user_ids=[org_a.users["gina"]]
    )
    quality = await post(
        world,
        org_a.admin,
        ROLES,
        name="Quality",
        grants={"history": "all", "evaluate": "department", "join": "denied"},
    )
    manager = (await roles(world, org_a))["Manager"]
    await assign(world, org_a, quality["id"], groups=[group["id"]])
    await assign(world, org_a, manager["id"], users=[org_a.users["gina"], org_a.users["hugo"]])
    got = await my_access(world, gina)
    assert got["scopes"] == denied_but(
        channels_view="own",
        statistics="own",
        history="all",
        join="own",
        evaluate="department",
        canned="own",
    )
    assert [(r["name"], [t["kind"] for t in r["through"]]) for r in got["roles"]] == [
        ("Manager", ["user"]),
        ("Quality", ["group"]),
    ]
    assert got["roles"][1]["through"][0] == {"kind": "group", "id": group["id"], "name": "Quality"}
    assert (await my_access(world, hugo))["scopes"] == manager["grants"]
    # The contact-center administrator holds everything whatever the roles say.
    admin = await my_access(world, org_a.admin)
    assert admin["administrator"] and admin["scopes"] == dict.fromkeys(AREAS, "all")


async def test_assignments_replace_and_check_ids(world: World, org_a: Org, org_b: Org) -> None:
    """PUT replaces the set; an id that is unknown or of another organization is a 422 naming
    the list and the position, and changes nothing. Deleting a role removes its assignments."""
    await world.user(org_a, "ivy")
    dept = await post(world, org_a.admin, "/api/v1/departments", name="Desk")
    foreign_dept = await post(world, org_b.admin, "/api/v1/departments", name="Away")
    foreign_group = await post(world, org_b.admin, "/api/v1/groups", name="Away")
    await world.user(org_b, "zed")
    role = await post(world, org_a.admin, ROLES, name="Watcher", grants={"statistics": "all"})
    url = f"{ROLES}/{role['id']}/assignments"
    ivy = org_a.users["ivy"]
    kept = await assign(world, org_a, role["id"], users=[ivy, ivy], departments=[dept["id"]])
    assert kept == {
        "role_id": role["id"],
        "users": [ivy],
        "departments": [dept["id"]],
        "groups": [],
    }
    cases: list[tuple[dict[str, list[int]], str]] = [
        ({"departments": [dept["id"], foreign_dept["id"]]}, "departments.1"),
        ({"groups": [foreign_group["id"]]}, "groups.0"),
        ({"users": [ivy, org_b.users["zed"]]}, "users.1"),
        ({"users": [999_999]}, "users.0"),
        ({"users": [2**40]}, "users.0"),
    ]
    for body, field in cases:
        got = problem(await world.client.put(url, json=body, headers=org_a.admin), 422)
        assert got["field"] == field, got
    assert (await world.client.get(url, headers=org_a.admin)).json() == kept
    assert (await assign(world, org_a, role["id"], groups=[]))["users"] == []
    await assign(world, org_a, role["id"], users=[ivy])
    ivy_headers = await world.login(f"ivy@{org_a.slug}.test", "correct horse battery")
    assert (await my_access(world, ivy_headers))["scopes"]["statistics"] == "all"
    assert (
        await world.client.delete(f"{ROLES}/{role['id']}", headers=org_a.admin)
    ).status_code == 204
    assert (await my_access(world, ivy_headers))["scopes"]["statistics"] == "denied"


async def test_another_organizations_roles_and_users_are_404(
    world: World, org_a: Org, org_b: Org
) -> None:
    """Data of another organization is 404, never 403."""
    theirs = await post(world, org_b.admin, ROLES, name="Theirs")
    their_admin_role = (await roles(world, org_b))["Administrator"]["id"]
    await world.user(org_b, "yan")
    for role_id in (theirs["id"], their_admin_role, 2**40):
        url = f"{ROLES}/{role_id}"
        problem(await world.client.get(url, headers=org_a.admin), 404)
        problem(await world.client.patch(url, json={"name": "Mine"}, headers=org_a.admin), 404)
        problem(await world.client.delete(url, headers=org_a.admin), 404)
        problem(await world.client.get(f"{url}/assignments", headers=org_a.admin), 404)
        r = await world.client.put(f"{url}/assignments", json={}, headers=org_a.admin)
        problem(r, 404)
    r = await world.client.get(f"/api/v1/users/{org_b.users['yan']}/access", headers=org_a.admin)
    problem(r, 404)
    assert "Theirs" in await roles(world, org_b)


async def test_only_those_who_may_change_access_rights_manage_roles(
    world: World, org_a: Org
) -> None:
    """R-A-2: reading and changing roles needs the "change access rights" area; supervisors,
    agents and Directors get 403 (rule R-A-2) but everyone reads their own rights."""
    sup = await world.user(org_a, "sup", roles=("supervisor", "agent"))
    agent = await world.user(org_a, "agt")
    director = await world.user(org_a, "dir", roles=())
    await assign(
        world, org_a, (await roles(world, org_a))["Director"]["id"], users=[org_a.users["dir"]]
    )
    role_id = (await roles(world, org_a))["Manager"]["id"]
    for headers in (sup, agent, director):
        for r in (
            await world.client.get(ROLES, headers=headers),
            await world.client.post(ROLES, json={"name": "Mine"}, headers=headers),
            await world.client.get(f"{ROLES}/{role_id}", headers=headers),
            await world.client.delete(f"{ROLES}/{role_id}", headers=headers),
            await world.client.put(f"{ROLES}/{role_id}/assignments", json={}, headers=headers),
            await world.client.get(f"/api/v1/users/{org_a.admin_id}/access", headers=headers),
        ):
            body = problem(r, 403)
            assert (body["code"], body["rule"]) == ("forbidden", "R-A-2")
        await my_access(world, headers)
    assert (await my_access(world, director))["scopes"]["history"] == "all"


async def test_custom_role_with_access_rights_lets_a_non_admin_manage(
    world: World, org_a: Org
) -> None:
    """R-A-2: any scope but denied on "change access rights" lets a user manage roles."""
    keeper = await world.user(org_a, "keeper")
    role = await post(world, org_a.admin, ROLES, name="Keeper", grants={"access_rights": "own"})
    problem(await world.client.get(ROLES, headers=keeper), 403)
    await assign(world, org_a, role["id"], users=[org_a.users["keeper"]])
    assert (await world.client.get(ROLES, headers=keeper)).status_code == 200
    made = await post(world, keeper, ROLES, name="Night shift", grants={"join": "own"})
    r = await world.client.put(
        f"{ROLES}/{made['id']}/assignments", json={"users": [org_a.admin_id]}, headers=keeper
    )
    assert r.status_code == 200, r.text
    r = await world.client.get(f"/api/v1/users/{org_a.admin_id}/access", headers=keeper)
    assert r.status_code == 200 and r.json()["administrator"]
    assert [x["name"] for x in r.json()["roles"]] == ["Night shift"]
    # Taking the role away from themselves is allowed; the administrator keeps everything.
    await world.client.put(f"{ROLES}/{role['id']}/assignments", json={}, headers=keeper)
    problem(await world.client.get(ROLES, headers=keeper), 403)
    assert (await world.client.get(ROLES, headers=org_a.admin)).status_code == 200
