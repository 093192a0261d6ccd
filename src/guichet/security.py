"""Password hashing (argon2id) and opaque tokens (only their SHA-256 is stored).

argon2 is slow on purpose (about a quarter of a second of CPU at the default cost), so the
server never hashes on the event loop: :meth:`Passwords.hash_async` and
:meth:`Passwords.verify_async` run in a small pool of worker threads of their own (argon2
releases the GIL while it works), niced below the loop's thread, and routing, offers and
sockets go on meanwhile (issue 12 finding 11). The pool is bounded
(``GUICHET_ARGON2_THREADS``): each running hash holds ``GUICHET_ARGON2_MEMORY_KIB`` of
memory, and more threads than cores would not verify faster.
The synchronous methods remain for the command line and for code that runs outside a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TOKEN_PREFIX = "gch_"
#: Worker threads hashing passwords when settings do not say.
DEFAULT_THREADS = 2
#: How much nicer than the event loop the hashing threads run (Linux: nice is per thread).
HASHING_NICENESS = 10


def _lower_priority() -> None:
    """Run this hashing thread at a lower CPU priority than the event loop's thread.

    With as many hashing threads as cores, the loop would otherwise get only its share of the
    CPU while a login burst is verified; niced, it takes the CPU whenever it has work (routing,
    timers, sockets) and the hashes use the rest. Linux only: elsewhere ``setpriority`` of a
    thread id is not per thread, so nothing is changed.
    """
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            tid = threading.get_native_id()
            os.setpriority(
                os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + HASHING_NICENESS
            )


class Passwords:
    """argon2id hashing with the cost from settings, off the event loop when awaited."""

    def __init__(self, *, time_cost: int, memory_kib: int, threads: int = DEFAULT_THREADS) -> None:
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        # A real hash to verify against when the account does not exist, so that the answer
        # takes the same time either way.
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    def hash(self, password: str) -> str:
        """Hash a password (blocking: in async code use :meth:`hash_async`)."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when the password matches; spends the same work when there is no hash.

        Blocking: in async code use :meth:`verify_async`.
        """
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    async def hash_async(self, password: str) -> str:
        """:meth:`hash` in a worker thread: the event loop goes on meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), self.hash, password)

    async def verify_async(self, password_hash: str | None, password: str) -> bool:
        """:meth:`verify` in a worker thread: the event loop goes on meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), self.verify, password_hash, password)

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                self._threads, thread_name_prefix="guichet-argon2", initializer=_lower_priority
            )
        return self._pool

    def close(self) -> None:
        """Stop the worker threads (hashes under way finish first)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def new_token() -> str:
    """A fresh opaque bearer token."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()
