"""Analytics speed on both databases: projection, the three dashboards over 30 days, CSV export.

Prints {"sqlite": {"interactions", "events", "dashboards_s": {"callers_in_queue",
"agent_performance", "resolved_conversations"}, "export_rows_per_s", "export_peak_mem_mb",
"projection_events_per_s", "insert_rows_per_s", "baseline_count_s", ...}, "postgresql": ...}.
Per database (a SQLite file in a temporary directory; a fresh PostgreSQL schema, dropped
afterwards): migrated, then `--interactions` interactions over 30 days from
`guichet_testing.simlog.synthetic_log` (about 10 event-log rows each) bulk-inserted; the
projector folds the whole log (`store.catch_up`: events per second); each dashboard query of
`guichet.analytics.queries` over the 30 days, best of three; the full CSV export of the
interactions (`analytics.jobs.write_csv`, the export job's writer): rows per second, then
again under tracemalloc for the peak Python memory. Baseline of the same run: a plain
`SELECT count(*)` over the projected interactions. See docs/performance.md ("Analytics").
Run: `.venv/bin/python bench/analytics.py --json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.progress import Progress
from sqlalchemy import func, select, text

from guichet.analytics import queries, store
from guichet.analytics.exports import Request
from guichet.analytics.jobs import write_csv
from guichet.analytics.metrics import Filters
from guichet.authz.access import Scope, Subject, grants
from guichet.persistence.db import create_engine, read_session_factory, session_factory
from guichet.persistence.migrate import upgrade
from guichet.persistence.models import AnalyticsInteraction
from guichet_testing.simlog import Batch, insert_log, next_ids, synthetic_log
from live_support import DEFAULT_PG, Database, postgres_db, sqlite_db

DAYS = 30
START = datetime(2026, 10, 1, tzinfo=UTC)
TZ = "Europe/Paris"


async def best_of(runs: int, job: Callable[[], Awaitable[Any]]) -> float:
    """The shortest wall time of `runs` calls of `job`."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        await job()
        best = min(best, time.perf_counter() - t0)
    return best


async def measure(db: Database, args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    """Fill, project, query and export one database; the figures."""
    out: dict[str, Any] = {"interactions": args.interactions}
    await upgrade(db.url, search_path=db.schema)
    engine = create_engine(db.url, search_path=db.schema)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            source = synthetic_log(
                args.interactions, start=START, days=DAYS, timezone=TZ, ids=await next_ids(session)
            )
            task = progress.add_task(f"{db.name}: insert", total=DAYS)
            gen_s = 0.0
            days = source.batches

            def batches() -> Iterator[Batch]:
                nonlocal gen_s
                made = iter(days())
                while True:
                    t0 = time.perf_counter()
                    batch = next(made, None)
                    gen_s += time.perf_counter() - t0
                    if batch is None:
                        return
                    yield batch
                    progress.advance(task)

            source.batches = batches  # the same days, with generation timed apart
            t0 = time.perf_counter()
            inserted = await insert_log(session, source, slug=f"bench-{db.name}")
            insert_s = time.perf_counter() - t0 - gen_s
            # A month of log arrives in seconds here, not over a month: give the planner the
            # statistics autovacuum (or SQLite's optimize) keeps for a table that grew slowly.
            await session.execute(text("ANALYZE interaction_events"))
            await session.commit()
            out["events"] = inserted.events
            out["events_per_interaction"] = round(
                inserted.events / max(1, inserted.interactions), 2
            )
            out["generate_rows_per_s"] = round(inserted.events / gen_s)
            out["insert_rows_per_s"] = round(inserted.events / insert_s)
            org_id = inserted.org_id

            task = progress.add_task(f"{db.name}: projection", total=None)
            t0 = time.perf_counter()
            folded = await store.catch_up(session, org_id)
            projection_s = time.perf_counter() - t0
            progress.update(task, completed=1, total=1)
            assert folded == inserted.events, (folded, inserted.events)
            for table in ("analytics_interactions", "analytics_segments", "analytics_agent_states"):
                await session.execute(text(f"ANALYZE {table}"))
            await session.commit()
            out["projection_s"] = round(projection_s, 2)
            out["projection_events_per_s"] = round(folded / projection_s)

        subject = Subject(org_id=org_id, user_id=source.agents[0].id, scopes=grants(Scope.ALL))
        period = Filters(from_ts=START.timestamp(), to_ts=START.timestamp() + DAYS * 86400.0)
        end_ts = START.timestamp() + DAYS * 86400.0
        readers = read_session_factory(engine)
        task = progress.add_task(f"{db.name}: dashboards", total=4)
        async with readers() as s:

            async def count() -> int:
                n = await s.scalar(
                    select(func.count())
                    .select_from(AnalyticsInteraction)
                    .where(AnalyticsInteraction.org_id == org_id)
                )
                assert n == args.interactions, n
                return int(n or 0)

            async def callers() -> None:
                got = await queries.callers_in_queue(s, subject=subject, filters=period, tz=TZ)
                assert got["totals"]["offered"] == args.interactions

            async def agents() -> None:
                await queries.agent_performance(s, subject=subject, filters=period, now_ts=end_ts)

            async def resolved() -> None:
                await queries.resolved_conversations(s, subject=subject, filters=period)

            out["baseline_count_s"] = round(await best_of(3, count), 4)
            progress.advance(task)
            dashboards = {}
            for name, job in (
                ("callers_in_queue", callers),
                ("agent_performance", agents),
                ("resolved_conversations", resolved),
            ):
                dashboards[name] = round(await best_of(3, job), 4)
                progress.advance(task)
            out["dashboards_s"] = dashboards

        task = progress.add_task(f"{db.name}: export", total=2)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "interactions.csv"
            request = Request(subject)
            t0 = time.perf_counter()
            size = await write_csv(
                readers, kind="interactions", request=request, delimiter=",", path=path
            )
            export_s = time.perf_counter() - t0
            progress.advance(task)
            with path.open("rb") as f:
                lines = sum(1 for _ in f) - 1
            assert lines == args.interactions, lines
            out["export_rows_per_s"] = round(lines / export_s)
            out["export_mb"] = round(size / 1e6, 1)
            tracemalloc.start()
            try:
                await write_csv(
                    readers, kind="interactions", request=request, delimiter=",", path=path
                )
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            progress.advance(task)
            out["export_peak_mem_mb"] = round(peak / 1e6, 1)
        return out
    finally:
        await engine.dispose()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Each requested backend in turn."""
    report: dict[str, Any] = {}
    with Progress(transient=True, disable=not sys.stderr.isatty()) as progress:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                async with sqlite_db() as db:
                    report["sqlite"] = await measure(db, args, progress)
            elif backend == "postgresql":
                async with postgres_db(args.postgres) as db:
                    report["postgresql"] = await measure(db, args, progress)
            else:
                raise SystemExit(f"unknown backend {backend!r}: use sqlite, postgresql")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="PostgreSQL URL (asyncpg)")
    parser.add_argument("--json", action="store_true", help="one JSON object on one line")
    args = parser.parse_args()
    result = asyncio.run(main(args))
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
