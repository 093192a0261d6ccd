"""Login, logout, sessions, API tokens and the caller (foundation)."""

from __future__ import annotations

from tests.factories import PASSWORD, Org, World, problem


async def test_health_and_docs(world: World) -> None:
    r = await world.client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert (await world.client.get("/api/openapi.json")).json()["info"]["title"] == "Guichet"
    assert (await world.client.get("/api/docs")).status_code == 200


async def test_login_gives_bearer_and_cookie(world: World, org_a: Org) -> None:
    r = await world.client.post(
        "/api/v1/auth/login", json={"email": "ADA@alpha.test", "password": PASSWORD}
    )
    assert r.status_code == 200
    token = r.json()["access_token"]
    assert token.startswith("gch_")
    assert "guichet_session" in r.headers["set-cookie"]
    assert "httponly" in r.headers["set-cookie"].lower()
    me = await world.client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == "ada@alpha.test"
    assert body["org_id"] == org_a.id
    assert "queues.manage" in body["permissions"]


async def test_wrong_password_and_unknown_user_answer_alike(world: World, org_a: Org) -> None:
    bad = await world.client.post(
        "/api/v1/auth/login", json={"email": "ada@alpha.test", "password": "nope-nope"}
    )
    unknown = await world.client.post(
        "/api/v1/auth/login", json={"email": "who@alpha.test", "password": "nope-nope"}
    )
    assert problem(bad, 401)["detail"] == problem(unknown, 401)["detail"]


async def test_no_token_is_401_problem(world: World) -> None:
    body = problem(await world.client.get("/api/v1/me"), 401)
    assert body["code"] == "unauthenticated"
    garbage = await world.client.get("/api/v1/me", headers={"authorization": "Bearer gch_nope"})
    assert problem(garbage, 401)["code"] == "invalid_token"


async def test_logout_revokes_the_token(world: World, org_a: Org) -> None:
    headers = await world.login("ada@alpha.test")
    assert (await world.client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    problem(await world.client.get("/api/v1/me", headers=headers), 401)
    # the other session of the same user still works
    assert (await world.client.get("/api/v1/me", headers=org_a.admin)).status_code == 200


async def test_cookie_session_needs_csrf_header_for_writes(world: World, org_a: Org) -> None:
    r = await world.client.post(
        "/api/v1/auth/login", json={"email": "ada@alpha.test", "password": PASSWORD}
    )
    cookies = {"guichet_session": r.json()["access_token"]}
    world.client.cookies.update(cookies)
    try:
        assert (await world.client.get("/api/v1/me")).status_code == 200
        problem(await world.client.post("/api/v1/me/tokens", json={"name": "x"}), 403)
        ok = await world.client.post(
            "/api/v1/me/tokens", json={"name": "x"}, headers={"x-guichet-csrf": "1"}
        )
        assert ok.status_code == 201
    finally:
        world.client.cookies.clear()


async def test_personal_api_tokens(world: World, org_a: Org) -> None:
    created = await world.client.post(
        "/api/v1/me/tokens", json={"name": "ci", "expires_in_days": 30}, headers=org_a.admin
    )
    assert created.status_code == 201
    token = created.json()["token"]
    api = {"authorization": f"Bearer {token}"}
    assert (await world.client.get("/api/v1/me", headers=api)).status_code == 200
    listed = (await world.client.get("/api/v1/me/tokens", headers=org_a.admin)).json()
    assert [t["name"] for t in listed] == ["ci"]
    assert "token" not in listed[0]
    tid = created.json()["id"]
    assert (
        await world.client.delete(f"/api/v1/me/tokens/{tid}", headers=org_a.admin)
    ).status_code == 204
    problem(await world.client.get("/api/v1/me", headers=api), 401)


async def test_tokens_of_another_user_are_404(world: World, org_a: Org, org_b: Org) -> None:
    created = await world.client.post(
        "/api/v1/me/tokens", json={"name": "mine"}, headers=org_a.admin
    )
    tid = created.json()["id"]
    problem(await world.client.delete(f"/api/v1/me/tokens/{tid}", headers=org_b.admin), 404)


async def test_unknown_body_field_is_refused(world: World, org_a: Org) -> None:
    r = await world.client.post(
        "/api/v1/me/tokens", json={"name": "x", "owner_id": 99}, headers=org_a.admin
    )
    body = problem(r, 422)
    assert body["errors"][0]["field"] == "owner_id"


async def test_out_of_range_ids_are_404_not_500(world: World, org_a: Org) -> None:
    """Ids beyond 32 bits cannot exist: 404 on every engine, never a driver error."""
    huge = 2**40
    problem(await world.client.delete(f"/api/v1/me/tokens/{huge}", headers=org_a.admin), 404)
    problem(await world.client.get(f"/api/v1/queues/{huge}", headers=org_a.admin), 404)
    problem(await world.client.get(f"/api/v1/skills/{huge}", headers=org_a.admin), 404)
