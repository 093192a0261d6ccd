"""Users API: roles and the last administrator (R-P-1), capacity (R-W-1), budget (R-X-8)."""

from __future__ import annotations

from typing import Any

import pytest

from guichet.actions.users import do_create_user, do_update_user
from guichet.errors import Forbidden
from guichet.persistence.models import User
from tests.factories import PASSWORD, Org, World, problem

USERS = "/api/v1/users"


async def mk(world: World, org: Org, local: str, **fields: Any) -> dict[str, Any]:
    """Create a user over the API as the organization's administrator."""
    body = {"email": f"{local}@{org.slug}.test", "display_name": local.title(), **fields}
    r = await world.client.post(USERS, json=body, headers=org.admin)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_user_create_list_read_update_deactivate(world: World, org_a: Org) -> None:
    bob = await mk(world, org_a, "bob", password=PASSWORD, capacity={"chat": 4}, budget=250)
    assert bob["roles"] == ["agent"] and bob["is_active"] is True and bob["skills"] == []
    assert bob["capacity"]["chat"] == 4 and bob["capacity"]["voice"] == 1
    assert bob["budget"] == 250 and "password" not in bob and "password_hash" not in bob
    emails = [u["email"] for u in (await world.client.get(USERS, headers=org_a.admin)).json()]
    assert emails == ["ada@alpha.test", "bob@alpha.test"]
    url = f"{USERS}/{bob['id']}"
    assert (await world.client.get(url, headers=org_a.admin)).json()["display_name"] == "Bob"
    r = await world.client.patch(
        url,
        json={"display_name": "Bobby", "roles": ["supervisor", "agent"], "capacity": {"voice": 0}},
        headers=org_a.admin,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["display_name"] == "Bobby" and body["roles"] == ["supervisor", "agent"]
    # R-W-1: the channels sent change, the others keep their value.
    assert body["capacity"]["voice"] == 0 and body["capacity"]["chat"] == 4
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204
    assert (await world.client.get(url, headers=org_a.admin)).json()["is_active"] is False


async def test_create_user_validation(world: World, org_a: Org, org_b: Org) -> None:
    await mk(world, org_a, "bob")
    dept_b = await world.client.post(
        "/api/v1/departments", json={"name": "Elsewhere"}, headers=org_b.admin
    )
    cases: list[tuple[dict[str, Any], int, str, str | None]] = [
        ({"email": "not-an-email"}, 422, "email", None),
        ({"email": "BOB@alpha.test"}, 409, "email", None),
        ({"email": "c@alpha.test", "roles": ["boss"]}, 422, "roles.0", "R-P-1"),
        ({"email": "c@alpha.test", "capacity": {"fax": 1}}, 422, "capacity.fax", "R-W-1"),
        ({"email": "c@alpha.test", "capacity": {"chat": 101}}, 422, "capacity.chat", "R-W-1"),
        ({"email": "c@alpha.test", "budget": 0}, 422, "budget", "R-X-8"),
        ({"email": "c@alpha.test", "budget": 1001}, 422, "budget", "R-X-8"),
        ({"email": "c@alpha.test", "password": "short"}, 422, "password", None),
        (
            {"email": "c@alpha.test", "department_id": dept_b.json()["id"]},
            422,
            "department_id",
            None,
        ),
        ({"email": "c@alpha.test", "display_name": "a\x00b"}, 422, "display_name", None),
        ({"email": "c@alpha.test", "is_admin": True}, 422, "is_admin", None),
    ]
    for body, status, field, rule in cases:
        got = problem(await world.client.post(USERS, json=body, headers=org_a.admin), status)
        assert (got["field"], got.get("rule")) == (field, rule), body
    assert len((await world.client.get(USERS, headers=org_a.admin)).json()) == 2


async def test_patch_refuses_null_and_unknown_fields(world: World, org_a: Org) -> None:
    bob = await mk(world, org_a, "bob")
    url = f"{USERS}/{bob['id']}"
    for body in [{"display_name": None}, {"roles": None}, {"email": "x@alpha.test"}]:
        problem(await world.client.patch(url, json=body, headers=org_a.admin), 422)
    for budget in [0, 1001]:
        r = await world.client.patch(url, json={"budget": budget}, headers=org_a.admin)
        assert problem(r, 422)["rule"] == "R-X-8"
    r = await world.client.patch(url, json={"budget": 1000}, headers=org_a.admin)
    assert r.json()["budget"] == 1000


async def test_list_filters(world: World, org_a: Org) -> None:
    sales = (
        await world.client.post("/api/v1/departments", json={"name": "Sales"}, headers=org_a.admin)
    ).json()
    root = (
        await world.client.post("/api/v1/skills", json={"name": "Root"}, headers=org_a.admin)
    ).json()
    sub = (
        await world.client.post(
            "/api/v1/skills", json={"name": "Sub", "parent_id": root["id"]}, headers=org_a.admin
        )
    ).json()
    bob = await mk(world, org_a, "bob", display_name="Bob 100%_Sure", department_id=sales["id"])
    carol = await mk(world, org_a, "carol", roles=["supervisor"])
    dan = await mk(world, org_a, "dan")
    await world.client.put(
        f"{USERS}/{bob['id']}/skills", json=[{"skill_id": root["id"]}], headers=org_a.admin
    )
    await world.client.put(
        f"{USERS}/{dan['id']}/skills", json=[{"skill_id": sub["id"]}], headers=org_a.admin
    )
    await world.client.delete(f"{USERS}/{dan['id']}", headers=org_a.admin)

    async def ids(**params: Any) -> list[int]:
        r = await world.client.get(USERS, params=params, headers=org_a.admin)
        assert r.status_code == 200, r.text
        return [u["id"] for u in r.json()]

    assert await ids(role="supervisor") == [org_a.admin_id, carol["id"]]
    assert await ids(role="agent", is_active=True) == [org_a.admin_id, bob["id"]]
    assert await ids(department_id=sales["id"]) == [bob["id"]]
    assert await ids(skill_id=root["id"]) == [bob["id"]]
    # R-SK-2: holders of a sub-skill qualify for its parent.
    assert await ids(skill_id=root["id"], include_descendants=True) == [bob["id"], dan["id"]]
    assert await ids(q="CAROL") == [carol["id"]]
    assert await ids(q="100%_") == [bob["id"]]
    assert await ids(q="%") == [bob["id"]]
    assert await ids(is_active=False) == [dan["id"]]
    assert await ids(limit=1, offset=1) == [bob["id"]]
    problem(await world.client.get(USERS, params={"role": "boss"}, headers=org_a.admin), 422)
    r = await world.client.get(USERS, params={"skill_id": 999999}, headers=org_a.admin)
    assert problem(r, 422)["field"] == "skill_id"


async def test_r_sk_3_user_skills_full_replace(world: World, org_a: Org, org_b: Org) -> None:
    bob = await mk(world, org_a, "bob")
    one = (
        await world.client.post("/api/v1/skills", json={"name": "One"}, headers=org_a.admin)
    ).json()
    two = (
        await world.client.post("/api/v1/skills", json={"name": "Two"}, headers=org_a.admin)
    ).json()
    foreign = (
        await world.client.post("/api/v1/skills", json={"name": "Foreign"}, headers=org_b.admin)
    ).json()
    url = f"{USERS}/{bob['id']}/skills"
    r = await world.client.put(
        url,
        json=[{"skill_id": two["id"]}, {"skill_id": one["id"], "proficiency": 5}],
        headers=org_a.admin,
    )
    assert r.status_code == 200, r.text
    assert [(g["name"], g["proficiency"]) for g in r.json()] == [("One", 5), ("Two", 3)]
    detail = (await world.client.get(f"{USERS}/{bob['id']}", headers=org_a.admin)).json()
    assert [(g["skill_id"], g["proficiency"]) for g in detail["skills"]] == [
        (one["id"], 5),
        (two["id"], 3),
    ]
    bad: list[tuple[list[dict[str, Any]], str, str | None]] = [
        ([{"skill_id": one["id"], "proficiency": 0}], "0.proficiency", "R-SK-3"),
        ([{"skill_id": one["id"], "proficiency": 6}], "0.proficiency", "R-SK-3"),
        ([{"skill_id": one["id"]}, {"skill_id": one["id"]}], "1.skill_id", "R-SK-3"),
        ([{"skill_id": foreign["id"]}], "skill_id", None),
    ]
    for body, field, rule in bad:
        got = problem(await world.client.put(url, json=body, headers=org_a.admin), 422)
        assert (got["field"], got.get("rule")) == (field, rule), body
    # Bad input changed nothing; an empty list removes every skill.
    assert len((await world.client.get(url, headers=org_a.admin)).json()) == 2
    assert (await world.client.put(url, json=[], headers=org_a.admin)).json() == []
    problem(await world.client.get(f"{USERS}/{bob['id']}/skills", headers=org_b.admin), 404)
    problem(await world.client.put(url, json=[], headers=org_b.admin), 404)


async def test_r_p_1_last_active_administrator_is_kept(world: World, org_a: Org) -> None:
    url = f"{USERS}/{org_a.admin_id}"
    body = problem(
        await world.client.patch(url, json={"roles": ["agent"]}, headers=org_a.admin), 409
    )
    assert body["rule"] == "R-P-1"
    r = await world.client.patch(url, json={"is_active": False}, headers=org_a.admin)
    assert problem(r, 409)["rule"] == "R-P-1"
    assert problem(await world.client.delete(url, headers=org_a.admin), 409)["rule"] == "R-P-1"
    # An inactive administrator does not count.
    old = await mk(world, org_a, "old", roles=["administrator"])
    await world.client.patch(f"{USERS}/{old['id']}", json={"is_active": False}, headers=org_a.admin)
    problem(await world.client.delete(url, headers=org_a.admin), 409)
    # With a second active administrator, the first may step down.
    eve = await mk(world, org_a, "eve", roles=["administrator"], password=PASSWORD)
    r = await world.client.patch(url, json={"roles": ["supervisor", "agent"]}, headers=org_a.admin)
    assert r.status_code == 200 and r.json()["roles"] == ["supervisor", "agent"]
    eve_h = await world.login("eve@alpha.test")
    r = await world.client.delete(f"{USERS}/{eve['id']}", headers=eve_h)
    assert problem(r, 409)["rule"] == "R-P-1"
    me = await world.client.get(f"{USERS}/{eve['id']}", headers=eve_h)
    assert me.json()["is_active"] is True


async def test_r_p_1_only_an_administrator_grants_the_role(world: World, org_a: Org) -> None:
    """R-P-1: without ROLES_GRANT_ADMIN, the administrator role cannot be given or taken."""
    async with world.state.sessions() as session:
        with pytest.raises(Forbidden) as exc:
            await do_create_user(
                session,
                passwords=world.state.passwords,
                org_id=org_a.id,
                email="mallory@alpha.test",
                display_name="Mallory",
                password=None,
                roles=["administrator"],
                may_grant_admin=False,
            )
        assert exc.value.rule == "R-P-1"
        bob = await do_create_user(
            session,
            passwords=world.state.passwords,
            org_id=org_a.id,
            email="bob@alpha.test",
            display_name="Bob",
            password=None,
            may_grant_admin=False,
        )
        with pytest.raises(Forbidden):
            await do_update_user(
                session,
                passwords=world.state.passwords,
                user=bob,
                changes={"roles": ["administrator"]},
                may_grant_admin=False,
            )
        ada = await session.get(User, org_a.admin_id)
        assert ada is not None
        with pytest.raises(Forbidden):
            await do_update_user(
                session,
                passwords=world.state.passwords,
                user=ada,
                changes={"password": "a new password"},
                may_grant_admin=False,
            )
    r = await world.client.get(f"{USERS}/{bob.id}", headers=org_a.admin)
    assert r.json()["roles"] == ["agent"]


async def test_deactivated_user_tokens_stop_working(world: World, org_a: Org) -> None:
    bob_h = await world.user(org_a, "bob")
    bob = org_a.users["bob"]
    assert (await world.client.get("/api/v1/me", headers=bob_h)).status_code == 200
    assert (await world.client.delete(f"{USERS}/{bob}", headers=org_a.admin)).status_code == 204
    problem(await world.client.get("/api/v1/me", headers=bob_h), 401)
    login = {"email": "bob@alpha.test", "password": PASSWORD}
    problem(await world.client.post("/api/v1/auth/login", json=login), 401)
    # Reactivated, the user logs in again, but the old token stays revoked.
    r = await world.client.patch(f"{USERS}/{bob}", json={"is_active": True}, headers=org_a.admin)
    assert r.json()["is_active"] is True
    fresh = await world.login("bob@alpha.test")
    assert (await world.client.get("/api/v1/me", headers=fresh)).status_code == 200
    problem(await world.client.get("/api/v1/me", headers=bob_h), 401)


async def test_new_password_ends_other_sessions(world: World, org_a: Org) -> None:
    bob_h = await world.user(org_a, "bob")
    bob = org_a.users["bob"]
    r = await world.client.patch(
        f"{USERS}/{bob}", json={"password": "brand new secret"}, headers=org_a.admin
    )
    assert r.status_code == 200
    problem(await world.client.get("/api/v1/me", headers=bob_h), 401)
    await world.login("bob@alpha.test", "brand new secret")
    # Changing one's own password keeps the session that did it.
    other = await world.login("ada@alpha.test")
    r = await world.client.patch(
        f"{USERS}/{org_a.admin_id}", json={"password": "another secret"}, headers=org_a.admin
    )
    assert r.status_code == 200
    assert (await world.client.get("/api/v1/me", headers=org_a.admin)).status_code == 200
    problem(await world.client.get("/api/v1/me", headers=other), 401)


async def test_users_isolated_between_organizations(world: World, org_a: Org, org_b: Org) -> None:
    bob = await mk(world, org_a, "bob")
    url = f"{USERS}/{bob['id']}"
    listed = [u["id"] for u in (await world.client.get(USERS, headers=org_b.admin)).json()]
    assert listed == [org_b.admin_id]
    problem(await world.client.get(url, headers=org_b.admin), 404)
    problem(await world.client.patch(url, json={"display_name": "Mine"}, headers=org_b.admin), 404)
    problem(await world.client.delete(url, headers=org_b.admin), 404)
    r = await world.client.get(url, headers=org_a.admin)
    assert r.json()["display_name"] == "Bob" and r.json()["is_active"] is True


async def test_agent_cannot_view_or_manage_users(world: World, org_a: Org) -> None:
    alice = await world.user(org_a, "alice")
    url = f"{USERS}/{org_a.admin_id}"
    problem(await world.client.get(USERS, headers=alice), 403)
    problem(await world.client.get(url, headers=alice), 403)
    body = {"email": "x@alpha.test", "roles": ["administrator"]}
    problem(await world.client.post(USERS, json=body, headers=alice), 403)
    problem(await world.client.patch(url, json={"roles": ["agent"]}, headers=alice), 403)
    problem(await world.client.delete(url, headers=alice), 403)


async def test_r_p_2_supervisor_views_but_cannot_manage_users(world: World, org_a: Org) -> None:
    """R-P-2: supervisors read users (for skill assignment) but never manage them."""
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    assert (await world.client.get(USERS, headers=sam)).status_code == 200
    body = {"email": "x@alpha.test", "roles": ["administrator"]}
    problem(await world.client.post(USERS, json=body, headers=sam), 403)
    sam_id = org_a.users["sam"]
    r = await world.client.patch(
        f"{USERS}/{sam_id}", json={"roles": ["administrator"]}, headers=sam
    )
    problem(r, 403)


async def test_ids_no_row_can_have_are_unknown(world: World, org_a: Org) -> None:
    """Ids beyond 32 bits answer 404/422, never a database error."""
    huge = 2**40
    problem(await world.client.get(f"{USERS}/{huge}", headers=org_a.admin), 404)
    problem(await world.client.patch(f"{USERS}/{huge}", json={}, headers=org_a.admin), 404)
    problem(await world.client.delete(f"{USERS}/{huge}", headers=org_a.admin), 404)
    for param in ["skill_id", "department_id"]:
        r = await world.client.get(USERS, params={param: huge}, headers=org_a.admin)
        assert problem(r, 422)["field"] == param
    body = {"email": "c@alpha.test", "department_id": huge}
    assert (
        problem(await world.client.post(USERS, json=body, headers=org_a.admin), 422)["field"]
        == "department_id"
    )
