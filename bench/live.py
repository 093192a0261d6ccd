"""Live service speed over a real server: intake to offer on the agent's socket, on both databases.

Prints {"sqlite": {"agents", "interactions", "routed_per_s", "offer_p50_ms", "offer_p99_ms",
"messages_per_s", ..., "inprocess_routed_per_s", "engine_only_routed_per_s"}, "postgresql": ...}.
Per database (a SQLite temporary file; a fresh PostgreSQL schema, dropped afterwards): seeded
with the package's actions, `guichet serve` in a subprocess on 127.0.0.1, `--agents` agents
logged in over HTTP, each on a WebSocket, in the queue and available; `--interactions` chats
posted by `--concurrency` httpx clients. Offer latency: from sending the POST to the offer on
the agent's socket; routed/s: offered chats over the time from the first POST to the last
offer; messages/s: `--messages` agent messages on `--accept` accepted chats, until the last
one reaches its socket. Baselines of the same run: the intake action in-process, and the bare
engine. See docs/performance.md ("Live service"). Run: `.venv/bin/python bench/live.py --json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from guichet.actions.interactions import do_intake
from guichet.domain.enums import AgentState, Channel
from guichet.live import LiveRegistry
from guichet.persistence.db import create_engine, session_factory
from guichet.persistence.models import AgentPresence
from guichet.routing import (
    AgentConfig,
    AgentStateChanged,
    InteractionArrived,
    QueueConfig,
    RoutingConfig,
    RoutingEngine,
)
from live_support import (
    DEFAULT_PG,
    PASSWORD,
    STEP_S,
    CpuMeter,
    Database,
    Recorder,
    Seeded,
    bounded,
    call,
    follow,
    open_socket,
    pct,
    postgres_db,
    seed,
    server,
    sqlite_db,
)

Headers = dict[str, str]


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


async def inprocess(db: Database, args: argparse.Namespace) -> float:
    """Baseline: intake through the action the route calls, in this process (routed per s)."""
    seeded = await seed(db, args.agents)
    engine = create_engine(db.url, search_path=db.schema)
    sessions = session_factory(engine)
    async with sessions() as s:  # saved as available: recovery brings them back so
        s.add_all(
            AgentPresence(
                user_id=uid,
                org_id=seeded.org_id,
                presence="available",
                state="offline",
                queue_ids=[seeded.queue_id],
            )
            for uid in seeded.agent_ids
        )
        await s.commit()
    live = LiveRegistry(sessions=sessions, publisher=lambda: None)
    body = {"channel": "chat", "queue_id": seeded.queue_id, "context": {}, "contact": None}
    body |= dict.fromkeys(("caller_id", "skill_id", "flow_id", "priority"))

    async def one() -> bool:
        async with sessions() as s:
            answer, _ = await do_intake(
                s, live, org_id=seeded.org_id, actor_id=seeded.agent_ids[0], body=body, key=None
            )
            return bool(answer["status"] == "offered")

    try:
        await live.router(seeded.org_id)
        t0 = time.perf_counter()
        offered = sum(await bounded(args.concurrency, [one] * args.interactions))
        return round(offered / (time.perf_counter() - t0), 1)
    finally:
        await live.stop()
        await engine.dispose()


async def login(client: httpx.AsyncClient, email: str) -> Headers:
    """Bearer headers for ``email``."""
    got = await call(
        client, "POST", "/api/v1/auth/login", {}, {"email": email, "password": PASSWORD}
    )
    return {"authorization": f"Bearer {got['access_token']}"}


async def stream(
    base: str, intake: Headers, seeded: Seeded, recorder: Recorder, args: argparse.Namespace
) -> tuple[dict[str, Any], list[int]]:
    """Post the chats from `--concurrency` clients; figures, and the ids offered."""
    starts: dict[int, float] = {}
    answers: list[float] = []
    expected: set[int] = set()
    todo = iter(range(args.interactions))
    body = {"channel": "chat", "queue_id": seeded.queue_id}

    async def poster() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=STEP_S) as client:
            for _ in todo:
                t0 = time.perf_counter()
                got = await call(client, "POST", "/api/v1/interactions", intake, body)
                answers.append(time.perf_counter() - t0)
                starts[got["id"]] = t0
                if got["status"] == "offered":
                    expected.add(got["id"])

    t_begin = time.perf_counter()
    await asyncio.gather(*(poster() for _ in range(args.concurrency)))
    await recorder.wait_for(lambda: expected <= recorder.offers.keys())
    offered = [i for i in starts if i in recorder.offers]
    t_end = max((recorder.offers[i][0] for i in offered), default=time.perf_counter())
    waits = [recorder.offers[i][0] - starts[i] for i in offered]
    return {
        "routed_per_s": round(len(offered) / (t_end - t_begin), 1),
        "offer_p50_ms": round(statistics.median(waits) * 1000, 2) if waits else None,
        "offer_p99_ms": pct(waits, 0.99) if waits else None,
        "offered": len(offered),
        "intake_http_p50_ms": round(statistics.median(answers) * 1000, 2),
        "intake_http_p99_ms": pct(answers, 0.99),
    }, offered


async def chat(
    client: httpx.AsyncClient,
    heads: list[Headers],
    offered: list[int],
    recorder: Recorder,
    args: argparse.Namespace,
) -> float:
    """Accept `--accept` offers, post `--messages` agent messages; messages per second."""
    mine = [(iid, heads[recorder.offers[iid][1]]) for iid in offered[: args.accept]]
    accepts = [
        lambda i=i, h=h: call(client, "POST", f"/api/v1/agent/offers/{i}/accept", h)
        for i, h in mine
    ]
    await bounded(args.concurrency, accepts)
    if not mine or args.messages <= 0:
        return 0.0
    seen = len(recorder.messages)
    jobs = [
        lambda k=k, i=mine[k % len(mine)]: call(
            client, "POST", f"/api/v1/interactions/{i[0]}/messages", i[1], {"body": f"m{k}"}
        )
        for k in range(args.messages)
    ]
    t0 = time.perf_counter()
    await bounded(args.concurrency, jobs)
    posted = time.perf_counter()
    await recorder.wait_for(lambda: len(recorder.messages) - seen >= args.messages)
    arrived = recorder.messages[seen:]
    return round(len(arrived) / (max([posted, *arrived]) - t0), 1)


async def over_http(db: Database, args: argparse.Namespace) -> dict[str, Any]:
    """The server in a subprocess, agents on sockets, the chats and messages over HTTP."""
    seeded = await seed(db, args.agents)
    recorder = Recorder()
    limits = httpx.Limits(max_connections=args.concurrency)
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            server(db, Path(tmp)) as (base, pid),
            httpx.AsyncClient(base_url=base, timeout=STEP_S, limits=limits) as client,
        ):
            intake = await login(client, seeded.intake_email)
            logins = [lambda e=e: login(client, e) for e in seeded.agent_emails]
            heads: list[Headers] = await bounded(args.concurrency, logins)
            client.cookies.clear()  # bearer tokens only from here on
            opens = [lambda h=h: open_socket(client, base, h) for h in heads]
            sockets = await bounded(args.concurrency, opens)
            readers = [asyncio.create_task(follow(ws, n, recorder)) for n, ws in enumerate(sockets)]
            try:
                queues = {"queue_ids": [seeded.queue_id]}
                await bounded(
                    args.concurrency,
                    [
                        lambda h=h: call(client, "PUT", "/api/v1/agent/queues", h, queues)
                        for h in heads
                    ],
                )
                available = {"state": "available"}
                await bounded(
                    args.concurrency,
                    [
                        lambda h=h: call(client, "PUT", "/api/v1/agent/state", h, available)
                        for h in heads
                    ],
                )
                meter = CpuMeter(pid)
                figures, offered = await stream(base, intake, seeded, recorder, args)
                cpu = meter.cores()
                messages_per_s = await chat(client, heads, offered, recorder, args)
            finally:
                for ws in sockets:
                    await ws.close()
                async with asyncio.timeout(STEP_S):
                    done = await asyncio.gather(*readers, return_exceptions=True)
            for result in done:
                if isinstance(result, BaseException):
                    raise result
    return {
        "agents": args.agents,
        "interactions": args.interactions,
        **figures,
        "messages": args.messages,
        "messages_per_s": messages_per_s,
        **cpu,
    }


async def measure(db: Database, args: argparse.Namespace) -> dict[str, Any]:
    """One database: over HTTP, then the two baselines."""
    async with asyncio.timeout(args.timeout):
        out = await over_http(db, args)
        out["inprocess_routed_per_s"] = await inprocess(db, args)
    out["engine_only_routed_per_s"] = round(engine_only(args.agents, args.interactions), 1)
    return out


async def postgres_answers(url: str) -> str | None:
    """None when PostgreSQL at ``url`` answers; else why not."""
    engine = create_engine(url)
    try:
        async with asyncio.timeout(10), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:
        return str(exc).splitlines()[0] or type(exc).__name__
    finally:
        await engine.dispose()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Both databases, one after the other."""
    out: dict[str, Any] = {}
    async with sqlite_db() as db:
        out["sqlite"] = await measure(db, args)
    pg = os.environ.get("GUICHET_BENCH_POSTGRES_URL", DEFAULT_PG)
    why = await postgres_answers(pg)
    if why is not None:
        out["postgresql"] = {"skipped": why}
        return out
    async with postgres_db(pg) as db:
        out["postgresql"] = await measure(db, args)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--interactions", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--accept", type=int, default=100, help="offers accepted before messages")
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=150, help="seconds per database at most")
    parser.add_argument("--json", action="store_true", help="one JSON object on one line")
    args = parser.parse_args()
    result = asyncio.run(main(args))
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
