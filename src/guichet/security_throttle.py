"""Login throttling per account and per client address, kept in process memory.

Failed logins are counted per account (the e-mail as typed, normalised, whether or not such a
user exists) and per client address. Once an account or an address holds ``max`` failures
younger than the window, further attempts are refused with a ``Retry-After`` until the oldest
of them leaves the window; a refused attempt does not count (it would only push the end of the
wait further). A successful login clears its account's count, not its address's.

Passwords are verified in a worker thread (``Passwords.verify_async``), so a login awaits
between its check and its outcome. To keep parallel attempts from all passing the check before
the first failures are counted, an attempt takes a place first (:meth:`LoginThrottle.begin`):
an attempt under way counts against both limits like a failure until its outcome is known,
and an attempt that finds no place left *waits* for one (it is refused only when the failures
themselves reach the limit). So at most ``max`` passwords per account (and per address) are
ever tried within the window, each failure is counted once, and many good logins at once from
one address (an office behind one NAT at shift start) are queued, never refused. The answers
stay the same whether or not the account exists.

The state is per process: several server processes each keep their own counts, and a restart
forgets them. Memory is bounded: each key keeps at most ``max`` timestamps, keys whose newest
failure has left the window are dropped, and beyond ``max_keys`` the least recently failed key
is dropped first.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from guichet.errors import GuichetError

if TYPE_CHECKING:
    from guichet.config import Settings

Clock = Callable[[], float]
DEFAULT_MAX_KEYS = 100_000


class LoginThrottled(GuichetError):
    """Too many failed logins for this account or address (HTTP 429, with ``retry_after``)."""

    status = 429
    title = "Too many requests"
    default_code = "login_throttled"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed attempts; retry in {retry_after} s")
        self.retry_after = retry_after


class _Failures:
    """Recent failure times per key, oldest key (by its newest failure) first."""

    def __init__(self, *, limit: int, window_s: float, max_keys: int) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._by_key: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_key)

    def sweep(self, now: float) -> None:
        """Drop the keys whose newest failure has left the window."""
        horizon = now - self.window_s
        while self._by_key:
            key, stamps = next(iter(self._by_key.items()))
            if stamps and stamps[-1] > horizon:
                return
            del self._by_key[key]

    def wait_s(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        stamps = self._by_key.get(key)
        if stamps is None:
            return 0.0
        horizon = now - self.window_s
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        if len(stamps) < self.limit:
            return 0.0
        return stamps[-self.limit] + self.window_s - now

    def recent(self, key: str) -> int:
        """How many failures of ``key`` are in the window (after a ``wait_s`` of it)."""
        stamps = self._by_key.get(key)
        return 0 if stamps is None else len(stamps)

    def add(self, key: str, now: float) -> None:
        stamps = self._by_key.pop(key, None) or deque()
        stamps.append(now)
        while len(stamps) > self.limit:
            stamps.popleft()
        self._by_key[key] = stamps
        while len(self._by_key) > self.max_keys:
            self._by_key.popitem(last=False)

    def clear(self, key: str) -> None:
        self._by_key.pop(key, None)


class LoginThrottle:
    """Failed-login counts per account and per client address, over a sliding window."""

    def __init__(
        self,
        *,
        max_per_account: int = 5,
        max_per_address: int = 20,
        window_s: float = 900.0,
        clock: Clock = time.monotonic,
        max_keys: int = DEFAULT_MAX_KEYS,
    ) -> None:
        if max_per_account < 1 or max_per_address < 1 or window_s <= 0 or max_keys < 1:
            raise ValueError("throttle limits, window and size must be positive")
        self.window_s = window_s
        self.clock = clock
        self._accounts = _Failures(limit=max_per_account, window_s=window_s, max_keys=max_keys)
        self._addresses = _Failures(limit=max_per_address, window_s=window_s, max_keys=max_keys)
        # Attempts under way (begun, outcome not known yet) per account and per address.
        self._pending_accounts: Counter[str] = Counter()
        self._pending_addresses: Counter[str] = Counter()
        # Set (and replaced) whenever an attempt under way ends: waiters look again.
        self._ended: asyncio.Event | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        """The throttle the ``GUICHET_LOGIN_*`` settings describe."""
        return cls(
            max_per_account=settings.login_max_failures_per_account,
            max_per_address=settings.login_max_failures_per_address,
            window_s=settings.login_window_s,
        )

    @staticmethod
    def account_key(email: str) -> str:
        """The account an e-mail names, the way login looks it up (trimmed, lower case)."""
        return email.strip().lower()

    def check(self, *, email: str, address: str) -> None:
        """Raise ``LoginThrottled`` when the account or the address is over its limit."""
        now = self.clock()
        self._accounts.sweep(now)
        self._addresses.sweep(now)
        wait = max(
            self._accounts.wait_s(self.account_key(email), now),
            self._addresses.wait_s(address, now),
        )
        if wait > 0:
            raise LoginThrottled(max(1, math.ceil(wait)))

    async def begin(self, *, email: str, address: str) -> LoginAttempt:
        """Take a place for one password check; raise ``LoginThrottled`` when over the limit.

        Waits while the attempts under way fill what the failures leave of a limit; the
        returned attempt must end with ``failed()`` or ``succeeded()`` (an attempt left
        without an outcome, a cancelled request for instance, gives its place back uncounted:
        nobody learnt whether its password was right).
        """
        account = self.account_key(email)
        while True:
            self.check(email=email, address=address)  # sweeps and trims both keys
            if (
                self._accounts.recent(account) + self._pending_accounts[account]
                < self._accounts.limit
                and self._addresses.recent(address) + self._pending_addresses[address]
                < self._addresses.limit
            ):
                break
            if self._ended is None:
                self._ended = asyncio.Event()
            await self._ended.wait()
        self._pending_accounts[account] += 1
        self._pending_addresses[address] += 1
        return LoginAttempt(self, email=email, address=address)

    def _end(self, *, email: str, address: str) -> None:
        """An attempt under way ended: free its place and wake the waiters."""
        for pending, key in (
            (self._pending_accounts, self.account_key(email)),
            (self._pending_addresses, address),
        ):
            pending[key] -= 1
            if pending[key] <= 0:
                del pending[key]
        ended, self._ended = self._ended, None
        if ended is not None:
            ended.set()

    def pending(self) -> int:
        """How many attempts are under way (to check none is left behind)."""
        return sum(self._pending_accounts.values())

    def failed(self, *, email: str, address: str) -> None:
        """Count a wrong password (or unknown account) against both the account and the address."""
        now = self.clock()
        self._accounts.add(self.account_key(email), now)
        self._addresses.add(address, now)

    def succeeded(self, *, email: str) -> None:
        """The password was right: the account starts afresh.

        The address keeps its failures: logging in to one's own account between guesses at
        others must not reset the count of the address.
        """
        self._accounts.clear(self.account_key(email))

    def tracked(self) -> tuple[int, int]:
        """How many accounts and addresses hold failures (to check memory stays bounded)."""
        return len(self._accounts), len(self._addresses)


class LoginAttempt:
    """One password check under way (:meth:`LoginThrottle.begin`); ends exactly once."""

    def __init__(self, throttle: LoginThrottle, *, email: str, address: str) -> None:
        self._throttle = throttle
        self._email = email
        self._address = address
        self._open = True

    def _close(self) -> bool:
        if not self._open:
            return False
        self._open = False
        self._throttle._end(email=self._email, address=self._address)
        return True

    def failed(self) -> None:
        """The password was wrong (or the account unknown): one failure for both keys."""
        if self._close():
            self._throttle.failed(email=self._email, address=self._address)

    def succeeded(self) -> None:
        """The password was right: the account starts afresh."""
        if self._close():
            self._throttle.succeeded(email=self._email)

    def abandon(self) -> None:
        """No outcome (the check was cancelled or broke): the place is given back, uncounted."""
        self._close()

    def __enter__(self) -> LoginAttempt:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.abandon()
