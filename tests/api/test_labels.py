"""Labels: add, rename, activate/deactivate; agents' custom labels (R-Q-10, R-P-3)."""

from __future__ import annotations

from tests.api.catalog_support import NamedList
from tests.factories import Org, World, problem

LABELS = NamedList("/api/v1/labels")
URL = LABELS.url
PERMS = "/api/v1/contact-center/permissions"
_create, _names = LABELS.create, LABELS.names


async def _allow_agent_labels(world: World, org: Org, on: bool = True) -> None:
    body = {"agent": {"agent_create_labels": on}}
    assert (await world.client.patch(PERMS, json=body, headers=org.admin)).status_code == 200


async def test_r_q_10_add_rename_activate_deactivate(world: World, org_a: Org) -> None:
    """R-Q-10: add a label, rename it, deactivate and reactivate it."""
    vip = await _create(world, org_a.admin, "VIP")
    assert vip["active"] is True and vip["created_by_id"] == org_a.admin_id
    await _create(world, org_a.admin, "complaint")
    assert await _names(world, org_a.admin) == ["complaint", "VIP"]
    lid = vip["id"]
    r = await world.client.patch(
        f"{URL}/{lid}", json={"name": "Very important"}, headers=org_a.admin
    )
    assert r.status_code == 200 and r.json()["name"] == "Very important"
    r = await world.client.patch(f"{URL}/{lid}", json={"active": False}, headers=org_a.admin)
    assert r.json()["active"] is False and r.json()["name"] == "Very important"
    assert await _names(world, org_a.admin, "?active=true") == ["complaint"]
    assert await _names(world, org_a.admin, "?active=false") == ["Very important"]
    r = await world.client.patch(f"{URL}/{lid}", json={"active": True}, headers=org_a.admin)
    assert r.json()["active"] is True
    got = await world.client.get(f"{URL}/{lid}", headers=org_a.admin)
    assert got.json()["name"] == "Very important"
    assert await _names(world, org_a.admin, "?q=IMPORT") == ["Very important"]


async def test_r_q_10_names_unique_case_insensitively(world: World, org_a: Org) -> None:
    """R-Q-10: label names are unique regardless of case, on create and rename."""
    await _create(world, org_a.admin, "Refund")
    body = problem(await world.client.post(URL, json={"name": "REFUND"}, headers=org_a.admin), 409)
    assert body["field"] == "name" and body["rule"] == "R-Q-10"
    other = await _create(world, org_a.admin, "Delivery")
    clash = await world.client.patch(
        f"{URL}/{other['id']}", json={"name": " refund ", "active": False}, headers=org_a.admin
    )
    problem(clash, 409)
    after = (await world.client.get(f"{URL}/{other['id']}", headers=org_a.admin)).json()
    assert after["name"] == "Delivery" and after["active"] is True


async def test_r_q_10_name_rules(world: World, org_a: Org) -> None:
    """R-Q-10: 1..100 characters, not blank, no control character."""
    assert (await _create(world, org_a.admin, "x" * 100))["name"] == "x" * 100
    for name in ["x" * 101, "", "   ", "bad\nname", "nul\x00"]:
        body = problem(await world.client.post(URL, json={"name": name}, headers=org_a.admin), 422)
        assert body["rule"] == "R-Q-10", (name, body)
    assert await _names(world, org_a.admin) == ["x" * 100]


async def test_r_q_10_agents_need_the_switch_to_create_labels(world: World, org_a: Org) -> None:
    """R-Q-10, R-P-3: agents create custom labels only when allowed, and never manage them."""
    alice = await world.user(org_a, "alice")
    problem(await world.client.post(URL, json={"name": "Callback later"}, headers=alice), 403)
    await _allow_agent_labels(world, org_a)
    created = await _create(world, alice, "Callback later")
    assert created["active"] is True
    assert created["created_by_id"] == org_a.users["alice"]
    inactive = await world.client.post(URL, json={"name": "Quiet", "active": False}, headers=alice)
    problem(inactive, 403)
    rename = await world.client.patch(f"{URL}/{created['id']}", json={"name": "X"}, headers=alice)
    problem(rename, 403)
    off = await world.client.patch(f"{URL}/{created['id']}", json={"active": False}, headers=alice)
    problem(off, 403)
    # duplicates are refused for agents as for administrators
    problem(await world.client.post(URL, json={"name": "CALLBACK LATER"}, headers=alice), 409)
    await _allow_agent_labels(world, org_a, on=False)
    problem(await world.client.post(URL, json={"name": "Another"}, headers=alice), 403)
    assert await _names(world, alice) == ["Callback later"]


async def test_r_q_10_supervisors_do_not_manage_labels(world: World, org_a: Org) -> None:
    """R-Q-10: managing labels is for administrators; supervisors read them."""
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    label = await _create(world, org_a.admin, "Spam")
    assert await _names(world, sam) == ["Spam"]
    problem(await world.client.post(URL, json={"name": "Sam's"}, headers=sam), 403)
    problem(
        await world.client.patch(f"{URL}/{label['id']}", json={"active": False}, headers=sam), 403
    )


async def test_r_q_10_labels_cannot_be_deleted(world: World, org_a: Org) -> None:
    """R-Q-10: labels are deactivated, not deleted, so tagged conversations keep them."""
    label = await _create(world, org_a.admin, "Kept")
    r = await world.client.delete(f"{URL}/{label['id']}", headers=org_a.admin)
    assert r.status_code == 405
    assert await _names(world, org_a.admin) == ["Kept"]


async def test_r_q_10_organizations_are_isolated(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-10: organization B cannot list, read or change A's labels."""
    label = await _create(world, org_a.admin, "Alpha label")
    assert await _names(world, org_b.admin) == []
    lid = label["id"]
    problem(await world.client.get(f"{URL}/{lid}", headers=org_b.admin), 404)
    problem(await world.client.patch(f"{URL}/{lid}", json={"name": "B"}, headers=org_b.admin), 404)
    await _create(world, org_b.admin, "alpha LABEL")
    assert await _names(world, org_a.admin) == ["Alpha label"]
