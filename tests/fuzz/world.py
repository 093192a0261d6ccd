"""A real ``guichet serve`` on 127.0.0.1 with two organizations, for the schemathesis run.

The fuzzed organization is the demo one (``guichet demo``) plus a few live chats; the rival
organization is made through the API by its own administrator (``guichet user create``), with
one or more objects of every kind, and every id it owns is collected.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from guichet.actions.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.conftest import Database
from tests.fuzz.ids import IdBook

RIVAL_SLUG = "rival"
RIVAL_ADMIN = "root@rival.test"
RIVAL_PASSWORD = "rival-password"
ADMIN_EMAIL = f"ada.admin@{DEMO_DOMAIN}"
AGENT_EMAIL = f"alice.agent@{DEMO_DOMAIN}"
# Hurt by the fuzzing in place of the fuzzing users themselves (see ``Protection``).
VICTIM_EMAIL = f"david.agent@{DEMO_DOMAIN}"

# Lists a user reads without path parameters: the ids of an organization are collected there.
LISTS = (
    "/api/v1/me",
    "/api/v1/me/tokens",
    "/api/v1/users",
    "/api/v1/departments",
    "/api/v1/groups",
    "/api/v1/skills",
    "/api/v1/queues",
    "/api/v1/campaigns",
    "/api/v1/pause-reasons",
    "/api/v1/labels",
    "/api/v1/canned-messages",
    "/api/v1/dispositions",
    "/api/v1/tags",
    "/api/v1/interactions",
    "/api/v1/targeting-rules",
    "/api/v1/flows",
    "/api/v1/access-roles",
    "/api/v1/contacts",
    "/api/v1/export-jobs",
    "/api/v1/supervision/live",
    "/api/v1/agent",
)


GUICHET = (sys.executable, "-m", "guichet.cli")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database: Database, data_dir: Path) -> dict[str, str]:
    """The environment of the server and the CLI commands for ``database``."""
    env = {
        **os.environ,
        "GUICHET_DEV": "1",
        "GUICHET_DATABASE_URL": database.url,
        "GUICHET_DATA_DIR": str(data_dir),
        "GUICHET_ARGON2_TIME_COST": "1",
        "GUICHET_ARGON2_MEMORY_KIB": "8",
        # The fuzzer tries wrong passwords (login, password change) thousands of times from
        # 127.0.0.1; with the default limits the fuzzing users could not log in again after a
        # repair. Throttling has its own tests (tests/api/test_auth.py).
        "GUICHET_LOGIN_MAX_FAILURES_PER_ACCOUNT": "1000000",
        "GUICHET_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000",
    }
    if database.schema:
        env["GUICHET_DATABASE_SCHEMA"] = database.schema
    return env


def cli(env: dict[str, str], *args: str) -> str:
    """Run ``guichet <args>``; its output."""
    done = subprocess.run(
        [*GUICHET, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[str]:
    """A ``guichet serve`` subprocess on a free port of 127.0.0.1; yields its base URL."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*GUICHET, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def login(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    """Bearer headers of a password login (docs/api/auth.md)."""
    r = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def call(client: httpx.Client, method: str, url: str, h: dict[str, str], body: Any = None) -> Any:
    """One set-up request that must succeed; its JSON body (None for 204)."""
    r = client.request(method, url, json=body, headers=h)
    assert r.status_code in (200, 201, 202, 204), (method, url, r.status_code, r.text)
    return r.json() if r.status_code != 204 else None


def collect(client: httpx.Client, h: dict[str, str], book: IdBook) -> None:
    """Record the ids of every list the user ``h`` reads (403 lists are skipped)."""
    for url in LISTS:
        r = client.get(url, headers=h)
        if r.status_code == 200:
            book.add_answer(r.json(), url)


@dataclass
class World:
    """The running server and what the run needs to know about its two organizations."""

    base: str
    env: dict[str, str]
    own: IdBook
    rival: IdBook
    users: dict[str, int] = field(default_factory=dict)

    def relogin(self, email: str) -> dict[str, str]:
        with httpx.Client(base_url=self.base, timeout=30) as c:
            return login(c, email, DEMO_PASSWORD)


def seed_rival(client: httpx.Client, env: dict[str, str]) -> IdBook:
    """The second organization, with objects of every kind, made by its administrator."""
    cli(
        env,
        "user",
        "create",
        "--email",
        RIVAL_ADMIN,
        "--org",
        RIVAL_SLUG,
        "--role",
        "administrator",
        "--role",
        "supervisor",
        "--role",
        "agent",
        "--password",
        RIVAL_PASSWORD,
    )
    book = IdBook()
    h = login(client, RIVAL_ADMIN, RIVAL_PASSWORD)

    def made(method: str, url: str, body: Any = None) -> Any:
        answer = call(client, method, url, h, body)
        if answer is not None:
            book.add_answer(answer, url)
        return answer

    me = made("GET", "/api/v1/me")
    dept = made("POST", "/api/v1/departments", {"name": "Rival desk"})
    made("POST", "/api/v1/departments", {"name": "Rival sub-desk", "parent_id": dept["id"]})
    agent = made(
        "POST",
        "/api/v1/users",
        {
            "email": "agent@rival.test",
            "display_name": "Rival Agent",
            "password": RIVAL_PASSWORD,
            "roles": ["agent"],
            "department_id": dept["id"],
        },
    )
    made("POST", "/api/v1/groups", {"name": "Rival group", "user_ids": [agent["id"]]})
    skill = made("POST", "/api/v1/skills", {"name": "Rival skill"})
    made("POST", "/api/v1/skills", {"name": "Rival child skill", "parent_id": skill["id"]})
    made(
        "POST",
        "/api/v1/skills/grants",
        {"user_ids": [agent["id"]], "skills": [{"skill_id": skill["id"], "proficiency": 3}]},
    )
    chat = made(
        "POST",
        "/api/v1/queues",
        {
            "kind": "chat",
            "name": "Rival chat",
            "channel_types": ["chat"],
            "wrap_up_s": 600,
            "offer_timeout_s": 600,
        },
    )
    made(
        "POST",
        "/api/v1/queues",
        {"kind": "call", "name": "Rival line", "extension": "2000", "channel_types": ["voice"]},
    )
    made(
        "PUT",
        f"/api/v1/queues/{chat['id']}/members",
        {"agents": [agent["id"], me["id"]], "supervisors": [me["id"]]},
    )
    campaign = made(
        "POST", "/api/v1/campaigns", {"name": "Rival renewals", "caller_id": "+33100000009"}
    )
    made(
        "PUT",
        f"/api/v1/campaigns/{campaign['id']}/members",
        {"agents": [agent["id"]], "supervisors": [me["id"]]},
    )
    made("POST", "/api/v1/pause-reasons", {"name": "Rival lunch"})
    made("POST", "/api/v1/labels", {"name": "Rival VIP"})
    made(
        "POST",
        "/api/v1/canned-messages",
        {"shortcut": "rv", "text": "Rival hello", "visibility": "public"},
    )
    made("POST", "/api/v1/dispositions", {"name": "Rival resolved"})
    tag = made("POST", "/api/v1/tags", {"name": "rival-tag"})
    made(
        "POST",
        "/api/v1/targeting-rules",
        {"name": "Rival rule", "action": {"queue_id": chat["id"]}},
    )
    made(
        "POST",
        "/api/v1/flows",
        {
            "name": "Rival flow",
            "graph": {
                "nodes": [
                    {
                        "id": "in",
                        "kind": "entry",
                        "entry_type": "widget",
                        "address": "rv",
                        "next": "q",
                    },
                    {
                        "id": "q",
                        "kind": "queue",
                        "queue_id": str(chat["id"]),
                        "on_timeout": "bye",
                        "on_exit": "bye",
                    },
                    {"id": "bye", "kind": "hangup"},
                ]
            },
        },
    )
    role = made("POST", "/api/v1/access-roles", {"name": "Rival lead"})
    made(
        "PUT",
        f"/api/v1/access-roles/{role['id']}/assignments",
        {"users": [agent["id"]], "departments": [dept["id"]], "groups": []},
    )
    made("POST", "/api/v1/me/tokens", {"name": "rival token"})
    # Live work: the rival agent takes one chat, ends it; others wait.
    ah = login(client, "agent@rival.test", RIVAL_PASSWORD)
    call(client, "PUT", "/api/v1/agent/queues", ah, {"queue_ids": [chat["id"]]})
    call(client, "PUT", "/api/v1/agent/state", ah, {"state": "available"})
    contact = {"name": "Rival Customer", "email": "customer@rival.test", "phone": "+33600000009"}
    taken = made(
        "POST",
        "/api/v1/interactions",
        {"channel": "chat", "queue_id": chat["id"], "contact": contact},
    )
    call(client, "POST", f"/api/v1/agent/offers/{taken['id']}/accept", ah)
    made("POST", f"/api/v1/interactions/{taken['id']}/messages", {"body": "hello from rival"})
    made("PUT", f"/api/v1/interactions/{taken['id']}/tags", {"tag_ids": [tag["id"]]})
    call(client, "POST", f"/api/v1/interactions/{taken['id']}/end", ah)
    made("POST", f"/api/v1/interactions/{taken['id']}/evaluations", {"score": 4})
    for _ in range(2):
        made("POST", "/api/v1/interactions", {"channel": "chat", "queue_id": chat["id"]})
    made("POST", "/api/v1/export-jobs", {"kind": "interactions"})
    collect(client, h, book)
    collect(client, ah, book)
    for iid in sorted(book.by_kind.get("interactions", set())):
        for sub in ("messages", "evaluations"):
            r = client.get(f"/api/v1/interactions/{iid}/{sub}", headers=h)
            if r.status_code == 200:
                book.add_answer(r.json(), f"/api/v1/interactions/{{iid}}/{sub}")
    return book


def seed_own(client: httpx.Client) -> tuple[IdBook, dict[str, int]]:
    """Live work in the demo organization: chats offered to and taken by the agent."""
    book = IdBook()
    admin = login(client, ADMIN_EMAIL, DEMO_PASSWORD)
    agent = login(client, AGENT_EMAIL, DEMO_PASSWORD)
    users = {u["email"]: u["id"] for u in call(client, "GET", "/api/v1/users", admin)}
    queues = {q["name"]: q["id"] for q in call(client, "GET", "/api/v1/queues", admin)}
    chat = queues["Web chat"]
    call(client, "PUT", "/api/v1/agent/queues", agent, {"queue_ids": [chat]})
    call(client, "PUT", "/api/v1/agent/state", agent, {"state": "available"})
    contact = {"name": "Demo Customer", "email": "customer@demo.test", "phone": "+33600000001"}
    made = [
        call(
            client,
            "POST",
            "/api/v1/interactions",
            admin,
            {"channel": "chat", "queue_id": chat, "contact": contact},
        )
        for _ in range(4)
    ]
    offered = [m for m in made if m["status"] == "offered"]
    if offered:
        call(client, "POST", f"/api/v1/agent/offers/{offered[0]['id']}/accept", agent)
        call(
            client,
            "POST",
            f"/api/v1/interactions/{offered[0]['id']}/messages",
            agent,
            {"body": "hi"},
        )
    call(client, "POST", "/api/v1/export-jobs", admin, {"kind": "interactions"})
    call(client, "POST", "/api/v1/me/tokens", admin, {"name": "own token"})
    collect(client, admin, book)
    collect(client, agent, book)
    return book, users
