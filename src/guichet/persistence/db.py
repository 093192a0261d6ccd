"""Async engine and session factory for SQLite and PostgreSQL.

The connection pool is sized from settings (``GUICHET_DB_POOL_SIZE``, ``_MAX_OVERFLOW``,
``_POOL_TIMEOUT_S``; docs/operations.md). A request that finds every connection taken waits
up to the timeout for one, then fails with :class:`PoolExhausted`, which the API answers 503
with ``Retry-After`` (not 500): the server is busy, the request did nothing, retrying is safe.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from guichet.errors import Unavailable

if TYPE_CHECKING:
    from guichet.config import Settings


@dataclass(frozen=True, slots=True)
class PoolLimits:
    """How many connections a server keeps and opens, and how long a request waits for one."""

    size: int = 20
    overflow: int = 10
    timeout_s: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PoolLimits:
        """The limits the ``GUICHET_DB_POOL_*`` settings describe."""
        return cls(
            size=settings.db_pool_size,
            overflow=settings.db_max_overflow,
            timeout_s=settings.db_pool_timeout_s,
        )


class PoolExhausted(Unavailable):
    """Every database connection stayed taken for the pool timeout (HTTP 503, Retry-After)."""

    default_code = "database_busy"


class GuichetPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's asyncio queue pool whose checkout timeout is a :class:`PoolExhausted`."""

    def _do_get(self) -> ConnectionPoolEntry:
        try:
            return super()._do_get()
        except sa_exc.TimeoutError as exc:
            raise PoolExhausted(
                "every database connection is busy; try again shortly",
                retry_after=1,
            ) from exc


def is_sqlite(url: str) -> bool:
    """True when the URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def is_memory_sqlite(url: str) -> bool:
    """True for an in-memory SQLite database (no file: one connection, no pool to size)."""
    parsed = make_url(url)
    return is_sqlite(url) and parsed.database in (None, "", ":memory:")


def create_engine(
    url: str, *, search_path: str | None = None, pool: PoolLimits | None = None
) -> AsyncEngine:
    """Build an async engine; SQLite gets foreign keys, WAL and up-front write locks.

    SQLite has a single writer: every transaction starts with ``BEGIN IMMEDIATE`` so two
    transactions never both read and then fail to upgrade to a write lock. The pool follows
    ``pool`` (defaults: :class:`PoolLimits`); an exhausted pool raises :class:`PoolExhausted`.
    """
    kwargs: dict[str, Any] = {}
    if not is_memory_sqlite(url):
        limits = pool or PoolLimits()
        kwargs.update(
            poolclass=GuichetPool,
            pool_size=limits.size,
            max_overflow=limits.overflow,
            pool_timeout=limits.timeout_s,
        )
    if is_sqlite(url):
        kwargs["connect_args"] = {"timeout": 30}
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    if search_path:
        kwargs["connect_args"] = {"server_settings": {"search_path": search_path}}
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Readers (see `read_session_factory`) begin DEFERRED: they never take the write lock.
        mode = "DEFERRED" if conn.get_execution_options().get(_READ_ONLY) else "IMMEDIATE"
        conn.exec_driver_sql(f"BEGIN {mode}")


_READ_ONLY = "guichet_read_only"


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (async code cannot lazy-load)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reading only: on SQLite they do not take the single writer's lock.

    With WAL, a ``BEGIN DEFERRED`` transaction reads a consistent snapshot while a writer
    works; a reader that tried to write could fail to upgrade its lock, so these sessions
    must not write. On PostgreSQL they are ordinary sessions.
    """
    if engine.dialect.name != "sqlite":
        return session_factory(engine)
    readers = engine.execution_options(**{_READ_ONLY: True})
    return async_sessionmaker(readers, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session inside one transaction, committed on success and rolled back on error."""
    async with factory() as session, session.begin():
        yield session
