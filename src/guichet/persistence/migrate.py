"""Apply Alembic migrations (``guichet migrate``; ``guichet serve`` runs it at start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from guichet.persistence.db import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    """The newest revision shipped with this version."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(url: str, *, search_path: str | None = None, revision: str = "head") -> None:
    """Bring the database at ``url`` to the newest revision (or to ``revision``).

    On SQLite the migrations run with foreign keys off, as SQLite's procedure for rebuilding a
    table asks (a dropped table would otherwise cascade its deletes to the rows that refer to
    it); the foreign keys are checked before the commit and the migration fails if one breaks.
    """
    engine = create_engine(url, search_path=search_path)
    try:
        async with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                await conn.run_sync(_sqlite_foreign_keys, False)
            try:
                await conn.run_sync(lambda c: command.upgrade(alembic_config(c), revision))
                if sqlite:
                    await conn.run_sync(_check_foreign_keys)
                await conn.commit()
            finally:
                if sqlite:
                    await conn.rollback()
                    await conn.run_sync(_sqlite_foreign_keys, True)
    finally:
        await engine.dispose()


def _sqlite_foreign_keys(conn: Connection, on: bool) -> None:
    """Set SQLite's foreign-key enforcement; a no-op inside a transaction, so run before one."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    cursor.close()


def _check_foreign_keys(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"migration left rows whose foreign keys break: {broken[:10]}")


async def current_revision(url: str, *, search_path: str | None = None) -> str | None:
    """The revision the database at ``url`` is at (None when never migrated)."""
    engine = create_engine(url, search_path=search_path)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )
    finally:
        await engine.dispose()
