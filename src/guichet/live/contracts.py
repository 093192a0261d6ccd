"""Types the routing loop shares with actions and the registry: commands, outcomes, clock."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from guichet.errors import Unavailable
from guichet.routing import Decision, Event, RoutingEngine

Clock = Callable[[], float]


class Publisher(Protocol):
    """What the loop needs of the real-time bus (guichet.realtime.bus.EventBus)."""

    def publish(self, org_id: int, event: dict[str, Any], *, user_ids: Collection[int]) -> None:
        """Queue ``event`` for the clients of ``user_ids`` in ``org_id``."""


@dataclass
class Outcome:
    """What a command produced: the engine's decisions and the command's own result."""

    decisions: list[Decision] = field(default_factory=list)
    result: Any = None


#: A command: runs inside the loop's transaction; returns (engine event or None, result).
Prepare = Callable[[AsyncSession, RoutingEngine], Awaitable[tuple[Event | None, Any]]]
#: Runs after the decisions are written, before the commit (same transaction).
After = Callable[[AsyncSession, list[Decision]], Awaitable[None]]


@dataclass
class Command:
    """One request to the loop, answered through ``future``."""

    prepare: Prepare | None
    actor_id: int | None
    future: asyncio.Future[Outcome]
    after: After | None = None
    #: Keep the command's own writes even when the engine refuses its event (intake).
    keep_on_refusal: bool = False
    agents: tuple[str, ...] = ()
    interactions: tuple[str, ...] = ()
    #: Read after `prepare` ran: the command may fill it (queues an agent left).
    old_queues: Collection[int] = ()
    #: The command writes nothing itself (no savepoint needed).
    pure: bool = False
    #: ``time.monotonic()`` after which the loop drops the command unrun (overload).
    deadline: float = math.inf


class RouterBroken(Unavailable):
    """The engine may differ from the database (a commit failed): the router must be rebuilt.

    Callers get 503 with ``Retry-After``: the registry rebuilds the loop from the database at
    once, and a retry with the same Idempotency-Key is answered as the first request was.
    """

    default_code = "routing_recovering"


class Overloaded(Unavailable):
    """The loop's command queue is full, or a command waited past its deadline (503)."""

    default_code = "overloaded"
