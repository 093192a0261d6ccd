"""Build organizations, users and logged-in clients for API tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from guichet.actions.orgs import do_create_organization
from guichet.actions.users import do_create_user
from guichet.api.deps import AppState

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


@dataclass
class Org:
    """An organization with an administrator's auth headers."""

    id: int
    slug: str
    admin: dict[str, str]
    admin_id: int
    users: dict[str, int] = field(default_factory=dict)


@dataclass
class World:
    """The app under test, its HTTP client, and ways to populate it."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def state(self) -> AppState:
        """The app's state (sessions, settings, password hasher)."""
        state: AppState = self.app.state.guichet
        return state

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        """Log in over HTTP and return bearer headers."""
        r = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert r.status_code == 200, r.text
        return {"authorization": f"Bearer {r.json()['access_token']}"}

    async def org(self, slug: str | None = None) -> Org:
        """A new organization with an administrator ``ada@<slug>.test``."""
        slug = slug or f"org{next(_seq)}"
        async with self.state.sessions() as session:
            org = await do_create_organization(session, name=slug.title(), slug=slug)
            admin = await do_create_user(
                session,
                passwords=self.state.passwords,
                org_id=org.id,
                email=f"ada@{slug}.test",
                display_name="Ada Admin",
                password=PASSWORD,
                roles=["administrator", "supervisor", "agent"],
            )
        headers = await self.login(f"ada@{slug}.test")
        return Org(id=org.id, slug=slug, admin=headers, admin_id=admin.id)

    async def user(
        self, org: Org, name: str, roles: Iterable[str] = ("agent",), **extra: Any
    ) -> dict[str, str]:
        """A user ``<name>@<slug>.test`` with ``roles``; returns their auth headers."""
        email = f"{name}@{org.slug}.test"
        async with self.state.sessions() as session:
            user = await do_create_user(
                session,
                passwords=self.state.passwords,
                org_id=org.id,
                email=email,
                display_name=name.title(),
                password=PASSWORD,
                roles=roles,
                **extra,
            )
        org.users[name] = user.id
        return await self.login(email)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert ``response`` is an RFC 9457 problem with ``status`` and return its body."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body
