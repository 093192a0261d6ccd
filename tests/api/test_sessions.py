"""Session hardening, on SQLite and PostgreSQL: logout, password change, login throttling,
no token in a URL, and one-query authentication (docs/api/auth.md).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute
from sqlalchemy import event, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.auth import authenticate
from guichet.api import create_app
from guichet.config import Settings
from guichet.persistence.models import AuthToken, User, utcnow
from guichet.security import new_token, token_digest
from guichet.security_throttle import LoginThrottle, LoginThrottled
from tests.conftest import Database
from tests.factories import PASSWORD, Org, World, problem
from tests.realtime.ws_support import Live, Member, frame, register, serve, until_closed

LOGIN = "/api/v1/auth/login"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"
PASSWORD_URL = "/api/v1/me/password"
NEW_PASSWORD = "a much longer secret"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def attempt(world: World, email: str, password: str) -> httpx.Response:
    return await world.client.post(LOGIN, json={"email": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def api_token(world: World, headers: dict[str, str]) -> dict[str, str]:
    r = await world.client.post("/api/v1/me/tokens", json={"name": "ci"}, headers=headers)
    assert r.status_code == 201, r.text
    return bearer(r.json()["token"])


async def status_of(world: World, headers: dict[str, str]) -> int:
    return (await world.client.get(ME, headers=headers)).status_code


# --- logout -------------------------------------------------------------------------------


async def test_logout_then_reuse_is_401_and_the_cookie_is_cleared(world: World, org_a: Org) -> None:
    session = await world.login("ada@alpha.test")
    r = await world.client.post(LOGOUT, headers=session)
    assert r.status_code == 204
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("guichet_session=") and "Max-Age=0" in cookie
    assert problem(await world.client.get(ME, headers=session), 401)["code"] == "invalid_token"
    problem(await world.client.post(LOGOUT, headers=session), 401)
    # A browser session (cookie + CSRF header) ends the same way, and the client drops it.
    world.client.cookies.clear()
    token = (await attempt(world, "ada@alpha.test", PASSWORD)).json()["access_token"]
    assert world.client.cookies.get("guichet_session") == token
    try:
        assert (await world.client.get(ME)).status_code == 200
        r = await world.client.post(LOGOUT, headers={"x-guichet-csrf": "1"})
        assert r.status_code == 204
        assert world.client.cookies.get("guichet_session") is None
        world.client.cookies.set("guichet_session", token)
        problem(await world.client.get(ME), 401)
    finally:
        world.client.cookies.clear()
    assert await status_of(world, org_a.admin) == 200


@pytest.fixture
def live(database: Database) -> Iterator[Live]:
    """The app behind a TestClient, heartbeats every 0.2 s."""
    with serve(database) as world:
        yield world


def test_logout_closes_the_open_socket_of_that_session_at_the_next_heartbeat(live: Live) -> None:
    ada = live.member("alpha")
    bob = live.member("alpha", "bob")
    with live.connect(ada) as ws, live.connect(bob) as bob_ws:
        register(ws)
        register(bob_ws)
        assert live.client.post(LOGOUT, headers=ada.headers).status_code == 204
        assert until_closed(ws) == 4001
        # Another user's socket is untouched.
        bob_ws.send_json({"op": "ping"})
        assert frame(bob_ws, "pong") == {"op": "pong"}


def test_password_change_closes_the_sockets_of_the_other_sessions(live: Live) -> None:
    ada = live.member("alpha")
    r = live.client.post(LOGIN, json={"email": "ada@alpha.test", "password": PASSWORD})
    current = bearer(r.json()["access_token"])
    with live.connect(ada) as ws:
        register(ws)
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        assert live.client.post(PASSWORD_URL, json=body, headers=current).status_code == 204
        assert until_closed(ws) == 4001
    with live.connect(Member(ada.org_id, ada.user_id, current)) as ws:
        assert register(ws)["snapshot"]["user_id"] == ada.user_id


# --- password change ----------------------------------------------------------------------


async def test_password_change_ends_other_sessions_and_api_tokens_not_the_current_one(
    world: World, org_a: Org
) -> None:
    bob_other = await world.user(org_a, "bob")
    bob_now = await world.login("bob@alpha.test")
    bob_api = await api_token(world, bob_other)
    ada_api = await api_token(world, org_a.admin)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    r = await world.client.post(PASSWORD_URL, json=body, headers=bob_now)
    assert r.status_code == 204, r.text
    assert await status_of(world, bob_now) == 200
    problem(await world.client.get(ME, headers=bob_other), 401)
    problem(await world.client.get(ME, headers=bob_api), 401)
    # Other users keep their sessions and tokens.
    assert await status_of(world, org_a.admin) == 200
    assert await status_of(world, ada_api) == 200
    problem(await attempt(world, "bob@alpha.test", PASSWORD), 401)
    assert (await attempt(world, "bob@alpha.test", NEW_PASSWORD)).status_code == 200
    async with world.state.sessions() as session:
        bob = await session.scalar(select(User).where(User.email == "bob@alpha.test"))
        assert bob is not None and bob.password_hash is not None
        assert bob.password_hash.startswith("$argon2id$")


async def test_wrong_current_password_is_403_and_changes_nothing(world: World, org_a: Org) -> None:
    other = await world.login("ada@alpha.test")
    token = await api_token(world, org_a.admin)
    body = {"current_password": "not my password", "new_password": NEW_PASSWORD}
    r = await world.client.post(PASSWORD_URL, json=body, headers=org_a.admin)
    got = problem(r, 403)
    assert got["field"] == "current_password" and got["code"] == "wrong_password"
    for headers in (org_a.admin, other, token):
        assert await status_of(world, headers) == 200
    problem(await attempt(world, "ada@alpha.test", NEW_PASSWORD), 401)
    assert (await attempt(world, "ada@alpha.test", PASSWORD)).status_code == 200


@pytest.mark.parametrize(
    ("new_password", "code"),
    [("short", "weak_password"), ("x" * 1025, "string_too_long"), (PASSWORD, "same_password")],
)
async def test_new_password_follows_the_user_rules_and_differs(
    world: World, org_a: Org, new_password: str, code: str
) -> None:
    other = await world.login("ada@alpha.test")
    body = {"current_password": PASSWORD, "new_password": new_password}
    got = problem(await world.client.post(PASSWORD_URL, json=body, headers=org_a.admin), 422)
    assert got["field"] == "new_password" and got["errors"][0]["code"] == code
    assert await status_of(world, other) == 200
    assert (await attempt(world, "ada@alpha.test", PASSWORD)).status_code == 200


async def test_password_change_needs_authentication_and_the_csrf_header(
    world: World, org_a: Org
) -> None:
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    world.client.cookies.clear()  # the logins of the fixtures left a session cookie
    problem(await world.client.post(PASSWORD_URL, json=body), 401)
    world.client.cookies.set("guichet_session", org_a.admin["authorization"][7:])
    try:
        problem(await world.client.post(PASSWORD_URL, json=body), 403)
    finally:
        world.client.cookies.clear()
    assert (await attempt(world, "ada@alpha.test", PASSWORD)).status_code == 200


async def test_administrator_password_reset_ends_every_session_and_api_token(
    world: World, org_a: Org
) -> None:
    bob_h = await world.user(org_a, "bob")
    bob_api = await api_token(world, bob_h)
    url = f"/api/v1/users/{org_a.users['bob']}"
    r = await world.client.patch(url, json={"password": NEW_PASSWORD}, headers=org_a.admin)
    assert r.status_code == 200, r.text
    problem(await world.client.get(ME, headers=bob_h), 401)
    problem(await world.client.get(ME, headers=bob_api), 401)
    assert await status_of(world, org_a.admin) == 200
    assert (await attempt(world, "bob@alpha.test", NEW_PASSWORD)).status_code == 200


async def test_wrong_current_passwords_count_as_failed_logins(world: World, org_a: Org) -> None:
    body = {"current_password": "guess guess", "new_password": NEW_PASSWORD}
    for _ in range(5):
        problem(await world.client.post(PASSWORD_URL, json=body, headers=org_a.admin), 403)
    body["current_password"] = PASSWORD
    r = await world.client.post(PASSWORD_URL, json=body, headers=org_a.admin)
    assert problem(r, 429)["code"] == "login_throttled" and "retry-after" in r.headers
    assert problem(await attempt(world, "ada@alpha.test", PASSWORD), 429)


# --- login throttling ---------------------------------------------------------------------


async def test_sixth_attempt_on_an_account_is_429_even_with_the_right_password(
    world: World, org_a: Org
) -> None:
    for _ in range(5):
        got = problem(await attempt(world, "ada@alpha.test", "wrong wrong"), 401)
        assert got["code"] == "bad_credentials"
    r = await attempt(world, "ADA@alpha.test ", PASSWORD)
    got = problem(r, 429)
    assert got["code"] == "login_throttled" and got["type"] == "urn:guichet:problem:login_throttled"
    assert 890 <= int(r.headers["retry-after"]) <= 900
    assert "set-cookie" not in r.headers and "access_token" not in got
    # Per account: another account from the same address still logs in.
    await world.user(org_a, "bob")
    assert (await attempt(world, "bob@alpha.test", PASSWORD)).status_code == 200
    # Sessions opened before keep working.
    assert await status_of(world, org_a.admin) == 200


async def test_an_address_is_throttled_after_twenty_failures_whatever_the_accounts(
    world: World, org_a: Org
) -> None:
    for n in range(20):
        problem(await attempt(world, f"nobody{n}@alpha.test", "wrong wrong"), 401)
    r = await attempt(world, "ada@alpha.test", PASSWORD)
    assert problem(r, 429)["code"] == "login_throttled" and int(r.headers["retry-after"]) > 0
    body = {"email": "ada@alpha.test", "password": PASSWORD}
    transport = httpx.ASGITransport(app=world.app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as elsewhere:
        assert (await elsewhere.post(LOGIN, json=body)).status_code == 200
    # X-Forwarded-For is not trusted: the blocked address cannot pretend to be another.
    spoof = {"x-forwarded-for": "203.0.113.7", "x-real-ip": "203.0.113.7"}
    problem(await world.client.post(LOGIN, json=body, headers=spoof), 429)


async def test_unknown_accounts_get_the_same_answers_as_known_ones(
    world: World, org_a: Org
) -> None:
    clock = FakeClock()
    world.state.login_throttle = LoginThrottle(clock=clock)
    known: list[httpx.Response] = []
    unknown: list[httpx.Response] = []
    for _ in range(6):
        known.append(await attempt(world, "ada@alpha.test", "wrong wrong"))
        unknown.append(await attempt(world, "ghost@alpha.test", "wrong wrong"))
    for k, u in zip(known, unknown, strict=True):
        assert k.status_code == u.status_code
        assert k.json() == u.json()
        assert k.headers.get("retry-after") == u.headers.get("retry-after")
        assert k.headers["content-type"] == u.headers["content-type"]
    assert [r.status_code for r in known] == [401] * 5 + [429]
    assert known[-1].headers["retry-after"] == "900"


async def test_a_successful_login_resets_the_account_count(world: World, org_a: Org) -> None:
    world.state.login_throttle = LoginThrottle(clock=FakeClock())
    for _ in range(4):
        problem(await attempt(world, "ada@alpha.test", "wrong wrong"), 401)
    assert (await attempt(world, "ada@alpha.test", PASSWORD)).status_code == 200
    for _ in range(4):
        problem(await attempt(world, "ada@alpha.test", "wrong wrong"), 401)
    assert (await attempt(world, "ada@alpha.test", PASSWORD)).status_code == 200
    for _ in range(5):
        problem(await attempt(world, "ada@alpha.test", "wrong wrong"), 401)
    problem(await attempt(world, "ada@alpha.test", PASSWORD), 429)


async def test_the_window_expires_on_the_injected_clock(world: World, org_a: Org) -> None:
    clock = FakeClock()
    world.state.login_throttle = LoginThrottle(clock=clock)
    for _ in range(5):
        problem(await attempt(world, "ada@alpha.test", "wrong wrong"), 401)
        clock.now += 10
    r = await attempt(world, "ada@alpha.test", PASSWORD)
    # The oldest failure (50 s ago) leaves the 900 s window in 850 s.
    assert problem(r, 429) and r.headers["retry-after"] == "850"
    clock.now += 849.5
    r = await attempt(world, "ada@alpha.test", PASSWORD)
    assert problem(r, 429) and r.headers["retry-after"] == "1"
    clock.now += 0.5
    assert (await attempt(world, "ada@alpha.test", PASSWORD)).status_code == 200


async def test_parallel_wrong_attempts_cannot_slip_past_the_limit(world: World, org_a: Org) -> None:
    answers = await asyncio.gather(
        *(attempt(world, "ada@alpha.test", f"guess {n}") for n in range(12))
    )
    assert sorted(r.status_code for r in answers) == [401] * 5 + [429] * 7


async def test_parallel_good_logins_from_one_address_are_not_throttled(
    world: World, org_a: Org
) -> None:
    for n in range(24):
        await world.user(org_a, f"agent{n}")
    answers = await asyncio.gather(
        *(attempt(world, f"agent{n}@alpha.test", PASSWORD) for n in range(24))
    )
    assert [r.status_code for r in answers] == [200] * 24


async def test_throttle_settings_come_from_the_environment(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.api.conftest import test_settings  # a function named test_*: not at top level

    monkeypatch.setenv("GUICHET_LOGIN_MAX_FAILURES_PER_ACCOUNT", "2")
    monkeypatch.setenv("GUICHET_LOGIN_MAX_FAILURES_PER_ADDRESS", "3")
    monkeypatch.setenv("GUICHET_LOGIN_WINDOW_S", "60")
    app = create_app(test_settings(database))
    throttle: LoginThrottle = app.state.guichet.login_throttle
    fail(throttle, "a@x.test", "192.0.2.1", times=2)
    with pytest.raises(LoginThrottled) as exc:
        throttle.check(email="a@x.test", address="192.0.2.1")
    assert exc.value.retry_after == 60
    fail(throttle, "b@x.test", "192.0.2.1")
    with pytest.raises(LoginThrottled):
        throttle.check(email="c@x.test", address="192.0.2.1")
    await app.state.guichet.engine.dispose()


def fail(throttle: LoginThrottle, email: str, address: str, *, times: int = 1) -> None:
    """Failed attempts, each checked first as login does."""
    for _ in range(times):
        throttle.check(email=email, address=address)
        throttle.failed(email=email, address=address)


def test_throttle_memory_is_bounded_and_old_entries_are_dropped() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, max_keys=3, window_s=60)
    for n in range(10):
        fail(throttle, f"u{n}@x.test", f"192.0.2.{n}")
    assert throttle.tracked() == (3, 3)
    # The most recently failed keys are the ones kept.
    fail(throttle, "u9@x.test", "192.0.2.100", times=4)
    with pytest.raises(LoginThrottled):
        throttle.check(email="u9@x.test", address="192.0.2.101")
    clock.now += 61
    fail(throttle, "fresh@x.test", "192.0.2.200")
    assert throttle.tracked() == (1, 1)


# --- tokens never in URLs -----------------------------------------------------------------

SECRET_NAME = re.compile(
    r"(^|[_-])(access[_-]?)?token$|api[_-]?key|apikey|secret|password|passwd|bearer|jwt|"
    r"^auth(orization)?$|^session$|^key$",
    re.IGNORECASE,
)


def query_secrets(app: FastAPI) -> list[str]:
    """Every query parameter, in the OpenAPI document or on any route, named like a secret."""
    found: list[str] = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for param in operation.get("parameters", []):
                if param["in"] == "query" and SECRET_NAME.search(param["name"]):
                    found.append(f"{method.upper()} {path} ?{param['name']}")
    for route in app.routes:
        if isinstance(route, APIRoute | APIWebSocketRoute):
            for name in query_names(route.dependant):
                if SECRET_NAME.search(name):
                    found.append(f"{route.path} ?{name}")
    return found


def query_names(dependant: Dependant) -> list[str]:
    """The query parameters a route's handler and all its dependencies declare."""
    names = [param.alias for param in dependant.query_params]
    for sub in dependant.dependencies:
        names.extend(query_names(sub))
    return names


def test_the_query_walk_catches_a_token_parameter() -> None:
    app = FastAPI()

    @app.get("/leaky")
    async def leaky(access_token: str, token_id: int = 0) -> dict[str, Any]:
        return {}

    @app.get("/hidden", include_in_schema=False)
    async def hidden(api_key: str) -> dict[str, Any]:
        return {}

    assert sorted(query_secrets(app)) == [
        "/hidden ?api_key",
        "/leaky ?access_token",
        "GET /leaky ?access_token",
    ]


def test_no_route_takes_a_token_in_the_query_string(tmp_path: Path) -> None:
    """Tokens travel in the Authorization header or the cookie; the socket takes a one-use
    ticket (docs/realtime.md). Walks the OpenAPI document and every route, hidden ones too."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"
    settings = Settings(dev=True, database_url=url, argon2_time_cost=1, argon2_memory_kib=8)
    assert query_secrets(create_app(settings)) == []


async def test_a_token_in_the_query_string_is_ignored(world: World, org_a: Org) -> None:
    token = org_a.admin["authorization"][7:]
    world.client.cookies.clear()  # the login left a session cookie
    r = await world.client.get(f"{ME}?access_token={token}")
    problem(r, 401)


# --- authentication in one query ----------------------------------------------------------


async def test_authenticate_is_one_select_and_refuses_revoked_expired_inactive_cross_org(
    world: World, org_a: Org, org_b: Org
) -> None:
    statements: list[str] = []

    def count(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sync_engine = world.state.engine.sync_engine
    bob_h = await world.user(org_a, "bob")
    good = bob_h["authorization"][7:]
    async with world.state.sessions() as session:
        bob = await session.scalar(select(User).where(User.email == "bob@alpha.test"))
        assert bob is not None
        rows = {
            "revoked": await _token(session, bob, org_id=org_a.id, revoked_at=utcnow()),
            "expired": await _token(
                session, bob, org_id=org_a.id, expires_at=utcnow() - timedelta(seconds=1)
            ),
            "live": await _token(
                session, bob, org_id=org_a.id, expires_at=utcnow() + timedelta(hours=1)
            ),
            # A token row naming another organization than its user's.
            "cross_org": await _token(session, bob, org_id=org_b.id),
        }
        await session.commit()

    async def check(token: str) -> bool:
        async with world.state.sessions() as session:
            event.listen(sync_engine, "before_cursor_execute", count)
            try:
                found = await authenticate(session, token=token)
            finally:
                event.remove(sync_engine, "before_cursor_execute", count)
            return found is not None

    statements.clear()
    assert await check(good)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "JOIN" in selects[0].upper(), statements
    assert await check(rows["live"])
    assert not await check(rows["revoked"])
    assert not await check(rows["expired"])
    assert not await check(rows["cross_org"])
    assert not await check("gch_unknown")
    async with world.state.sessions() as session:
        row = await session.get(User, bob.id)
        assert row is not None
        row.is_active = False
        await session.commit()
    assert not await check(good)
    assert not await check(rows["live"])


async def _token(session: AsyncSession, user: User, *, org_id: int, **fields: Any) -> str:
    token = new_token()
    session.add(
        AuthToken(
            org_id=org_id,
            user_id=user.id,
            kind="session",
            name="test",
            token_hash=token_digest(token),
            prefix=token[:12],
            **fields,
        )
    )
    await session.flush()
    return token
