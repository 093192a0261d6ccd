"""Contact records and CRM access (R-A-4): list, read, change, and their conversations."""

from __future__ import annotations

from typing import Any

from tests.api.test_conversations_access import contact, conversation, department, grant
from tests.factories import Org, World, problem

URL = "/api/v1/contacts"


async def names(world: World, headers: dict[str, str], **params: Any) -> list[str]:
    """The names of the contacts listed for ``headers``, in order (200 expected)."""
    r = await world.client.get(URL, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [c["name"] for c in r.json()["items"]]


async def test_r_a_4_who_may_access_a_contact(world: World, org_a: Org, org_b: Org) -> None:
    """R-A-4: the owner, members of the contact's department and departments above it; the
    administrator and a Director (statistics "all") every record; anyone else 404."""
    sales = await department(world, org_a, "Sales")
    north = await department(world, org_a, "North", parent=sales)
    olga = await world.user(org_a, "olga")
    lea = await world.user(org_a, "lea", department_id=sales)
    ned = await world.user(org_a, "ned", department_id=north)
    dora = await world.user(org_a, "dora", roles=())
    await grant(world, org_a, "dora", "director")
    u = org_a.users
    own = await contact(world, org_a, "Ola 50% off", owner_id=u["olga"], phone="+33612345678")
    top = await contact(world, org_a, "Top", department_id=sales, email="top@example.com")
    low = await contact(world, org_a, "Low", department_id=north)
    await contact(world, org_b, "Foreign")
    assert await names(world, olga) == ["Ola 50% off"]
    assert await names(world, lea) == ["Low", "Top"]
    assert await names(world, ned) == ["Low"]
    assert await names(world, dora) == ["Low", "Top", "Ola 50% off"]
    assert await names(world, org_a.admin) == ["Low", "Top", "Ola 50% off"]
    assert await names(world, org_a.admin, q="TOP@EX") == ["Top"]
    assert await names(world, org_a.admin, q="3361") == ["Ola 50% off"]
    assert await names(world, org_a.admin, q="50%") == ["Ola 50% off"]
    assert await names(world, org_a.admin, q="_") == []  # wildcards are literal
    page = (await world.client.get(URL, params={"limit": 1}, headers=dora)).json()
    assert page["next_before_id"] == low
    r = await world.client.get(URL, params={"limit": 1, "before_id": low}, headers=dora)
    assert [c["id"] for c in r.json()["items"]] == [top]
    assert (await world.client.get(f"{URL}/{top}", headers=ned)).status_code == 404
    assert (await world.client.get(f"{URL}/{top}", headers=lea)).json()[
        "email"
    ] == "top@example.com"
    assert (await world.client.get(f"{URL}/{own}", headers=lea)).status_code == 404
    problem(await world.client.get(f"{URL}/{own}", headers=org_b.admin), 404)
    assert await names(world, org_b.admin) == ["Foreign"]


async def test_r_a_4_changing_a_contact(world: World, org_a: Org, org_b: Org) -> None:
    """R-A-4: the owner and the administrator change a contact; a Director who only reads it
    gets 403; owner and department are checked in the caller's organization (422)."""
    sales = await department(world, org_a, "Sales")
    olga = await world.user(org_a, "olga")
    dora = await world.user(org_a, "dora", roles=())
    await grant(world, org_a, "dora", "director")
    await world.user(org_b, "eve")
    u = org_a.users
    cid = await contact(world, org_a, "Kim", owner_id=u["olga"])
    url = f"{URL}/{cid}"
    r = await world.client.patch(url, json={"name": "  Kim Lee "}, headers=olga)
    assert r.status_code == 200 and r.json()["name"] == "Kim Lee", r.text
    r = await world.client.patch(url, json={"name": "X"}, headers=dora)
    assert problem(r, 403)["rule"] == "R-A-4"
    for body, field in [
        ({"owner_id": org_b.users["eve"]}, "owner_id"),
        ({"owner_id": 999_999}, "owner_id"),
        ({"department_id": 2**40}, "department_id"),
        ({"name": "x" * 201}, "name"),
        ({"name": None}, "name"),
        ({"email": "a@b.c"}, "email"),
    ]:
        r = await world.client.patch(url, json=body, headers=olga)
        assert problem(r, 422)["field"] == field, (body, r.text)
    r = await world.client.patch(
        url, json={"owner_id": u["dora"], "department_id": sales}, headers=olga
    )
    assert (r.json()["owner_id"], r.json()["department_id"]) == (u["dora"], sales)
    # Given away: Olga no longer reaches it; the administrator takes it back.
    problem(await world.client.patch(url, json={"name": "Mine"}, headers=olga), 404)
    r = await world.client.patch(url, json={"owner_id": None}, headers=org_a.admin)
    assert r.status_code == 200 and r.json()["owner_id"] is None
    problem(await world.client.patch(url, json={"name": "Z"}, headers=org_b.admin), 404)


async def test_r_a_4_a_contacts_conversations_follow_the_record(world: World, org_a: Org) -> None:
    """R-A-4 CRM precedence: the owner of a contact reads every conversation of that contact,
    whoever handled them, even one handled by a Manager; no access to the record: 404."""
    olga = await world.user(org_a, "olga")
    mia = await world.user(org_a, "mia")
    await world.user(org_a, "bob")
    await grant(world, org_a, "mia", "manager")
    u = org_a.users
    kim = await contact(world, org_a, "Kim", owner_id=u["olga"], department_id=None)
    other = await contact(world, org_a, "Other", owner_id=u["mia"])
    first = await conversation(world, org_a, agents=(u["bob"],), contact_id=kim)
    second = await conversation(world, org_a, agents=(u["mia"],), contact_id=kim)
    await conversation(world, org_a, agents=(u["bob"],), contact_id=other)
    r = await world.client.get(f"{URL}/{kim}/interactions", headers=olga)
    assert [i["id"] for i in r.json()["items"]] == [second, first]
    page = (
        await world.client.get(f"{URL}/{kim}/interactions", params={"limit": 1}, headers=olga)
    ).json()
    assert page["next_before_id"] == second
    problem(await world.client.get(f"{URL}/{kim}/interactions", headers=mia), 404)
    r = await world.client.get(f"{URL}/{other}/interactions", headers=mia)
    assert len(r.json()["items"]) == 1
    r = await world.client.get(f"/api/v1/interactions/{first}/messages", headers=olga)
    assert r.status_code == 200
