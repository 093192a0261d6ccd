"""One-use WebSocket tickets: the only credential that may travel in a URL.

A browser cannot set an ``Authorization`` header on a WebSocket, and a session token in a
query string would end up in logs; so an authenticated caller trades its token for a ticket
that lives a few seconds, works once, and is kept only as a digest.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

TICKET_PREFIX = "gwt_"


@dataclass(frozen=True, slots=True)
class TicketGrant:
    """Who a redeemed ticket speaks for, and the token it was issued under."""

    org_id: int
    user_id: int
    token_id: int


def _digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


class TicketBook:
    """Issues and redeems tickets; expired ones are forgotten as new ones are issued."""

    def __init__(
        self,
        *,
        ttl_s: float = 30.0,
        max_tickets: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_tickets = max_tickets
        self._clock = clock
        self._lock = threading.Lock()
        # digest -> (expires at, grant); dicts keep insertion order, so the oldest come first.
        self._tickets: dict[str, tuple[float, TicketGrant]] = {}

    def __len__(self) -> int:
        return len(self._tickets)

    def issue(self, *, org_id: int, user_id: int, token_id: int) -> str:
        """A fresh ticket for this user and organization, valid ``ttl_s`` seconds, once."""
        ticket = TICKET_PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._forget_expired(now)
            while len(self._tickets) >= self.max_tickets:
                del self._tickets[next(iter(self._tickets))]
            grant = TicketGrant(org_id=org_id, user_id=user_id, token_id=token_id)
            self._tickets[_digest(ticket)] = (now + self.ttl_s, grant)
        return ticket

    def redeem(self, ticket: str) -> TicketGrant | None:
        """The grant behind ``ticket`` if it is known and fresh; it can never be used again."""
        if not ticket.startswith(TICKET_PREFIX) or len(ticket) > 100:
            return None
        with self._lock:
            found = self._tickets.pop(_digest(ticket), None)
            if found is None:
                return None
            expires_at, grant = found
            return grant if self._clock() < expires_at else None

    def _forget_expired(self, now: float) -> None:
        # Tickets share one lifetime, so insertion order is expiry order.
        while self._tickets:
            digest, (expires_at, _grant) = next(iter(self._tickets.items()))
            if expires_at > now:
                return
            del self._tickets[digest]
