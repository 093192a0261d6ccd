"""The routers of every organization, started lazily and rebuilt from the database when broken.

`app.state.guichet.live` holds one `LiveRegistry`. `router(org_id)` starts the organization's
loop on first use by rebuilding its state from the database (`live.recovery`), which is also
what happens after a restart and after a failed commit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from guichet.live.contracts import Clock, Publisher
from guichet.live.loop import OrgRouter
from guichet.live.recovery import arrival_event, rebuild
from guichet.live.render import at
from guichet.persistence.models import Interaction, InteractionEvent, Offer
from guichet.routing import Event, RoutingEngine


class LiveRegistry:
    """One `OrgRouter` per organization, created on demand."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        publisher: Callable[[], Publisher | None],
        clock: Clock = time.time,
    ) -> None:
        self.sessions = sessions
        self.publisher = publisher
        self.clock = clock
        self._routers: dict[int, OrgRouter] = {}
        self._connections: dict[int, AsyncConnection] = {}
        self._lock = asyncio.Lock()

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
        router = OrgRouter(
            org_id=org_id,
            sessions=await self._own_sessions(org_id),
            engine=engine,
            loaded=loaded,
            publisher=self.publisher,
            clock=self.clock,
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
                            type="offer.reclaimed",
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

        await router.run(reclaim, interactions=[str(i) for i in reclaimed])
        for ev in plan.agent_events:
            await router.submit(ev)
        for iid in plan.new_interactions:
            await router.submit(await self._arrival(iid))
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

    def invalidate(self, org_id: int) -> None:
        """Mark the organization's router for a rebuild on next use."""
        found = self._routers.get(org_id)
        if found is not None:
            found.broken = True

    async def stop(self) -> None:
        """Stop every router (application shutdown)."""
        for router in list(self._routers.values()):
            await router.stop()
        self._routers.clear()
        for conn in self._connections.values():
            await conn.close()
        self._connections.clear()
