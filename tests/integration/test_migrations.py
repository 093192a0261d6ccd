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
