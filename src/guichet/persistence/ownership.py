"""One routing process per database (issue 12 finding 14).

Each server process builds its own routing engine per organization: two processes on one
database would offer the same agents their capacity twice, and the in-process bus of one would
miss the sockets held by the other. Until several processes are designed (docs/DESIGN:
"Several processes"), a server takes the database's *ownership* before it routes anything and
keeps it for its whole life; a second server on the same database is refused at start-up.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection of its
  own, outside the pool, in autocommit (never idle in a transaction). Its key is derived from
  the database name and the schema (``GUICHET_DATABASE_SCHEMA``, else the connection's
  ``current_schema()``), so servers on other schemas of one database do not clash. The lock
  ends with its connection: a killed server frees it at once.
- SQLite: ``fcntl.flock`` on a lock file next to the database (``guichet.db.lock`` beside
  ``guichet.db``), which holds the owner's process id. The kernel drops the lock when the
  process dies; the file itself stays (removing it would let two processes lock two files).
  An in-memory database belongs to its process: nothing to lock.

:func:`acquire` takes the ownership or raises :class:`OwnershipRefused` with a message naming
the database and the holder; :meth:`Ownership.release` gives it back (at shutdown).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from guichet.persistence.db import is_memory_sqlite, is_sqlite

#: Shown in ``pg_stat_activity`` for the connection that holds the lock.
APPLICATION_NAME = "guichet-routing-owner"
_ADVICE = (
    "Only one Guichet server may route a database: stop the other server first, or give this "
    "one another database (GUICHET_DATABASE_URL / GUICHET_DATABASE_SCHEMA)."
)


class OwnershipRefused(RuntimeError):
    """Another process already routes this database (the message says which and what to do)."""


def lock_file_of(url: str) -> Path | None:
    """The lock file of a SQLite database file (``<database>.lock``); None for memory."""
    if not is_sqlite(url) or is_memory_sqlite(url):
        return None
    database = make_url(url).database
    assert database
    path = Path(database).expanduser().resolve()
    return path.with_name(path.name + ".lock")


def advisory_key(database: str, schema: str) -> int:
    """The signed 64-bit advisory-lock key of one database and schema."""
    digest = hashlib.sha256(f"guichet-routing:{database}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass
class Ownership:
    """The ownership of one database, held until :meth:`release`."""

    #: What is owned, for messages: the SQLite file, or ``database/schema`` on PostgreSQL.
    target: str
    _file: IO[bytes] | None = None
    _engine: AsyncEngine | None = None
    _connection: AsyncConnection | None = None
    _key: int | None = None
    #: An in-memory database: owned by this process by nature, nothing to hold.
    _nothing: bool = False

    @property
    def held(self) -> bool:
        """Whether this process still holds it (False after release)."""
        return self._file is not None or self._connection is not None or self._nothing

    async def release(self) -> None:
        """Give the ownership back (idempotent)."""
        self._nothing = False
        file, self._file = self._file, None
        if file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(file.fileno(), fcntl.LOCK_UN)
            file.close()
        conn, self._connection = self._connection, None
        if conn is not None:
            try:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            except Exception:  # closing the connection frees the lock anyway
                pass
            finally:
                await conn.close()
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.dispose()


async def acquire(url: str, *, search_path: str | None = None) -> Ownership:
    """Take the ownership of the database at ``url``; :class:`OwnershipRefused` if held."""
    if is_sqlite(url):
        path = lock_file_of(url)
        if path is None:
            return Ownership(target="an in-memory SQLite database", _nothing=True)
        return _lock_file(path)
    return await _advisory_lock(url, search_path)


async def probe(url: str, *, search_path: str | None = None) -> None:
    """Raise :class:`OwnershipRefused` when another process owns the database, else nothing
    (``guichet serve`` asks before migrating, to refuse with a clear message and no trace)."""
    await (await acquire(url, search_path=search_path)).release()


def _lock_file(path: Path) -> Ownership:
    database = path.with_name(path.name.removesuffix(".lock"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    file = os.fdopen(fd, "r+b")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = file.read(32).decode("ascii", "replace").strip() or "unknown"
        file.close()
        raise OwnershipRefused(
            f"another Guichet server (process {holder}) already routes the SQLite database "
            f"{database}: it holds the lock file {path}. {_ADVICE}"
        ) from None
    except BaseException:
        file.close()
        raise
    file.seek(0)
    file.truncate()
    file.write(f"{os.getpid()}\n".encode())
    file.flush()
    return Ownership(target=str(database), _file=file)


async def _advisory_lock(url: str, search_path: str | None) -> Ownership:
    settings = {"application_name": APPLICATION_NAME}
    if search_path:
        settings["search_path"] = search_path
    engine = create_async_engine(
        url, poolclass=NullPool, connect_args={"server_settings": settings}
    )
    conn: AsyncConnection | None = None
    try:
        conn = await engine.connect()
        # Autocommit: a session-level lock needs no transaction, and an idle transaction
        # would hold back vacuum (or be ended by idle_in_transaction_session_timeout).
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        row = (await conn.execute(text("SELECT current_database(), current_schema()"))).one()
        database, schema = str(row[0]), str(search_path or row[1] or "public")
        key = advisory_key(database, schema)
        got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
        if not got:
            holder = await _holder(conn, key)
            raise OwnershipRefused(
                f"another Guichet server already routes the PostgreSQL database {database} "
                f"(schema {schema}): {holder} holds its advisory lock {key}. {_ADVICE}"
            )
    except BaseException:
        if conn is not None:
            await conn.close()
        await engine.dispose()
        raise
    return Ownership(target=f"{database}/{schema}", _engine=engine, _connection=conn, _key=key)


async def _holder(conn: AsyncConnection, key: int) -> str:
    """Who holds the lock, as PostgreSQL sees it (a backend pid and its client address)."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    found = (
        await conn.execute(
            text(
                "SELECT a.pid, a.client_addr, a.application_name FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
                "AND l.classid = CAST(:hi AS oid) AND l.objid = CAST(:lo AS oid)"
            ),
            {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF},
        )
    ).first()
    if found is None:
        return "another session"
    pid, addr, name = found
    return f"backend {pid} ({name or 'no application name'}, from {addr or 'a local socket'})"
