"""Live runtime speed: intake to committed offer through the routing loop, on both databases.

Prints one JSON object:
{"sqlite": {"agents", "interactions", "routed_per_s", "offer_p50_ms", "offer_p99_ms",
            "messages_per_s", "engine_only_routed_per_s"},
 "postgresql": {...}}

For each database: an organization with `--agents` chat agents (capacity 3) logged in to one
queue and available; `--interactions` chats arrive `--concurrency` at a time through the same
action the API uses (`do_intake`: stored, routed, decisions committed, then published); the
offer latency is the time from the call to the committed offer. `engine_only_routed_per_s` is
the baseline measured in the same run: the same arrivals through the bare engine, no database.
PostgreSQL runs when `GUICHET_BENCH_POSTGRES_URL` (or the default local URL) answers.
Run: `.venv/bin/python bench/live.py` (under a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text

from guichet.actions.interactions import do_intake, do_post_message
from guichet.actions.orgs import do_create_organization
from guichet.domain.enums import AgentState, Channel
from guichet.live import LiveRegistry
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.models import AgentPresence, Base, Interaction, Queue, QueueMember, User
from guichet.routing import (
    AgentConfig,
    AgentStateChanged,
    InteractionArrived,
    QueueConfig,
    RoutingConfig,
    RoutingEngine,
)

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def engine_only(agents: int, interactions: int) -> float:
    """Baseline: the same arrivals through the bare engine (routed per second)."""
    config = RoutingConfig(
        agents=tuple(
            AgentConfig(str(i), queues=("q",), capacity={Channel.CHAT: 3}) for i in range(agents)
        ),
        queues=(QueueConfig("q", channels=(Channel.CHAT,)),),
    )
    engine = RoutingEngine(config)
    for i in range(agents):
        engine.handle(AgentStateChanged(str(i), AgentState.AVAILABLE), 0.0)
    t0 = time.perf_counter()
    for i in range(interactions):
        engine.handle(InteractionArrived(f"i{i}", Channel.CHAT, queue_id="q"), 1.0)
    return interactions / (time.perf_counter() - t0)


async def _seed(url: str, schema: str | None, agents: int) -> tuple[Any, int, int, list[int]]:
    engine = create_engine(url, search_path=schema)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    sessions = session_factory(engine)
    async with sessions() as s:
        org = await do_create_organization(s, name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}")
        queue = Queue(org_id=org.id, kind="chat", name="Web", name_key="web")
        queue.channel_types = ["chat"]
        queue.offer_timeout_s = 600
        s.add(queue)
        await s.flush()
        users = []
        for i in range(agents):
            u = User(
                org_id=org.id,
                email=f"a{i}-{org.id}@bench.test",
                display_name=f"Agent {i}",
                password_hash=None,
                roles=["agent"],
                capacity={"chat": 3},
                budget=1000,
            )
            s.add(u)
            users.append(u)
        await s.flush()
        for i, u in enumerate(users):
            s.add(QueueMember(queue_id=queue.id, user_id=u.id, role="agent", position=i))
            s.add(
                AgentPresence(
                    user_id=u.id,
                    org_id=org.id,
                    presence="available",
                    state="offline",
                    queue_ids=[queue.id],
                )
            )
        await s.commit()
        return engine, org.id, queue.id, [u.id for u in users]


async def run(url: str, schema: str | None, args: argparse.Namespace) -> dict[str, Any]:
    """One database's figures."""
    engine, org_id, queue_id, users = await _seed(url, schema, args.agents)
    sessions = session_factory(engine)
    live = LiveRegistry(sessions=sessions, publisher=lambda: None)
    await live.router(org_id)  # recovery path: agents come back available
    latencies: list[float] = []
    sem = asyncio.Semaphore(args.concurrency)

    async def one(i: int) -> None:
        async with sem, sessions() as s:
            t0 = time.perf_counter()
            body = {
                "channel": "chat",
                "queue_id": queue_id,
                "context": {},
                "contact": None,
                "caller_id": None,
                "skill_id": None,
                "flow_id": None,
                "priority": None,
            }
            answer, _ = await do_intake(
                s, live, org_id=org_id, actor_id=users[0], body=body, key=None
            )
            latencies.append(time.perf_counter() - t0)
            assert answer["status"] == "offered", answer

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(args.interactions)))
    routed_s = time.perf_counter() - t0
    async with sessions() as s:
        targets = list((await s.execute(text("SELECT id FROM interactions LIMIT 20"))).scalars())
        await s.rollback()

    async def message(i: int) -> None:
        async with sem, sessions() as s:
            row = await s.get(Interaction, targets[i % len(targets)])
            assert row is not None
            await do_post_message(s, live, row=row, sender="contact", user_id=None, text=f"m{i}")

    t0 = time.perf_counter()
    await asyncio.gather(*(message(i) for i in range(args.messages)))
    messages_s = time.perf_counter() - t0
    await live.stop()
    await engine.dispose()
    return {
        "agents": args.agents,
        "interactions": args.interactions,
        "routed_per_s": round(args.interactions / routed_s, 1),
        "offer_p50_ms": round(statistics.median(latencies) * 1000, 2),
        "offer_p99_ms": round(_pct(latencies, 0.99) * 1000, 2),
        "messages_per_s": round(args.messages / messages_s, 1),
        "engine_only_routed_per_s": round(engine_only(args.agents, args.interactions), 1),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Both databases."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = await run(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}", None, args)
    pg = os.environ.get("GUICHET_BENCH_POSTGRES_URL", DEFAULT_PG)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # no PostgreSQL here: say so rather than fail
        out["postgresql"] = {"skipped": str(exc).splitlines()[0]}
        await admin.dispose()
        return out
    try:
        out["postgresql"] = await run(pg, schema, args)
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--interactions", type=int, default=500)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="one JSON object on one line")
    args = parser.parse_args()
    result = asyncio.run(main(args))
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
