"""One WebSocket speaking the event protocol (docs/realtime.md): register, resume, ack, ping.

Three activities share the socket: a receive loop answering client frames, a heartbeat that
also re-checks the session, and a pusher that forwards the current queue's events as they are
published. The first heartbeat comes at a random moment of the second half of the first
period, then one every period: sockets opened together (every agent reconnecting after a
restart) spread their session re-checks over half a period instead of all querying the
database in the same second (issue 12 finding 13). The connection knows nothing of
authentication or storage: the endpoint hands it the caller's ids and two callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.abc
from starlette.websockets import WebSocket, WebSocketDisconnect

from guichet.realtime import connection_frames as frames
from guichet.realtime import protocol as proto
from guichet.realtime.bus import EventBus, QueueGone
from guichet.realtime.connection_frames import SessionEnded, Stop

log = logging.getLogger(__name__)

__all__ = ["Connection", "SessionEnded", "Stop"]

# How long the pusher waits on the queue before looking again (it wakes on every publish).
PUSH_WAIT_S = 60.0
CLOSE_INTERNAL = 1011
#: The first heartbeat comes after this fraction of the period, drawn per socket.
FIRST_BEAT = (0.5, 1.0)

Snapshot = Callable[[], Awaitable[dict[str, Any]]]
StillAllowed = Callable[[], Awaitable[bool]]


class Connection:
    """One socket: a receive loop, a heartbeat, and a pusher for the current queue."""

    def __init__(
        self,
        websocket: WebSocket,
        *,
        bus: EventBus,
        org_id: int,
        user_id: int,
        snapshot: Snapshot,
        still_allowed: StillAllowed,
        heartbeat_s: float,
        first_beat_s: float | None = None,
    ) -> None:
        self.ws = websocket
        self.bus = bus
        self.org_id = org_id
        self.user_id = user_id
        self.snapshot = snapshot
        self.still_allowed = still_allowed
        self.heartbeat_s = heartbeat_s
        #: When the first heartbeat (and session re-check) comes; never later than one period.
        self.first_beat_s = (
            heartbeat_s * random.uniform(*FIRST_BEAT) if first_beat_s is None else first_beat_s
        )
        self.queue_id: str | None = None
        self.pushed = 0  # the last event id sent on the current queue
        self.pusher: asyncio.Task[None] | None = None
        self.bad_frames = 0
        self.send_lock = asyncio.Lock()
        self.closed = False

    async def run(self) -> None:
        """Serve until the client leaves, the session ends or the protocol is broken."""
        try:
            # An anyio task group, as Starlette's own cancellation is anyio's.
            async with anyio.create_task_group() as group:
                group.start_soon(self._until_stopped, group, self._receive_loop)
                group.start_soon(self._until_stopped, group, self._heartbeat_loop)
        finally:
            await self.stop_pusher()

    @staticmethod
    async def _until_stopped(
        group: anyio.abc.TaskGroup, loop: Callable[[], Awaitable[None]]
    ) -> None:
        try:
            await loop()
        except Stop:
            pass
        finally:
            # Either loop ending ends the connection.
            group.cancel_scope.cancel()

    async def send(self, frame: dict[str, Any]) -> bool:
        """Send one frame; False once the socket is gone. Unencodable frames raise TypeError."""
        text = proto.encode(frame)
        async with self.send_lock:
            if self.closed:
                return False
            try:
                await self.ws.send_text(text)
            except (WebSocketDisconnect, RuntimeError, OSError):
                self.closed = True
                return False
            return True

    async def close(self, code: int, reason: str) -> None:
        """Close the socket with an application code (once)."""
        async with self.send_lock:
            if not self.closed:
                self.closed = True
                with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                    await self.ws.close(code=code, reason=reason)

    async def bad_frame(self, detail: str) -> None:
        """Answer BAD_REQUEST; too many in a row close the socket with 4400."""
        self.bad_frames += 1
        if self.bad_frames > proto.MAX_BAD_FRAMES:
            await self.close(proto.CLOSE_BAD_FRAME, "too many malformed frames")
            raise Stop
        await self.send(proto.error_frame(proto.BAD_REQUEST, detail))

    async def _receive_loop(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                self.closed = True
                raise Stop
            text = message.get("text")
            if text is None:
                await self.bad_frame("frames are JSON text, not binary")
            elif len(text) > proto.MAX_FRAME_CHARS:
                await self.close(proto.CLOSE_BAD_FRAME, "frame too large")
                raise Stop
            else:
                await frames.handle(self, text)

    async def _heartbeat_loop(self) -> None:
        wait = self.first_beat_s
        while True:
            await asyncio.sleep(wait)
            wait = self.heartbeat_s
            # A deactivated user or an ended session loses the socket at the next beat.
            try:
                allowed = await self.still_allowed()
            except Exception:
                log.exception("session re-check failed for user %s", self.user_id)
                await self.close(CLOSE_INTERNAL, "server error")
                raise Stop from None
            if not allowed:
                # An ended session may not resume: its queue goes with the socket.
                await self.stop_pusher()
                if self.queue_id is not None:
                    self.bus.close(self.queue_id)
                    self.queue_id = None
                await self.close(proto.CLOSE_BAD_TICKET, "session ended")
                raise Stop
            if not await self.send({"op": "heartbeat"}):
                raise Stop

    def start_pusher(self, queue_id: str) -> None:
        """Forward the events of ``queue_id`` after ``self.pushed`` as they arrive."""
        self.pusher = asyncio.create_task(self._push(queue_id))

    async def stop_pusher(self) -> None:
        """Stop forwarding events (before switching queues or closing)."""
        pusher, self.pusher = self.pusher, None
        if pusher is not None and not pusher.done():
            pusher.cancel()
            # wait() lets the pusher finish without swallowing a cancellation of this task.
            await asyncio.wait([pusher])

    async def _push(self, queue_id: str) -> None:
        while True:
            try:
                events = await self.bus.wait_events(queue_id, self.pushed, timeout_s=PUSH_WAIT_S)
            except QueueGone:
                await frames.queue_gone(self, queue_id)
                return
            if not events:
                continue
            # Counted as sent before the send, so a quick acknowledgement is never "ahead".
            self.pushed = events[-1]["id"]
            frame = {"op": "events", "queue_id": queue_id, "events": events}
            if not await frames.send_events(self, queue_id, frame):
                return
