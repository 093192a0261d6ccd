"""The routers of every organization, rebuilt from the database at start and when broken.

`app.state.guichet.live` holds one `LiveRegistry`. At start-up `start_all()` rebuilds the loop
of every organization with live work (`live.recovery`) before the server answers, so expired
offers are reclaimed, wrap-ups end and waiting interactions are offered without waiting for a
request. `router(org_id)` starts any other organization's loop on first use. A loop that
breaks (a failed commit) is never left dead: the registry writes a ``routing.failed`` row in
the event log and rebuilds it from the database at once, retrying with a growing delay while
the rebuild itself fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from guichet.domain.events import EventType
from guichet.live.contracts import Clock, Publisher
from guichet.live.loop import COMMAND_TIMEOUT_S, MAX_QUEUED, OrgRouter
from guichet.live.recovery import LIVE, arrival_event, rebuild, restore_declines
from guichet.live.render import at
from guichet.persistence.models import AgentPresence, Interaction, InteractionEvent, Offer
from guichet.routing import Event, RoutingEngine

log = logging.getLogger(__name__)

#: Delays between attempts to rebuild a loop whose rebuild failed (seconds, then the last).
RETRY_DELAYS_S = (0.0, 0.5, 1.0, 2.0, 5.0)


class LiveRegistry:
    """One `OrgRouter` per organization, created on demand."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        bus: Callable[[], Publisher | None],
        clock: Clock = time.time,
        max_queued: int = MAX_QUEUED,
        command_timeout_s: float = COMMAND_TIMEOUT_S,
    ) -> None:
        self.sessions = sessions
        self.bus = bus
        self.clock = clock
        self.max_queued = max_queued
        self.command_timeout_s = command_timeout_s
        self._routers: dict[int, OrgRouter] = {}
        self._connections: dict[int, AsyncConnection] = {}
        self._lock = asyncio.Lock()
        self._repairs: dict[int, asyncio.Task[None]] = {}
        self._stopping = False

    async def start_all(self) -> list[int]:
        """Start the loop of every organization with live work (server start-up).

        Live work: interactions routing still owns, agents not offline or in wrap-up, and
        disposition timers running (R-W-3). An organization whose rebuild fails is logged and
        retried in the background; the others start regardless.
        """
        try:
            org_ids = await self._orgs_with_live_work()
        except Exception:
            # An unmigrated database (tests, a broken set-up): serve, route on first use.
            log.exception("could not list the organizations with live work at start-up")
            return []
        started = []
        for org_id in org_ids:
            try:
                await self.router(org_id)
                started.append(org_id)
            except Exception as exc:
                log.exception("routing of organization %s did not start; retrying", org_id)
                self._schedule_repair(org_id, exc)
        return started

    async def _orgs_with_live_work(self) -> list[int]:
        async with self.sessions() as session:
            found = await session.scalars(
                union(
                    select(Interaction.org_id).where(
                        or_(
                            Interaction.status.in_(LIVE),
                            Interaction.disposition_due_at.is_not(None),
                        )
                    ),
                    select(AgentPresence.org_id).where(
                        or_(
                            AgentPresence.presence != "offline",
                            AgentPresence.wrap_up_until.is_not(None),
                        )
                    ),
                )
            )
            org_ids = sorted(set(found))
            await session.rollback()
        return org_ids

    async def router(self, org_id: int) -> OrgRouter:
        """The organization's running router, rebuilt from the database if needed."""
        found = self._routers.get(org_id)
        if found is not None and not found.broken:
            return found
        async with self._lock:
            found = self._routers.get(org_id)
            if found is not None and not found.broken:
                return found
            if found is not None:
                await found.stop()
            router = await self._start(org_id)
            self._routers[org_id] = router
            return router

    async def _start(self, org_id: int) -> OrgRouter:
        async with self.sessions() as session:
            engine, loaded, plan = await rebuild(session, org_id=org_id, now=self.clock())
            await session.rollback()
        restore_declines(engine, plan)
        router = OrgRouter(
            org_id=org_id,
            sessions=await self._own_sessions(org_id),
            engine=engine,
            loaded=loaded,
            bus=self.bus,
            clock=self.clock,
            max_queued=self.max_queued,
            command_timeout_s=self.command_timeout_s,
            on_broken=self._broken,
        )
        router.dispositions.update(plan.dispositions)
        router.start()
        reclaimed = list(plan.reclaimed)

        async def reclaim(session: AsyncSession, _e: RoutingEngine) -> tuple[Event | None, Any]:
            # Offers open when the loop went down are reclaimed; R-X-10 offers them again.
            now = at(router.now())
            if reclaimed:
                for o in await session.scalars(
                    select(Offer).where(Offer.interaction_id.in_(reclaimed), Offer.status == "open")
                ):
                    session.add(
                        InteractionEvent(
                            org_id=org_id,
                            at=now,
                            type=EventType.OFFER_RECLAIMED,
                            interaction_id=o.interaction_id,
                            agent_id=o.agent_id,
                            data={"offer_id": o.id},
                        )
                    )
                await session.execute(
                    update(Offer)
                    .where(Offer.interaction_id.in_(reclaimed), Offer.status == "open")
                    .values(status="reclaimed", closed_at=now)
                )
            return None, None

        try:
            await router.run(reclaim, interactions=[str(i) for i in reclaimed])
            for ev in plan.agent_events:
                await router.submit(ev)
            for iid in plan.new_interactions:
                await router.submit(await self._arrival(iid))
        except BaseException:
            # Never leave a half-started loop running beside the one a retry will start.
            await router.stop()
            raise
        return router

    async def _own_sessions(self, org_id: int) -> async_sessionmaker[AsyncSession]:
        """Sessions on a connection of the loop's own, so it never queues behind requests."""
        bind: Any = self.sessions.kw.get("bind")
        if not isinstance(bind, AsyncEngine):
            return self.sessions
        old = self._connections.pop(org_id, None)
        if old is not None:
            await old.close()  # the broken loop's connection, perhaps mid-transaction
        conn = self._connections[org_id] = await bind.connect()
        return async_sessionmaker(bind=conn, expire_on_commit=False)

    async def _arrival(self, iid: int) -> Event:
        async with self.sessions() as session:
            row = await session.get(Interaction, iid)
            await session.rollback()
        assert row is not None
        return arrival_event(row)

    def _broken(self, router: OrgRouter, error: BaseException) -> None:
        """A loop broke: record it and rebuild it from the database, without waiting for use."""
        if self._stopping or self._routers.get(router.org_id) is not router:
            return
        self._schedule_repair(router.org_id, error)

    def _schedule_repair(self, org_id: int, error: BaseException) -> None:
        running = self._repairs.get(org_id)
        if running is not None and not running.done():
            return
        self._repairs[org_id] = asyncio.create_task(
            self._repair(org_id, error), name=f"guichet-router-repair-{org_id}"
        )

    async def _repair(self, org_id: int, error: BaseException) -> None:
        await self._record_failure(org_id, error)
        attempt = 0
        while not self._stopping:
            await asyncio.sleep(RETRY_DELAYS_S[min(attempt, len(RETRY_DELAYS_S) - 1)])
            attempt += 1
            try:
                await self.router(org_id)
            except Exception:
                log.exception("rebuilding the routing of organization %s failed", org_id)
                continue
            log.warning("routing of organization %s rebuilt after a failure", org_id)
            return

    async def _record_failure(self, org_id: int, error: BaseException) -> None:
        """One ``routing.failed`` row in the event log, so operators see what happened."""
        try:
            async with self.sessions() as session:
                session.add(
                    InteractionEvent(
                        org_id=org_id,
                        at=at(self.clock()),
                        type=EventType.ROUTING_FAILED,
                        data={"error": type(error).__name__, "detail": str(error)[:500]},
                    )
                )
                await session.commit()
        except Exception:
            log.exception("could not record the routing failure of organization %s", org_id)

    def invalidate(self, org_id: int) -> None:
        """Mark the organization's router for a rebuild on next use."""
        found = self._routers.get(org_id)
        if found is not None:
            found.broken = True

    async def stop(self) -> None:
        """Stop every router (application shutdown)."""
        self._stopping = True
        for task in self._repairs.values():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._repairs.clear()
        for router in list(self._routers.values()):
            await router.stop()
        self._routers.clear()
        for conn in self._connections.values():
            await conn.close()
        self._connections.clear()
