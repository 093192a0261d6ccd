"""Skills API: names, phone, overflow (R-SK-1, R-SK-4), the forest (R-SK-2), grants (R-SK-3)."""

from __future__ import annotations

from typing import Any

from guichet.actions.permissions import do_update_permissions
from guichet.persistence.models import Queue
from tests.factories import Org, World, problem

SKILLS = "/api/v1/skills"


async def mk(world: World, org: Org, name: str, **fields: Any) -> dict[str, Any]:
    """Create a skill as the organization's administrator."""
    r = await world.client.post(SKILLS, json={"name": name, **fields}, headers=org.admin)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_skill_create_list_read_update_delete(world: World, org_a: Org) -> None:
    billing = await mk(world, org_a, "Billing", phone_number="+33123456789")
    assert billing["overflow_out"] is True and billing["overflow_in"] is True
    assert billing["overflow_after_s"] == 0 and billing["visible_to_experts"] is False
    await mk(world, org_a, "after-sales")
    names = [s["name"] for s in (await world.client.get(SKILLS, headers=org_a.admin)).json()]
    assert names == ["after-sales", "Billing"]
    url = f"{SKILLS}/{billing['id']}"
    assert (await world.client.get(url, headers=org_a.admin)).json()["name"] == "Billing"
    r = await world.client.patch(
        url, json={"visible_to_experts": True, "overflow_after_s": 30}, headers=org_a.admin
    )
    assert r.status_code == 200
    assert r.json()["visible_to_experts"] is True and r.json()["overflow_after_s"] == 30
    assert r.json()["name"] == "Billing" and r.json()["phone_number"] == "+33123456789"
    r = await world.client.patch(url, json={"phone_number": None}, headers=org_a.admin)
    assert r.json()["phone_number"] is None
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204
    problem(await world.client.get(url, headers=org_a.admin), 404)


async def test_r_sk_1_name_unique_regardless_of_case(world: World, org_a: Org) -> None:
    await mk(world, org_a, "Billing")
    body = problem(
        await world.client.post(SKILLS, json={"name": " BILLING "}, headers=org_a.admin), 409
    )
    assert body["field"] == "name" and body["rule"] == "R-SK-1"
    other = await mk(world, org_a, "Sales")
    r = await world.client.patch(
        f"{SKILLS}/{other['id']}", json={"name": "billing"}, headers=org_a.admin
    )
    assert problem(r, 409)["rule"] == "R-SK-1"
    # Changing only the case of one's own name is fine.
    r = await world.client.patch(
        f"{SKILLS}/{other['id']}", json={"name": "SALES"}, headers=org_a.admin
    )
    assert r.status_code == 200 and r.json()["name"] == "SALES"


async def test_r_sk_1_same_name_in_two_organizations(world: World, org_a: Org, org_b: Org) -> None:
    await mk(world, org_a, "Billing")
    await mk(world, org_b, "billing")


async def test_r_sk_1_name_length_and_control_characters(world: World, org_a: Org) -> None:
    for name in ["", "x" * 101, "   ", "bad\nname", "tab\there"]:
        r = await world.client.post(SKILLS, json={"name": name}, headers=org_a.admin)
        body = problem(r, 422)
        assert body["field"] == "name" and body["rule"] == "R-SK-1", (name, body)
    assert (await mk(world, org_a, "  Padded  "))["name"] == "Padded"
    assert (await mk(world, org_a, "y" * 100))["name"] == "y" * 100
    assert (await world.client.get(SKILLS, headers=org_a.admin)).json()[0]["name"] == "Padded"


async def test_r_sk_1_phone_number_is_e164(world: World, org_a: Org) -> None:
    for phone in ["0123456789", "+1234567", "+0123456789", "+1234567890123456", "+33 1 23"]:
        r = await world.client.post(
            SKILLS, json={"name": "Voice", "phone_number": phone}, headers=org_a.admin
        )
        body = problem(r, 422)
        assert body["field"] == "phone_number" and body["rule"] == "R-SK-1", phone
    assert (await mk(world, org_a, "A", phone_number="+12345678"))["phone_number"] == "+12345678"
    long = "+123456789012345"
    assert (await mk(world, org_a, "B", phone_number=long))["phone_number"] == long
    assert (await world.client.get(SKILLS, headers=org_a.admin)).json()[0]["name"] == "A"


async def test_r_sk_4_overflow_settings_and_bounds(world: World, org_a: Org) -> None:
    for bad in [-1, 86401]:
        r = await world.client.post(
            SKILLS, json={"name": "S", "overflow_after_s": bad}, headers=org_a.admin
        )
        assert problem(r, 422)["rule"] == "R-SK-4"
    s = await mk(world, org_a, "S", overflow_out=False, overflow_in=False, overflow_after_s=86400)
    assert (s["overflow_out"], s["overflow_in"], s["overflow_after_s"]) == (False, False, 86400)
    r = await world.client.patch(
        f"{SKILLS}/{s['id']}", json={"overflow_in": None}, headers=org_a.admin
    )
    problem(r, 422)


async def test_r_sk_2_parent_cycle_refused(world: World, org_a: Org, org_b: Org) -> None:
    root = await mk(world, org_a, "Root")
    mid = await mk(world, org_a, "Mid", parent_id=root["id"])
    leaf = await mk(world, org_a, "Leaf", parent_id=mid["id"])
    for skill, parent in [(root, leaf), (root, mid), (mid, mid)]:
        r = await world.client.patch(
            f"{SKILLS}/{skill['id']}", json={"parent_id": parent["id"]}, headers=org_a.admin
        )
        body = problem(r, 422)
        assert body["field"] == "parent_id" and body["rule"] == "R-SK-2"
    # Nothing moved.
    assert (await world.client.get(f"{SKILLS}/{root['id']}", headers=org_a.admin)).json()[
        "parent_id"
    ] is None
    # Moving a subtree elsewhere, and back to the roots, is fine.
    other = await mk(world, org_a, "Other")
    r = await world.client.patch(
        f"{SKILLS}/{mid['id']}", json={"parent_id": other["id"]}, headers=org_a.admin
    )
    assert r.status_code == 200 and r.json()["parent_id"] == other["id"]
    r = await world.client.patch(
        f"{SKILLS}/{mid['id']}", json={"parent_id": None}, headers=org_a.admin
    )
    assert r.json()["parent_id"] is None
    # A parent from another organization is an unknown id, said the same way as a missing one.
    foreign = await mk(world, org_b, "Foreign")
    r1 = await world.client.post(
        SKILLS, json={"name": "X", "parent_id": foreign["id"]}, headers=org_a.admin
    )
    r2 = await world.client.post(
        SKILLS, json={"name": "X", "parent_id": 999999}, headers=org_a.admin
    )
    b1, b2 = problem(r1, 422), problem(r2, 422)
    assert b1["field"] == "parent_id" and b1["detail"] == b2["detail"]


async def test_r_sk_2_tree_and_descendants(world: World, org_a: Org) -> None:
    support = await mk(world, org_a, "Support")
    billing = await mk(world, org_a, "billing", parent_id=support["id"])
    refunds = await mk(world, org_a, "Refunds", parent_id=billing["id"])
    tech = await mk(world, org_a, "Tech", parent_id=support["id"])
    sales = await mk(world, org_a, "Sales")
    tree = (await world.client.get(f"{SKILLS}/tree", headers=org_a.admin)).json()
    assert [n["name"] for n in tree] == ["Sales", "Support"]
    assert tree[0]["children"] == []
    assert [c["name"] for c in tree[1]["children"]] == ["billing", "Tech"]
    assert [c["name"] for c in tree[1]["children"][0]["children"]] == ["Refunds"]
    assert tree[1]["children"][0]["parent_id"] == support["id"]
    r = await world.client.get(f"{SKILLS}/{support['id']}/descendants", headers=org_a.admin)
    body = r.json()
    assert body["skill_id"] == support["id"]
    assert body["descendant_ids"] == sorted([billing["id"], refunds["id"], tech["id"]])
    assert body["qualifying_ids"] == [support["id"], *body["descendant_ids"]]
    r = await world.client.get(f"{SKILLS}/{sales['id']}/descendants", headers=org_a.admin)
    assert r.json()["qualifying_ids"] == [sales["id"]]


async def test_r_sk_2_delete_with_children_refused(world: World, org_a: Org) -> None:
    parent = await mk(world, org_a, "Parent")
    child = await mk(world, org_a, "Child", parent_id=parent["id"])
    body = problem(await world.client.delete(f"{SKILLS}/{parent['id']}", headers=org_a.admin), 409)
    assert body["rule"] == "R-SK-2" and "Child" in body["detail"]
    assert (
        await world.client.delete(f"{SKILLS}/{child['id']}", headers=org_a.admin)
    ).status_code == 204
    assert (
        await world.client.delete(f"{SKILLS}/{parent['id']}", headers=org_a.admin)
    ).status_code == 204


async def test_delete_skill_targeted_by_a_queue_refused(world: World, org_a: Org) -> None:
    skill = await mk(world, org_a, "Voice")
    async with world.state.sessions() as session:
        session.add(
            Queue(org_id=org_a.id, kind="call", name="Main", name_key="main", skill_id=skill["id"])
        )
        await session.commit()
    body = problem(await world.client.delete(f"{SKILLS}/{skill['id']}", headers=org_a.admin), 409)
    assert "Main" in body["detail"]


async def test_skills_isolated_between_organizations(world: World, org_a: Org, org_b: Org) -> None:
    a = await mk(world, org_a, "Secret")
    url = f"{SKILLS}/{a['id']}"
    assert (await world.client.get(SKILLS, headers=org_b.admin)).json() == []
    assert (await world.client.get(f"{SKILLS}/tree", headers=org_b.admin)).json() == []
    problem(await world.client.get(url, headers=org_b.admin), 404)
    problem(await world.client.get(f"{url}/descendants", headers=org_b.admin), 404)
    problem(await world.client.patch(url, json={"name": "Mine"}, headers=org_b.admin), 404)
    problem(await world.client.delete(url, headers=org_b.admin), 404)
    assert (await world.client.get(url, headers=org_a.admin)).json()["name"] == "Secret"


async def test_agent_cannot_view_or_manage_skills(world: World, org_a: Org) -> None:
    alice = await world.user(org_a, "alice")
    skill = await mk(world, org_a, "Billing")
    problem(await world.client.get(SKILLS, headers=alice), 403)
    problem(await world.client.get(f"{SKILLS}/tree", headers=alice), 403)
    problem(await world.client.post(SKILLS, json={"name": "Mine"}, headers=alice), 403)
    url = f"{SKILLS}/{skill['id']}"
    problem(await world.client.patch(url, json={"name": "Mine"}, headers=alice), 403)
    problem(await world.client.delete(url, headers=alice), 403)


async def test_r_p_2_supervisor_skill_switches(world: World, org_a: Org) -> None:
    """R-P-2: supervisors view skills by default; managing them needs the switch."""
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    assert (await world.client.get(SKILLS, headers=sam)).status_code == 200
    problem(await world.client.post(SKILLS, json={"name": "S"}, headers=sam), 403)
    async with world.state.sessions() as session:
        await do_update_permissions(
            session, org_id=org_a.id, changes={"supervisor_manage_skills": True}
        )
    assert (await world.client.post(SKILLS, json={"name": "S"}, headers=sam)).status_code == 201
    async with world.state.sessions() as session:
        await do_update_permissions(
            session,
            org_id=org_a.id,
            changes={"supervisor_manage_skills": False, "supervisor_view_skills": False},
        )
    problem(await world.client.get(SKILLS, headers=sam), 403)


async def grants_of(world: World, org: Org, user_id: int) -> dict[int, int]:
    """Skill id -> proficiency for one user."""
    r = await world.client.get(f"/api/v1/users/{user_id}/skills", headers=org.admin)
    assert r.status_code == 200, r.text
    return {g["skill_id"]: g["proficiency"] for g in r.json()}


async def test_r_sk_3_bulk_grant_and_revoke(world: World, org_a: Org) -> None:
    await world.user(org_a, "alice")
    await world.user(org_a, "bob")
    alice, bob = org_a.users["alice"], org_a.users["bob"]
    s1, s2 = await mk(world, org_a, "One"), await mk(world, org_a, "Two")
    body = {"user_ids": [alice, bob], "skills": [{"skill_id": s1["id"]}]}
    r = await world.client.post(f"{SKILLS}/grants", json=body, headers=org_a.admin)
    assert r.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert await grants_of(world, org_a, alice) == {s1["id"]: 3}
    # Held skills keep their proficiency unless one is given; new ones get what is given.
    body = {
        "user_ids": [alice, bob, alice],
        "skills": [{"skill_id": s1["id"]}, {"skill_id": s2["id"], "proficiency": 5}],
    }
    r = await world.client.post(f"{SKILLS}/grants", json=body, headers=org_a.admin)
    assert r.json() == {"created": 2, "updated": 0, "unchanged": 2}
    body = {"user_ids": [bob], "skills": [{"skill_id": s1["id"], "proficiency": 1}]}
    r = await world.client.post(f"{SKILLS}/grants", json=body, headers=org_a.admin)
    assert r.json() == {"created": 0, "updated": 1, "unchanged": 0}
    assert await grants_of(world, org_a, bob) == {s1["id"]: 1, s2["id"]: 5}
    body = {"user_ids": [alice, bob], "skill_ids": [s1["id"]]}
    r = await world.client.post(f"{SKILLS}/revocations", json=body, headers=org_a.admin)
    assert r.json() == {"removed": 2}
    assert await grants_of(world, org_a, alice) == {s2["id"]: 5}
    assert await grants_of(world, org_a, bob) == {s2["id"]: 5}


async def test_r_sk_3_bulk_changes_are_all_or_nothing(world: World, org_a: Org, org_b: Org) -> None:
    await world.user(org_a, "alice")
    await world.user(org_b, "zoe")
    alice, zoe = org_a.users["alice"], org_b.users["zoe"]
    mine = await mk(world, org_a, "Mine")
    theirs = await mk(world, org_b, "Theirs")
    one = [{"skill_id": mine["id"]}]
    bad_bodies: list[tuple[dict[str, Any], str, str | None]] = [
        ({"user_ids": [alice, zoe], "skills": one}, "user_ids", None),
        ({"user_ids": [alice], "skills": [*one, {"skill_id": theirs["id"]}]}, "skills", None),
        ({"user_ids": [alice], "skills": [*one, *one]}, "skills.1.skill_id", "R-SK-3"),
        ({"user_ids": [], "skills": one}, "user_ids", "R-SK-3"),
        ({"user_ids": [alice], "skills": []}, "skills", "R-SK-3"),
    ]
    for body, field, rule in bad_bodies:
        r = await world.client.post(f"{SKILLS}/grants", json=body, headers=org_a.admin)
        got = problem(r, 422)
        assert (got["field"], got.get("rule")) == (field, rule), body
    for proficiency in [0, 6]:
        body = {
            "user_ids": [alice],
            "skills": [{"skill_id": mine["id"], "proficiency": proficiency}],
        }
        r = await world.client.post(f"{SKILLS}/grants", json=body, headers=org_a.admin)
        got = problem(r, 422)
        assert (got["field"], got["rule"]) == ("skills.0.proficiency", "R-SK-3")
    assert await grants_of(world, org_a, alice) == {}
    # The unknown id is named the same way whether it exists elsewhere or not at all.
    body = {"user_ids": [alice, 999999], "skills": one}
    r = await world.client.post(f"{SKILLS}/grants", json=body, headers=org_a.admin)
    assert "999999" in problem(r, 422)["detail"]
    ok = {"user_ids": [alice], "skills": [{"skill_id": mine["id"], "proficiency": 2}]}
    await world.client.post(f"{SKILLS}/grants", json=ok, headers=org_a.admin)
    body = {"user_ids": [alice], "skill_ids": [mine["id"], theirs["id"]]}
    r = await world.client.post(f"{SKILLS}/revocations", json=body, headers=org_a.admin)
    assert problem(r, 422)["field"] == "skill_ids"
    assert await grants_of(world, org_a, alice) == {mine["id"]: 2}
    # Org B cannot revoke org A's grants either.
    body = {"user_ids": [alice], "skill_ids": [mine["id"]]}
    problem(await world.client.post(f"{SKILLS}/revocations", json=body, headers=org_b.admin), 422)
    assert await grants_of(world, org_a, alice) == {mine["id"]: 2}


async def test_r_sk_3_agent_cannot_grant(world: World, org_a: Org) -> None:
    alice_h = await world.user(org_a, "alice")
    alice = org_a.users["alice"]
    skill = await mk(world, org_a, "One")
    body = {"user_ids": [alice], "skills": [{"skill_id": skill["id"]}]}
    problem(await world.client.post(f"{SKILLS}/grants", json=body, headers=alice_h), 403)
    body2 = {"user_ids": [alice], "skill_ids": [skill["id"]]}
    problem(await world.client.post(f"{SKILLS}/revocations", json=body2, headers=alice_h), 403)
    problem(await world.client.get(f"/api/v1/users/{alice}/skills", headers=alice_h), 403)
    assert await grants_of(world, org_a, alice) == {}


async def test_r_sk_3_deleting_a_skill_removes_its_grants(world: World, org_a: Org) -> None:
    await world.user(org_a, "alice")
    alice = org_a.users["alice"]
    one, two = await mk(world, org_a, "One"), await mk(world, org_a, "Two")
    body = {"user_ids": [alice], "skills": [{"skill_id": one["id"]}, {"skill_id": two["id"]}]}
    await world.client.post(f"{SKILLS}/grants", json=body, headers=org_a.admin)
    assert (
        await world.client.delete(f"{SKILLS}/{one['id']}", headers=org_a.admin)
    ).status_code == 204
    assert await grants_of(world, org_a, alice) == {two["id"]: 3}


async def test_ids_no_row_can_have_are_unknown(world: World, org_a: Org) -> None:
    """Ids beyond 32 bits (or below 1) answer 404/422, never a database error."""
    await world.user(org_a, "alice")
    alice, huge = org_a.users["alice"], 2**40
    skill = await mk(world, org_a, "One")
    for bad in [huge, 0, -1]:
        problem(await world.client.get(f"{SKILLS}/{bad}", headers=org_a.admin), 404)
        problem(await world.client.get(f"{SKILLS}/{bad}/descendants", headers=org_a.admin), 404)
        problem(
            await world.client.put(f"/api/v1/users/{bad}/skills", json=[], headers=org_a.admin), 404
        )
    r = await world.client.patch(
        f"{SKILLS}/{skill['id']}", json={"parent_id": huge}, headers=org_a.admin
    )
    assert problem(r, 422)["field"] == "parent_id"
    body = {"user_ids": [alice, huge], "skills": [{"skill_id": skill["id"]}]}
    assert (
        problem(await world.client.post(f"{SKILLS}/grants", json=body, headers=org_a.admin), 422)[
            "field"
        ]
        == "user_ids"
    )
    r = await world.client.put(
        f"/api/v1/users/{alice}/skills", json=[{"skill_id": huge}], headers=org_a.admin
    )
    assert problem(r, 422)["field"] == "skill_id"
