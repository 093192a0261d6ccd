"""Helpers for socket tests: the app behind Starlette's TestClient, members, frame readers.

The TestClient runs the app on its own event loop in a thread, so every database step of the
setup goes through ``client.portal``, and publishes come straight from the test thread (the bus
wakes waiters on their own loop).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from guichet.actions.orgs import do_create_organization
from guichet.actions.users import do_create_user
from guichet.api import create_app
from guichet.api.deps import AppState
from guichet.config import Settings
from guichet.persistence.db import create_engine
from guichet.persistence.models import Base, Organization, User
from guichet.realtime import default_snapshot
from tests.conftest import Database
from tests.factories import PASSWORD
from tests.live.invariants import check_app

HEARTBEAT_S = 0.2
MAX_EVENTS = 20


@dataclass
class Member:
    """A logged-in user of one organization."""

    org_id: int
    user_id: int
    headers: dict[str, str]


@dataclass
class Live:
    """The app served by a TestClient, and ways to populate and reach it."""

    app: FastAPI
    client: TestClient

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.guichet
        return state

    def member(self, slug: str, name: str = "ada", roles: tuple[str, ...] = ("agent",)) -> Member:
        """User ``<name>@<slug>.test`` (the organization is made on first use), logged in."""

        async def make() -> tuple[int, int]:
            async with self.state.sessions() as session:
                org_id = await session.scalar(
                    select(Organization.id).where(Organization.slug == slug)
                )
                if org_id is None:
                    org = await do_create_organization(session, name=slug.title(), slug=slug)
                    org_id = org.id
                user = await do_create_user(
                    session,
                    passwords=self.state.passwords,
                    org_id=org_id,
                    email=f"{name}@{slug}.test",
                    display_name=name.title(),
                    password=PASSWORD,
                    roles=roles,
                )
                return org_id, user.id

        org_id, user_id = self.client.portal.call(make)  # type: ignore[union-attr]
        r = self.client.post(
            "/api/v1/auth/login", json={"email": f"{name}@{slug}.test", "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        return Member(org_id, user_id, {"authorization": f"Bearer {r.json()['access_token']}"})

    def ticket(self, member: Member) -> str:
        r = self.client.post("/api/v1/ws/tickets", headers=member.headers)
        assert r.status_code == 201, r.text
        ticket: str = r.json()["ticket"]
        return ticket

    def connect(self, member: Member) -> Any:
        return self.client.websocket_connect(f"/api/v1/ws?ticket={self.ticket(member)}")

    def publish(self, member: Member, event: dict[str, Any]) -> None:
        self.state.bus.publish(member.org_id, event, user_ids=[member.user_id])

    def deactivate(self, member: Member) -> None:
        """Mark the user inactive straight in the database (their tokens stay valid)."""
        self.update_user(member, is_active=False)

    def update_user(self, member: Member, **fields: Any) -> None:
        """Change columns of the user's row straight in the database."""

        async def run() -> None:
            async with self.state.sessions() as session:
                user = await session.get(User, member.user_id)
                assert user is not None
                for name, value in fields.items():
                    setattr(user, name, value)
                await session.commit()

        self.client.portal.call(run)  # type: ignore[union-attr]


def frame(ws: WebSocketTestSession, op: str, *, limit: int = 50) -> dict[str, Any]:
    """The next frame with ``op``, skipping heartbeats (which keep this from blocking)."""
    for _ in range(limit):
        got: dict[str, Any] = ws.receive_json()
        if got["op"] == op:
            return got
        assert got["op"] == "heartbeat", got
    raise AssertionError(f"no {op!r} frame")


def register(ws: WebSocketTestSession, **extra: Any) -> dict[str, Any]:
    ws.send_json({"op": "register", **extra})
    return frame(ws, "registered")


def ids(events_frame: dict[str, Any]) -> list[int]:
    return [event["id"] for event in events_frame["events"]]


def closed_with(ws_context: Any) -> int:
    """Open a socket expected to be closed by the server; the close code."""
    with pytest.raises(WebSocketDisconnect) as info, ws_context as ws:
        frame(ws, "never")
    return info.value.code


@contextmanager
def serve(database: Database) -> Iterator[Live]:
    """The app with its tables, heartbeats every 0.2 s and small event queues."""
    settings = Settings(
        dev=True,
        database_url=database.url,
        database_schema=database.schema,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        ws_heartbeat_s=HEARTBEAT_S,
        event_queue_max_events=MAX_EVENTS,
    )

    async def create_tables() -> None:
        engine = create_engine(database.url, search_path=database.schema)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await engine.dispose()

    app = create_app(settings)
    # The contract's default snapshot, whatever the live runtime installs: these tests are
    # about the socket, not about what a snapshot holds.
    app.state.guichet.snapshots = default_snapshot
    with TestClient(app) as client:
        client.portal.call(create_tables)  # type: ignore[union-attr]
        yield Live(app=app, client=client)
        # Issue 12: what routing left holds every invariant (tests/live/invariants.py).
        client.portal.call(check_app, app.state.guichet)  # type: ignore[union-attr]


def until_closed(ws: WebSocketTestSession, *, limit: int = 200) -> int:
    """Read frames until the server closes the socket; the close code."""
    try:
        for _ in range(limit):
            ws.receive_json()
    except WebSocketDisconnect as exc:
        return exc.code
    raise AssertionError("the socket stayed open")
