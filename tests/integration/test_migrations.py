"""Migrations run from an empty database on SQLite and PostgreSQL and match the models."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from guichet.persistence.db import create_engine
from guichet.persistence.migrate import current_revision, head_revision, upgrade
from guichet.persistence.models import Base
from tests.conftest import Database


async def test_migrations_up_from_empty_match_models(database: Database) -> None:
    await upgrade(database.url, search_path=database.schema)
    assert await current_revision(database.url, search_path=database.schema) == head_revision()
    # Running again is a no-op.
    await upgrade(database.url, search_path=database.schema)
    engine = create_engine(database.url, search_path=database.schema)
    try:
        async with engine.connect() as conn:

            def diff(sync_conn: Any) -> list[Any]:
                ctx = MigrationContext.configure(sync_conn, opts={"compare_type": False})
                return list(compare_metadata(ctx, Base.metadata))

            assert await conn.run_sync(diff) == []
    finally:
        await engine.dispose()


async def test_sqlite_tables_rebuilt_with_autoincrement_keep_rows_and_indexes(
    database: Database,
) -> None:
    """Issue 12 finding 2: after 0004 a deleted row's id is never given again, on a database
    that already holds data; rows that point to the rebuilt tables survive (no cascade)."""
    if database.backend != "sqlite":
        return  # PostgreSQL sequences never go back; nothing is rebuilt there
    await upgrade(database.url, revision="0003")
    engine = create_engine(database.url)
    now = "2026-12-04 00:00:00"
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO organizations (id, name, slug, timezone, created_at) "
                "VALUES (1, 'A', 'a', 'UTC', ?)",
                (now,),
            )
            for qid in (1, 2):
                await conn.exec_driver_sql(
                    "INSERT INTO queues (id, org_id, kind, name, name_key, queue_type, strategy, "
                    "channel_types, offer_timeout_s, max_no_answer, wrap_up_s, "
                    "agents_may_end_wrap_up, weight, require_disposition, disposition_timer_s, "
                    "abandon_return_s, callback_enabled, callback_number_types, settings, "
                    "created_at, updated_at) VALUES (?, 1, 'chat', ?, ?, 'standard', "
                    "'longest_idle', '[]', 30, 0, 0, 1, 1, 0, 0, 0, 0, '[]', '{}', ?, ?)",
                    (qid, f"Q{qid}", f"q{qid}", now, now),
                )
            await conn.exec_driver_sql(
                "INSERT INTO interactions (id, org_id, channel, status, queue_id, context, "
                "overflow, callback, callback_offered, notes, closed, created_at, updated_at) "
                "VALUES (7, 1, 'chat', 'waiting', 1, '{}', 0, 0, 0, '', 0, ?, ?)",
                (now, now),
            )
        await upgrade(database.url)
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DELETE FROM queues WHERE id = 2")
            await conn.exec_driver_sql(
                "INSERT INTO queues (org_id, kind, name, name_key, queue_type, strategy, "
                "channel_types, offer_timeout_s, max_no_answer, wrap_up_s, "
                "agents_may_end_wrap_up, weight, require_disposition, disposition_timer_s, "
                "abandon_return_s, callback_enabled, callback_number_types, settings, "
                "created_at, updated_at) VALUES (1, 'chat', 'Q3', 'q3', 'standard', "
                "'longest_idle', '[]', 30, 0, 0, 1, 1, 0, 0, 0, 0, '[]', '{}', ?, ?)",
                (now, now),
            )
            ids = [r[0] for r in await conn.exec_driver_sql("SELECT id FROM queues ORDER BY id")]
            assert ids == [1, 3]  # the deleted 2 is not given again
            kept = (await conn.exec_driver_sql("SELECT queue_id FROM interactions")).all()
            assert kept == [(1,)]  # the interaction still points to its queue
            assert (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all() == []
            sql = (
                await conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'uq_offers_open_interaction_agent'"
                )
            ).scalar_one()
            assert "WHERE status = 'open'" in sql  # partial unique indexes rebuilt as they were
    finally:
        await engine.dispose()
