"""Dispositions (R-W-3) and tags (R-W-2): ordered, searchable lists administrators keep."""

from __future__ import annotations

from tests.api.catalog_support import create as _create
from tests.api.catalog_support import names as _names
from tests.factories import Org, World, problem

DISPOSITIONS = "/api/v1/dispositions"
TAGS = "/api/v1/tags"


async def test_r_w_3_dispositions_crud_in_list_order(world: World, org_a: Org) -> None:
    """R-W-3: add, edit, reorder, deactivate and delete; the list follows ``position``."""
    sold = await _create(world, DISPOSITIONS, org_a.admin, name="Sold", description="Order taken")
    later = await _create(world, DISPOSITIONS, org_a.admin, name="Call back later")
    first = await _create(world, DISPOSITIONS, org_a.admin, name="Wrong number", position=0)
    assert (sold["position"], later["position"]) == (0, 1)
    assert sold["description"] == "Order taken" and sold["active"] is True
    # position 0 ties with "Sold": the name breaks the tie
    assert await _names(world, DISPOSITIONS, org_a.admin) == [
        "Sold",
        "Wrong number",
        "Call back later",
    ]
    r = await world.client.patch(
        f"{DISPOSITIONS}/{sold['id']}", json={"position": 5, "name": "Sale"}, headers=org_a.admin
    )
    assert r.status_code == 200 and r.json()["description"] == "Order taken"
    assert await _names(world, DISPOSITIONS, org_a.admin) == [
        "Wrong number",
        "Call back later",
        "Sale",
    ]
    off = await world.client.patch(
        f"{DISPOSITIONS}/{first['id']}", json={"active": False}, headers=org_a.admin
    )
    assert off.json()["active"] is False
    assert await _names(world, DISPOSITIONS, org_a.admin, active="true") == [
        "Call back later",
        "Sale",
    ]
    got = await world.client.get(f"{DISPOSITIONS}/{later['id']}", headers=org_a.admin)
    assert got.json()["name"] == "Call back later"
    deleted = await world.client.delete(f"{DISPOSITIONS}/{later['id']}", headers=org_a.admin)
    assert deleted.status_code == 204
    assert await _names(world, DISPOSITIONS, org_a.admin) == ["Wrong number", "Sale"]


async def test_r_w_3_disposition_list_is_searchable(world: World, org_a: Org) -> None:
    """R-W-3: agents search the disposition list by name (case ignored, wildcards literal)."""
    alice = await world.user(org_a, "alice")
    for name in ["Sale", "No sale", "Voicemail", "100% satisfied", "Sale_pending"]:
        await _create(world, DISPOSITIONS, org_a.admin, name=name)
    assert await _names(world, DISPOSITIONS, alice, q="SALE") == ["Sale", "No sale", "Sale_pending"]
    assert await _names(world, DISPOSITIONS, alice, q="%") == ["100% satisfied"]
    assert await _names(world, DISPOSITIONS, alice, q="_") == ["Sale_pending"]
    assert await _names(world, DISPOSITIONS, alice, q="zzz") == []


async def test_r_w_3_disposition_rules(world: World, org_a: Org) -> None:
    """R-W-3: names unique regardless of case; lengths and positions bounded."""
    await _create(world, DISPOSITIONS, org_a.admin, name="Sale")
    dup = await world.client.post(DISPOSITIONS, json={"name": "SALE"}, headers=org_a.admin)
    body = problem(dup, 409)
    assert body["field"] == "name" and body["rule"] == "R-W-3"
    for bad in [
        {"name": ""},
        {"name": "  "},
        {"name": "x" * 101},
        {"name": "tab\tname"},
        {"name": "ok", "description": "d" * 501},
        {"name": "ok", "description": "bell\x07"},
        {"name": "ok", "position": -1},
        {"name": "ok", "position": 1_000_001},
    ]:
        answer = problem(await world.client.post(DISPOSITIONS, json=bad, headers=org_a.admin), 422)
        assert answer["rule"] == "R-W-3", (bad, answer)
    assert await _names(world, DISPOSITIONS, org_a.admin) == ["Sale"]


async def test_r_w_3_agents_read_but_do_not_manage_dispositions(world: World, org_a: Org) -> None:
    """R-W-3: agents and supervisors read the list; only administrators change it."""
    alice = await world.user(org_a, "alice")
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    row = await _create(world, DISPOSITIONS, org_a.admin, name="Sale")
    url = f"{DISPOSITIONS}/{row['id']}"
    for who in (alice, sam):
        assert await _names(world, DISPOSITIONS, who) == ["Sale"]
        problem(await world.client.post(DISPOSITIONS, json={"name": "X"}, headers=who), 403)
        problem(await world.client.patch(url, json={"name": "X"}, headers=who), 403)
        problem(await world.client.delete(url, headers=who), 403)
    assert await _names(world, DISPOSITIONS, org_a.admin) == ["Sale"]


async def test_r_w_3_dispositions_are_isolated(world: World, org_a: Org, org_b: Org) -> None:
    """R-W-3: organization B cannot list, read, change or delete A's dispositions."""
    row = await _create(world, DISPOSITIONS, org_a.admin, name="Alpha")
    url = f"{DISPOSITIONS}/{row['id']}"
    assert await _names(world, DISPOSITIONS, org_b.admin) == []
    problem(await world.client.get(url, headers=org_b.admin), 404)
    problem(await world.client.patch(url, json={"name": "B"}, headers=org_b.admin), 404)
    problem(await world.client.delete(url, headers=org_b.admin), 404)
    # B's list starts at position 0 of its own
    assert (await _create(world, DISPOSITIONS, org_b.admin, name="alpha"))["position"] == 0
    assert await _names(world, DISPOSITIONS, org_a.admin) == ["Alpha"]


async def test_r_w_2_tags_crud_and_search_by_name(world: World, org_a: Org) -> None:
    """R-W-2: add, rename and delete tags; agents search them by name."""
    alice = await world.user(org_a, "alice")
    billing = await _create(world, TAGS, org_a.admin, name="Billing")
    await _create(world, TAGS, org_a.admin, name="Bug report")
    await _create(world, TAGS, org_a.admin, name="Feature request")
    assert await _names(world, TAGS, alice) == ["Billing", "Bug report", "Feature request"]
    assert await _names(world, TAGS, alice, q="B") == ["Billing", "Bug report"]
    assert await _names(world, TAGS, alice, q="REQUEST") == ["Feature request"]
    url = f"{TAGS}/{billing['id']}"
    r = await world.client.patch(url, json={"name": "Invoices"}, headers=org_a.admin)
    assert r.status_code == 200 and r.json()["name"] == "Invoices"
    assert (await world.client.get(url, headers=alice)).json()["name"] == "Invoices"
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204
    problem(await world.client.get(url, headers=org_a.admin), 404)
    assert await _names(world, TAGS, alice) == ["Bug report", "Feature request"]


async def test_r_w_2_tag_names_unique_case_insensitively(world: World, org_a: Org) -> None:
    """R-W-2: tag names are unique regardless of case; blank and control characters refused."""
    await _create(world, TAGS, org_a.admin, name="Urgent")
    body = problem(await world.client.post(TAGS, json={"name": "uRGENT"}, headers=org_a.admin), 409)
    assert body["rule"] == "R-W-2" and body["field"] == "name"
    other = await _create(world, TAGS, org_a.admin, name="Later")
    clash = await world.client.patch(
        f"{TAGS}/{other['id']}", json={"name": "URGENT"}, headers=org_a.admin
    )
    problem(clash, 409)
    for bad in ["", "   ", "x" * 101, "new\nline"]:
        answer = problem(
            await world.client.post(TAGS, json={"name": bad}, headers=org_a.admin), 422
        )
        assert answer["rule"] == "R-W-2"
    assert await _names(world, TAGS, org_a.admin) == ["Later", "Urgent"]


async def test_r_w_2_agents_cannot_manage_tags(world: World, org_a: Org) -> None:
    """R-W-2: changing the tag list needs tags.manage (administrators)."""
    alice = await world.user(org_a, "alice")
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    tag = await _create(world, TAGS, org_a.admin, name="VIP")
    url = f"{TAGS}/{tag['id']}"
    for who in (alice, sam):
        problem(await world.client.post(TAGS, json={"name": "X"}, headers=who), 403)
        problem(await world.client.patch(url, json={"name": "X"}, headers=who), 403)
        problem(await world.client.delete(url, headers=who), 403)
    assert await _names(world, TAGS, org_a.admin) == ["VIP"]


async def test_r_w_2_tags_are_isolated(world: World, org_a: Org, org_b: Org) -> None:
    """R-W-2: organization B cannot list, search, read, change or delete A's tags."""
    tag = await _create(world, TAGS, org_a.admin, name="Alpha tag")
    url = f"{TAGS}/{tag['id']}"
    assert await _names(world, TAGS, org_b.admin) == []
    assert await _names(world, TAGS, org_b.admin, q="alpha") == []
    problem(await world.client.get(url, headers=org_b.admin), 404)
    problem(await world.client.patch(url, json={"name": "B"}, headers=org_b.admin), 404)
    problem(await world.client.delete(url, headers=org_b.admin), 404)
    await _create(world, TAGS, org_b.admin, name="ALPHA TAG")
    assert await _names(world, TAGS, org_a.admin) == ["Alpha tag"]


async def test_unauthenticated_lists_are_401(world: World) -> None:
    problem(await world.client.get(TAGS), 401)
    problem(await world.client.get(DISPOSITIONS), 401)
