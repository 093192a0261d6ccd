"""Set up a small contact center over the API: skills, a queue, agents logged in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from guichet.persistence.models import AccessRole, RoleAssignment
from tests.factories import Org
from tests.live.conftest import LiveWorld


async def post(world: LiveWorld, url: str, headers: dict[str, str], body: Any) -> Any:
    """POST and check success; returns the JSON body."""
    r = await world.client.post(url, json=body, headers=headers)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def put(world: LiveWorld, url: str, headers: dict[str, str], body: Any) -> Any:
    """PUT and check success; returns the JSON body."""
    r = await world.client.put(url, json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def skill(world: LiveWorld, org: Org, name: str) -> int:
    """A new skill's id."""
    created = await post(world, "/api/v1/skills", org.admin, {"name": name})
    return int(created["id"])


async def queue(world: LiveWorld, org: Org, name: str, **settings: Any) -> int:
    """A new chat queue's id (chat channel unless told)."""
    body = {"kind": "chat", "name": name, "channel_types": ["chat"], **settings}
    created = await post(world, "/api/v1/queues", org.admin, body)
    return int(created["id"])


async def agent(
    world: LiveWorld,
    org: Org,
    name: str,
    *,
    queues: list[int],
    skills: dict[int, int] | None = None,
    available: bool = True,
    roles: tuple[str, ...] = ("agent",),
) -> dict[str, str]:
    """An agent member of ``queues`` with ``skills``, logged in and (by default) available."""
    headers = await world.user(org, name, roles=roles)
    uid = org.users[name]
    for qid in queues:
        r = await world.client.get(f"/api/v1/queues/{qid}/members", headers=org.admin)
        members = r.json()
        await put(
            world,
            f"/api/v1/queues/{qid}/members",
            org.admin,
            {"agents": [*members["agents"], uid], "supervisors": members["supervisors"]},
        )
    if skills:
        body = [{"skill_id": s, "proficiency": p} for s, p in skills.items()]
        await put(world, f"/api/v1/users/{uid}/skills", org.admin, body)
    await put(world, "/api/v1/agent/queues", headers, {"queue_ids": queues})
    if available:
        await put(world, "/api/v1/agent/state", headers, {"state": "available"})
    return headers


async def phone_flow(world: LiveWorld, org: Org, queue_id: int, wait_s: int) -> dict[str, Any]:
    """A flow: phone entry, the queue node (``wait_s`` timeout; `*` or timeout: goodbye)."""
    graph = {
        "nodes": [
            {"id": "in", "kind": "entry", "entry_type": "phone", "address": "+33 1 23 45 67 89",
             "next": "q"},
            {"id": "q", "kind": "queue", "queue_id": str(queue_id), "wait_timeout_s": wait_s,
             "on_timeout": "bye", "on_exit": "bye"},
            {"id": "bye", "kind": "hangup", "message": "Goodbye."},
        ]
    }  # fmt: skip
    created: dict[str, Any] = await post(
        world, "/api/v1/flows", org.admin, {"name": "Main", "graph": graph}
    )
    return created


async def chat(world: LiveWorld, org: Org, **body: Any) -> dict[str, Any]:
    """A new chat interaction (as the organization's administrator)."""
    body.setdefault("channel", "chat")
    r = await world.client.post("/api/v1/interactions", json=body, headers=org.admin)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def grant_role(world: LiveWorld, org: Org, name: str, key: str = "manager") -> None:
    """Give user ``name`` a predefined access-rights role (R-A-1): ``manager`` reads the
    history of the conversations they handled, ``director`` all of them (R-A-2)."""
    uid = org.users[name]
    async with world.state.sessions() as s:
        role = await s.scalar(
            select(AccessRole).where(AccessRole.org_id == org.id, AccessRole.key == key)
        )
        assert role is not None
        s.add(RoleAssignment(org_id=org.id, role_id=role.id, user_id=uid, target_key=f"user:{uid}"))
        await s.commit()
