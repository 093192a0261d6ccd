"""Canned messages: shortcuts, public/private, lookup by shortcut, permissions (R-Q-11, R-P-3)."""

from __future__ import annotations

from typing import Any

from tests.factories import Org, World, problem

URL = "/api/v1/canned-messages"
PERMS = "/api/v1/contact-center/permissions"


async def _create(
    world: World, headers: dict[str, str], shortcut: str, text: str = "Hello", **extra: Any
) -> Any:
    body = {"shortcut": shortcut, "text": text, **extra}
    r = await world.client.post(URL, json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _list(world: World, headers: dict[str, str], **params: Any) -> list[Any]:
    r = await world.client.get(URL, params=params, headers=headers)
    assert r.status_code == 200, r.text
    rows: list[Any] = r.json()
    return rows


async def test_r_q_11_add_edit_disable_delete(world: World, org_a: Org) -> None:
    """R-Q-11: add, edit, enable/disable and delete canned messages."""
    msg = await _create(
        world,
        org_a.admin,
        "/thanks",
        "Thank you for\nyour patience.",
        title="Thanks",
        visibility="public",
    )
    assert msg["visibility"] == "public" and msg["active"] is True
    assert msg["owner_id"] == org_a.admin_id and msg["title"] == "Thanks"
    mid = msg["id"]
    edit = {"shortcut": "/ty", "text": "Thanks a lot!", "title": "Short thanks"}
    r = await world.client.patch(f"{URL}/{mid}", json=edit, headers=org_a.admin)
    assert r.status_code == 200
    assert {k: r.json()[k] for k in edit} == edit
    r = await world.client.patch(f"{URL}/{mid}", json={"active": False}, headers=org_a.admin)
    assert r.json()["active"] is False and r.json()["text"] == "Thanks a lot!"
    assert await _list(world, org_a.admin, active="true") == []
    assert [m["shortcut"] for m in await _list(world, org_a.admin, active="false")] == ["/ty"]
    got = await world.client.get(f"{URL}/{mid}", headers=org_a.admin)
    assert got.json()["shortcut"] == "/ty"
    assert (await world.client.delete(f"{URL}/{mid}", headers=org_a.admin)).status_code == 204
    problem(await world.client.get(f"{URL}/{mid}", headers=org_a.admin), 404)
    assert await _list(world, org_a.admin) == []


async def test_r_q_11_private_messages_are_for_their_author_only(world: World, org_a: Org) -> None:
    """R-Q-11: nobody else lists, reads, edits or deletes a private message, not even admins."""
    alice = await world.user(org_a, "alice")
    bob = await world.user(org_a, "bob")
    mine = await _create(world, alice, "/sig", "Alice, support team")
    assert mine["visibility"] == "private"
    assert [m["id"] for m in await _list(world, alice)] == [mine["id"]]
    mid = mine["id"]
    for other in (bob, org_a.admin):
        assert await _list(world, other) == []
        assert await _list(world, other, shortcut="/sig") == []
        problem(await world.client.get(f"{URL}/{mid}", headers=other), 404)
        problem(await world.client.patch(f"{URL}/{mid}", json={"text": "x"}, headers=other), 404)
        problem(await world.client.delete(f"{URL}/{mid}", headers=other), 404)
    got = (await world.client.get(f"{URL}/{mid}", headers=alice)).json()
    assert got["text"] == "Alice, support team"


async def test_r_q_11_shortcut_unique_within_its_scope(world: World, org_a: Org) -> None:
    """R-Q-11: shortcuts are unique among public messages, and among each author's own."""
    alice = await world.user(org_a, "alice")
    bob = await world.user(org_a, "bob")
    await _create(world, org_a.admin, "/hi", "Hello (public)", visibility="public")
    dup = await world.client.post(
        URL, json={"shortcut": "/HI", "text": "x", "visibility": "public"}, headers=org_a.admin
    )
    body = problem(dup, 409)
    assert body["field"] == "shortcut" and body["rule"] == "R-Q-11"
    await _create(world, alice, "/Hi", "Hello from Alice")
    await _create(world, bob, "/hi", "Hello from Bob")
    await _create(world, org_a.admin, "/hI", "Hello from Ada")
    problem(await world.client.post(URL, json={"shortcut": "/HI", "text": "x"}, headers=alice), 409)
    second = await _create(world, alice, "/bye", "Bye")
    rename = await world.client.patch(
        f"{URL}/{second['id']}", json={"shortcut": "/hi", "text": "changed"}, headers=alice
    )
    problem(rename, 409)
    after = (await world.client.get(f"{URL}/{second['id']}", headers=alice)).json()
    assert after["shortcut"] == "/bye" and after["text"] == "Bye"


async def test_r_q_11_lookup_by_shortcut_gives_own_private_first(world: World, org_a: Org) -> None:
    """R-Q-11: agents insert by shortcut; their private message comes before the public one."""
    alice = await world.user(org_a, "alice")
    carol = await world.user(org_a, "carol")
    public = await _create(world, org_a.admin, "/hi", "Hello (public)", visibility="public")
    private = await _create(world, alice, "/HI", "Hello from Alice")
    await _create(world, alice, "/hint", "Not this one")
    assert [m["id"] for m in await _list(world, alice, shortcut="/hi")] == [
        private["id"],
        public["id"],
    ]
    assert [m["id"] for m in await _list(world, carol, shortcut="/Hi")] == [public["id"]]
    assert await _list(world, carol, shortcut="/nothing") == []
    # the full list also puts the caller's own messages first, then by shortcut
    listed = [(m["visibility"], m["shortcut"]) for m in await _list(world, alice)]
    assert listed == [("private", "/HI"), ("private", "/hint"), ("public", "/hi")]
    assert [m["shortcut"] for m in await _list(world, alice, q="IN")] == ["/hint"]
    await _create(world, alice, "/x", "Opening hours", title="Opening HOURS")
    assert [m["shortcut"] for m in await _list(world, alice, q="hours")] == ["/x"]
    assert [m["id"] for m in await _list(world, alice, visibility="public")] == [public["id"]]


async def test_r_q_11_field_rules(world: World, org_a: Org) -> None:
    """R-Q-11: shortcut 1..64 without whitespace, text 1..10,000, known visibility."""
    ok = await _create(world, org_a.admin, "s" * 64, "t" * 10_000)
    assert len(ok["text"]) == 10_000
    bad: list[dict[str, Any]] = [
        {"shortcut": "two words", "text": "x"},
        {"shortcut": "tab\there", "text": "x"},
        {"shortcut": "", "text": "x"},
        {"shortcut": "s" * 65, "text": "x"},
        {"shortcut": "/ok", "text": ""},
        {"shortcut": "/ok", "text": " \n "},
        {"shortcut": "/ok", "text": "t" * 10_001},
        {"shortcut": "/ok", "text": "bell\x07"},
        {"shortcut": "/ok", "text": "x", "title": "t" * 201},
    ]
    for body in bad:
        answer = problem(await world.client.post(URL, json=body, headers=org_a.admin), 422)
        assert answer["rule"] == "R-Q-11", (body, answer)
    team = {"shortcut": "/ok", "text": "x", "visibility": "team"}
    problem(await world.client.post(URL, json=team, headers=org_a.admin), 422)
    assert [m["id"] for m in await _list(world, org_a.admin)] == [ok["id"]]


async def test_r_p_3_agents_manage_own_but_not_public_by_default(world: World, org_a: Org) -> None:
    """R-P-3: agents manage their own messages; public ones need the switch."""
    alice = await world.user(org_a, "alice")
    public = await _create(world, org_a.admin, "/hi", "Hello", visibility="public")
    pid = public["id"]
    assert [m["id"] for m in await _list(world, alice)] == [pid]
    problem(await world.client.patch(f"{URL}/{pid}", json={"text": "x"}, headers=alice), 403)
    problem(await world.client.delete(f"{URL}/{pid}", headers=alice), 403)
    pub = {"shortcut": "/pub", "text": "x", "visibility": "public"}
    problem(await world.client.post(URL, json=pub, headers=alice), 403)
    own = await _create(world, alice, "/own", "Mine")
    going_public = await world.client.patch(
        f"{URL}/{own['id']}", json={"visibility": "public"}, headers=alice
    )
    problem(going_public, 403)
    body = {"agent": {"agent_manage_own_canned": False}}
    await world.client.patch(PERMS, json=body, headers=org_a.admin)
    # without "manage own" the agent still sees and uses their messages, but cannot change them
    assert [m["shortcut"] for m in await _list(world, alice)] == ["/own", "/hi"]
    problem(await world.client.patch(f"{URL}/{own['id']}", json={"text": "x"}, headers=alice), 403)
    problem(await world.client.delete(f"{URL}/{own['id']}", headers=alice), 403)
    problem(await world.client.post(URL, json={"shortcut": "/n", "text": "x"}, headers=alice), 403)


async def test_r_p_3_visibility_changes(world: World, org_a: Org) -> None:
    """R-Q-11, R-P-3: private→public shares a message; public→private makes it the caller's."""
    alice = await world.user(org_a, "alice")
    body = {"agent": {"agent_manage_public_canned": True}}
    await world.client.patch(PERMS, json=body, headers=org_a.admin)
    own = await _create(world, alice, "/faq", "See our FAQ")
    shared = await world.client.patch(
        f"{URL}/{own['id']}", json={"visibility": "public"}, headers=alice
    )
    assert shared.status_code == 200 and shared.json()["owner_id"] == org_a.users["alice"]
    assert [m["id"] for m in await _list(world, org_a.admin)] == [own["id"]]
    # the administrator already has a private /faq: taking this one private would clash
    await _create(world, org_a.admin, "/FAQ", "Ada's FAQ")
    clash = await world.client.patch(
        f"{URL}/{own['id']}", json={"visibility": "private"}, headers=org_a.admin
    )
    problem(clash, 409)
    taken = await world.client.patch(
        f"{URL}/{own['id']}",
        json={"visibility": "private", "shortcut": "/faq2"},
        headers=org_a.admin,
    )
    assert taken.status_code == 200 and taken.json()["owner_id"] == org_a.admin_id
    assert await _list(world, alice) == []
    problem(await world.client.get(f"{URL}/{own['id']}", headers=alice), 404)


async def test_r_q_11_organizations_are_isolated(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-11: organization B never sees A's public messages, nor changes them."""
    public = await _create(world, org_a.admin, "/hi", "Hello A", visibility="public")
    mid = public["id"]
    assert await _list(world, org_b.admin) == []
    assert await _list(world, org_b.admin, shortcut="/hi") == []
    problem(await world.client.get(f"{URL}/{mid}", headers=org_b.admin), 404)
    problem(await world.client.patch(f"{URL}/{mid}", json={"text": "B"}, headers=org_b.admin), 404)
    problem(await world.client.delete(f"{URL}/{mid}", headers=org_b.admin), 404)
    await _create(world, org_b.admin, "/hi", "Hello B", visibility="public")
    assert [m["text"] for m in await _list(world, org_a.admin)] == ["Hello A"]
