"""One organization's routing loop: a task that owns the engine and serialises every call.

Commands arrive on an `asyncio.Queue`. For each one the loop opens a transaction, lets the
command write its own rows and name its engine event, has the engine decide, writes the
decisions (`live.apply`), commits, and only then publishes on the bus and answers the caller.
Between commands it sleeps until the engine's next deadline and fires the timers (offer expiry,
wrap-up end, queue wait, overflow, callback re-check), and the R-W-3 disposition deadlines it
keeps beside the engine's (`live.deadlines`). If a commit fails, the engine no longer
matches the database: the loop stops, tells the registry (``on_broken``), and the registry
records the failure in the event log and rebuilds the loop from the database at once.

Overload has a limit: the command queue holds at most ``max_queued`` commands (a caller past
that gets `Overloaded`, a 503 with ``Retry-After``), and a command still queued
``command_timeout_s`` after it was submitted is dropped unrun, so a client that gave up has
created nothing. A command the loop has started always runs to its commit: its caller waits
for it, and a retry with the same Idempotency-Key is answered as the first request was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from guichet.domain.events import LiveEvent
from guichet.live.apply import Batch, apply_batch, apply_batches
from guichet.live.config_loader import Loaded, fingerprint, load_config
from guichet.live.contracts import (
    After,
    Clock,
    Command,
    Outcome,
    Overloaded,
    Prepare,
    Publisher,
    RouterBroken,
)
from guichet.live.deadlines import earliest, expire_due, track
from guichet.live.presence_sync import Publication
from guichet.persistence import changes
from guichet.routing import ConfigurationChanged, Decision, Event, RefuseEvent, RoutingEngine

log = logging.getLogger(__name__)

#: Commands that may share one transaction (group commit).
MAX_BATCH = 64
# How often the loop compares configuration fingerprints when nothing in this process changed
# the configuration (another process may have).
CONFIG_RECHECK_S = 1.0
#: Defaults of the overload limits (settings ``routing_queue_max``, ``routing_command_timeout_s``).
MAX_QUEUED = 2000
COMMAND_TIMEOUT_S = 10.0


class OrgRouter:
    """The routing loop of one organization (see the module docstring)."""

    def __init__(
        self,
        *,
        org_id: int,
        sessions: async_sessionmaker[AsyncSession],
        engine: RoutingEngine,
        loaded: Loaded,
        bus: Callable[[], Publisher | None],
        clock: Clock = time.time,
        max_queued: int = MAX_QUEUED,
        command_timeout_s: float = COMMAND_TIMEOUT_S,
        on_broken: Callable[[OrgRouter, BaseException], None] | None = None,
    ) -> None:
        self.org_id = org_id
        self.sessions = sessions
        self.engine = engine
        self.loaded = loaded
        self._config_generation = -1  # the first command compares fingerprints
        self._config_checked = 0.0
        self.bus = bus
        self.clock = clock
        self.broken = False
        #: R-W-3: running disposition timers, interaction id -> deadline (POSIX seconds).
        self.dispositions: dict[int, float] = {}
        self._queue: asyncio.Queue[Command] = asyncio.Queue(maxsize=max_queued)
        self._task: asyncio.Task[None] | None = None
        self.command_timeout_s = command_timeout_s
        self.on_broken = on_broken
        #: Commands dropped unrun because they waited past their deadline (overload).
        self.dropped = 0

    def now(self) -> float:
        """The engine clock: the injected clock, never going backwards."""
        return max(self.clock(), self.engine.now)

    def start(self) -> None:
        """Start the loop task."""
        self._task = asyncio.create_task(self._run(), name=f"guichet-router-{self.org_id}")

    async def stop(self) -> None:
        """Stop the loop; pending commands fail with `RouterBroken`."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while not self._queue.empty():
            cmd = self._queue.get_nowait()
            if not cmd.future.done():
                cmd.future.set_exception(RouterBroken("the routing loop stopped"))

    async def run(
        self,
        prepare: Prepare | None,
        *,
        actor_id: int | None = None,
        after: After | None = None,
        keep_on_refusal: bool = False,
        agents: Collection[str] = (),
        interactions: Collection[str] = (),
        old_queues: Collection[int] = (),
        pure: bool = False,
    ) -> Outcome:
        """Run a command in the loop and wait for its committed outcome."""
        if self.broken:
            raise RouterBroken("the routing loop is being rebuilt; retry in a moment")
        fut: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        cmd = Command(
            prepare,
            actor_id,
            fut,
            after,
            keep_on_refusal,
            tuple(agents),
            tuple(interactions),
            old_queues,
            pure,
            time.monotonic() + self.command_timeout_s,
        )
        try:
            self._queue.put_nowait(cmd)
        except asyncio.QueueFull:
            raise Overloaded("routing is overloaded; retry in a moment") from None
        # Not cancelled with the caller: a started command runs to its commit either way.
        return await asyncio.shield(fut)

    async def submit(self, event: Event, *, actor_id: int | None = None) -> list[Decision]:
        """Hand one event to the engine; returns its decisions once they are committed."""

        async def prepare(_s: AsyncSession, _e: RoutingEngine) -> tuple[Event | None, Any]:
            return event, None

        return (await self.run(prepare, actor_id=actor_id, pure=True)).decisions

    async def tick(self) -> list[Decision]:
        """Fire the timers due now (tests with an injected clock call this)."""
        return (await self.run(None, pure=True)).decisions

    async def _run(self) -> None:
        while True:
            deadline = earliest(self.engine.next_deadline(), self.dispositions)
            cmds: list[Command] = []
            try:
                if deadline is None:
                    cmds.append(await self._queue.get())
                else:
                    wait = max(0.0, deadline - self.clock())
                    cmds.append(await asyncio.wait_for(self._queue.get(), wait))
            except TimeoutError:
                pass
            # Group commit: the commands already waiting share one transaction.
            while cmds and len(cmds) < MAX_BATCH:
                try:
                    cmds.append(self._queue.get_nowait())
                except asyncio.QueueEmpty:
                    break
            if cmds:
                cmds = self._live(cmds)
                if not cmds:
                    continue
            try:
                results = await self._steps(cmds)
            except Exception as exc:
                failure = exc if self.broken else None
                if failure is not None:
                    exc = RouterBroken("routing failed and is being rebuilt; retry in a moment")
                for cmd in cmds:
                    if not cmd.future.done():
                        cmd.future.set_exception(exc)
                if failure is not None:
                    log.error(
                        "routing loop of organization %s broke; rebuilding it",
                        self.org_id,
                        exc_info=failure,
                    )
                    self._fail_queued()
                    if self.on_broken is not None:
                        self.on_broken(self, failure)
                    return
                continue
            for cmd, result in results:
                if cmd.future.done():
                    continue
                if isinstance(result, Outcome):
                    cmd.future.set_result(result)
                else:
                    cmd.future.set_exception(result)

    def _live(self, cmds: list[Command]) -> list[Command]:
        """Drop the commands that waited past their deadline, unrun (their callers gave up)."""
        now = time.monotonic()
        kept = []
        for cmd in cmds:
            if cmd.future.done():
                continue
            if now > cmd.deadline:
                self.dropped += 1
                cmd.future.set_exception(
                    Overloaded("routing is overloaded: the request waited too long; retry")
                )
                continue
            kept.append(cmd)
        return kept

    def _fail_queued(self) -> None:
        while not self._queue.empty():
            cmd = self._queue.get_nowait()
            if not cmd.future.done():
                cmd.future.set_exception(
                    RouterBroken("routing failed and is being rebuilt; retry in a moment")
                )

    async def _steps(self, cmds: list[Command]) -> list[tuple[Command, Outcome | Exception]]:
        """Run the commands (or the due timers) in one transaction; publish after the commit."""
        pubs: list[Publication] = []
        results: list[tuple[Command, Outcome | Exception]] = []
        async with self.sessions() as session:
            if cmds:
                await self._refresh_config(session)
            else:
                now = self.now()
                decisions = self.engine.advance(now)
                try:
                    pubs = await apply_batch(
                        session,
                        self.engine,
                        org_id=self.org_id,
                        audience=self.loaded.audience,
                        batch=Batch(None, decisions, now),
                    )
                    await session.commit()
                except Exception:
                    self.broken = True
                    raise
                self.publish(pubs)
                pubs = []
            await self._expire_dispositions(session)
            batches: list[Batch] = []
            for cmd in cmds:
                results.append((cmd, await self._one(session, cmd, batches)))
            if cmds:
                try:
                    if batches:
                        pubs = await apply_batches(
                            session,
                            self.engine,
                            org_id=self.org_id,
                            audience=self.loaded.audience,
                            batches=batches,
                        )
                    for cmd, result in results:
                        if cmd.after is not None and isinstance(result, Outcome):
                            await cmd.after(session, result.decisions)
                    await session.commit()
                except Exception:
                    self.broken = True
                    raise
        self.publish(pubs)
        return results

    async def _expire_dispositions(self, session: AsyncSession) -> None:
        """R-W-3: fire the disposition deadlines passed (own commit); publish at once."""
        try:
            pubs = await expire_due(
                session,
                self.engine,
                org_id=self.org_id,
                audience=self.loaded.audience,
                dues=self.dispositions,
                now=self.now(),
            )
        except Exception:
            self.broken = True
            raise
        self.publish(pubs)

    async def _one(
        self, session: AsyncSession, cmd: Command, batches: list[Batch]
    ) -> Outcome | Exception:
        """Run one command's own writes (in a savepoint) and its engine event.

        A failing command undoes only its own writes; the decisions are written for the whole
        group afterwards (`apply_batches`).
        """
        engine = self.engine
        outcome = Outcome()
        savepoint = None if cmd.pure else await session.begin_nested()
        now = self.now()
        event: Event | None = None
        try:
            if cmd.prepare is not None:
                event, outcome.result = await cmd.prepare(session, engine)
        except Exception as exc:  # a validation error: nothing of it stays
            if savepoint is not None:
                await savepoint.rollback()
            return exc
        before = engine.now
        try:
            decisions = engine.handle(event, now) if event else engine.advance(now)
        except Exception as exc:
            if savepoint is not None:
                await savepoint.rollback()
            if engine.now != before:
                self.broken = True
                raise
            return exc
        outcome.decisions = decisions
        refused = any(isinstance(d, RefuseEvent) for d in decisions)
        if refused and len(decisions) == 1 and not cmd.keep_on_refusal:
            # The engine changed nothing: neither do the command's own writes.
            if savepoint is not None:
                await savepoint.rollback()
            return outcome
        if savepoint is not None:
            await savepoint.commit()
        batch = Batch(event, decisions, now, cmd.actor_id)
        batch.agents |= set(cmd.agents)
        batch.interactions |= set(cmd.interactions)
        batch.old_queues |= set(cmd.old_queues)
        batches.append(batch)
        return outcome

    async def _refresh_config(self, session: AsyncSession) -> None:
        """Apply configuration changes made since the last command (queues, skills, users).

        The fingerprint query runs only when this process committed a configuration write since
        the last look (``persistence.changes``), or every ``CONFIG_RECHECK_S`` for the writes of
        other processes.
        """
        gen, now = changes.generation(), time.monotonic()
        if gen == self._config_generation and now - self._config_checked < CONFIG_RECHECK_S:
            return
        self._config_generation, self._config_checked = gen, now
        stamp = await fingerprint(session, org_id=self.org_id)
        if stamp == self.loaded.fingerprint:
            return
        loaded = await load_config(session, org_id=self.org_id)
        await session.rollback()
        self.loaded = loaded
        decisions = self.engine.handle(ConfigurationChanged(loaded.config), self.now())
        if decisions:
            batch = Batch(None, decisions, self.engine.now)
            try:
                pubs = await apply_batch(
                    session, self.engine, org_id=self.org_id, audience=loaded.audience, batch=batch
                )
                await session.commit()
            except Exception:
                self.broken = True
                raise
            self.publish(pubs)

    def publish(self, pubs: list[Publication]) -> None:
        """Hand committed changes to the bus (never before the commit)."""
        for p in pubs:
            if p.event.get("type") == LiveEvent.INTERACTION:
                track(self.dispositions, p.event["interaction"])
        bus = self.bus()
        if bus is None:
            return
        for p in pubs:
            if p.user_ids:
                bus.publish(self.org_id, p.event, user_ids=sorted(p.user_ids))
