"""The real-time socket: ``POST /ws/tickets`` then ``/ws?ticket=...`` (see docs/realtime.md).

A client registers an event queue and gets a snapshot, then receives the events that follow
as they are published; after a drop it resumes from the last event id it applied, or
registers again when the server answers ``BAD_EVENT_QUEUE_ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

import anyio
import anyio.abc
from fastapi import APIRouter, WebSocket, status
from starlette.websockets import WebSocketDisconnect

from guichet.actions.permissions import load_permissions
from guichet.api.deps import AppState, CurrentUser, Principal, StateDep
from guichet.api.schemas.common import Output
from guichet.persistence.models import AuthToken, User, utcnow
from guichet.realtime import QueueGone
from guichet.realtime import protocol as proto
from guichet.realtime.tickets import TicketGrant

router = APIRouter(tags=["realtime"])
log = logging.getLogger(__name__)

# How long the pusher waits on the queue before looking again (it wakes on every publish).
PUSH_WAIT_S = 60.0


class TicketRead(Output):
    """A one-use ticket to open the socket with, and its lifetime in seconds."""

    ticket: str
    expires_in: int


@router.post("/ws/tickets", response_model=TicketRead, status_code=status.HTTP_201_CREATED)
async def create_ticket(principal: CurrentUser, state: StateDep) -> TicketRead:
    """A ticket for ``/api/v1/ws?ticket=...``: valid 30 s, once, for the caller only."""
    ticket = state.tickets.issue(
        org_id=principal.org_id, user_id=principal.user_id, token_id=principal.token_id
    )
    return TicketRead(ticket=ticket, expires_in=int(state.tickets.ttl_s))


async def load_principal(state: AppState, grant: TicketGrant) -> Principal | None:
    """The caller a ticket speaks for, if the user is active and the session still valid."""
    async with state.sessions() as session:
        user = await session.get(User, grant.user_id)
        token = await session.get(AuthToken, grant.token_id)
        if user is None or token is None or not user.is_active:
            return None
        if user.org_id != grant.org_id or token.user_id != user.id or token.revoked_at:
            return None
        if token.expires_at is not None and token.expires_at <= utcnow():
            return None
        perms = await load_permissions(session, org_id=user.org_id)
        return Principal(user=user, token_id=token.id, via_cookie=False, permissions=perms)


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    """Authenticate the ticket, then speak the frame protocol until either side closes."""
    state: AppState = websocket.app.state.guichet
    await websocket.accept()
    grant = state.tickets.redeem(websocket.query_params.get("ticket", ""))
    principal = None if grant is None else await load_principal(state, grant)
    if grant is None or principal is None:
        await websocket.close(code=proto.CLOSE_BAD_TICKET, reason="bad or expired ticket")
        return
    await Connection(websocket, state, principal, grant).run()


def _jsonable(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON-able")


def encode(frame: dict[str, Any]) -> str:
    """Compact JSON for one frame; datetimes as ISO 8601, enums as their value."""
    return json.dumps(frame, separators=(",", ":"), default=_jsonable)


class _Stop(Exception):
    """Ends the connection's tasks."""


class Connection:
    """One socket: a receive loop, a heartbeat, and a pusher for the current queue."""

    def __init__(
        self, websocket: WebSocket, state: AppState, principal: Principal, grant: TicketGrant
    ) -> None:
        self.ws = websocket
        self.state = state
        self.principal = principal
        self.grant = grant
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
            await self._stop_pusher()

    @staticmethod
    async def _until_stopped(
        group: anyio.abc.TaskGroup, loop: Callable[[], Awaitable[None]]
    ) -> None:
        try:
            await loop()
        except _Stop:
            pass
        finally:
            # Either loop ending ends the connection.
            group.cancel_scope.cancel()

    async def send(self, frame: dict[str, Any]) -> bool:
        """Send one frame; False once the socket is gone."""
        async with self.send_lock:
            if self.closed:
                return False
            try:
                await self.ws.send_text(encode(frame))
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

    async def _receive_loop(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                self.closed = True
                raise _Stop
            text = message.get("text")
            if text is None:
                await self._bad_frame("frames are JSON text, not binary")
            elif len(text) > proto.MAX_FRAME_CHARS:
                await self.close(proto.CLOSE_BAD_FRAME, "frame too large")
                raise _Stop
            else:
                await self._handle(text)

    async def _heartbeat_loop(self) -> None:
        period = self.state.settings.ws_heartbeat_s
        while True:
            await asyncio.sleep(period)
            # A deactivated user or an ended session loses the socket at the next beat.
            if await load_principal(self.state, self.grant) is None:
                await self.close(proto.CLOSE_BAD_TICKET, "session ended")
                raise _Stop
            if not await self.send({"op": "heartbeat"}):
                raise _Stop

    async def _bad_frame(self, detail: str) -> None:
        self.bad_frames += 1
        if self.bad_frames > proto.MAX_BAD_FRAMES:
            await self.close(proto.CLOSE_BAD_FRAME, "too many malformed frames")
            raise _Stop
        await self.send(proto.error_frame(proto.BAD_REQUEST, detail))

    async def _handle(self, text: str) -> None:
        try:
            frame = proto.parse_frame(text)
        except proto.BadFrame as exc:
            await self._bad_frame(exc.detail)
            return
        self.bad_frames = 0
        if isinstance(frame, proto.Ping):
            await self.send({"op": "pong"})
        elif isinstance(frame, proto.Register):
            await self._register(frame)
        elif isinstance(frame, proto.Resume):
            await self._resume(frame)
        else:
            await self._ack(frame)

    async def _register(self, frame: proto.Register) -> None:
        bus = self.state.bus
        await self._stop_pusher()
        if self.queue_id is not None:
            bus.close(self.queue_id)
            self.queue_id = None
        # The queue first, then the snapshot: nothing published in between is missed.
        queue_id, last = bus.register(
            self.principal.org_id, self.principal.user_id, event_types=frame.event_types
        )
        try:
            snapshot = await self.state.snapshots(self.principal)
        except Exception:
            log.exception("snapshot failed for user %s", self.principal.user_id)
            bus.close(queue_id)
            await self.send(proto.error_frame(proto.SNAPSHOT_FAILED, "try to register again"))
            return
        self.queue_id, self.pushed = queue_id, last
        registered = {"op": "registered", "queue_id": queue_id, "last_event_id": last}
        if await self.send({**registered, "snapshot": snapshot}):
            self._start_pusher(queue_id)

    async def _resume(self, frame: proto.Resume) -> None:
        bus = self.state.bus
        try:
            info = bus.describe(frame.queue_id)
        except QueueGone:
            info = None
        if info is None or (info.org_id, info.user_id) != (
            self.principal.org_id,
            self.principal.user_id,
        ):
            # Someone else's queue is answered exactly like an unknown one.
            await self._queue_gone(frame.queue_id)
            return
        if frame.last_event_id > info.last_event_id:
            await self._bad_frame("last_event_id is ahead of the queue")
            return
        await self._stop_pusher()
        try:
            bus.ack(frame.queue_id, frame.last_event_id)
            missed = await bus.wait_events(frame.queue_id, frame.last_event_id, timeout_s=0)
        except QueueGone:
            await self._queue_gone(frame.queue_id)
            if self.queue_id is not None:  # keep serving the queue the socket had
                self._start_pusher(self.queue_id)
            return
        self.queue_id = frame.queue_id
        self.pushed = missed[-1]["id"] if missed else frame.last_event_id
        if await self.send({"op": "events", "queue_id": frame.queue_id, "events": missed}):
            self._start_pusher(frame.queue_id)

    async def _ack(self, frame: proto.Ack) -> None:
        if self.queue_id is None:
            await self._bad_frame("register or resume before acknowledging")
        elif frame.last_event_id > self.pushed:
            await self._bad_frame("last_event_id is ahead of what was sent")
        else:
            # A queue that vanished meanwhile is reported by the pusher.
            with contextlib.suppress(QueueGone):
                self.state.bus.ack(self.queue_id, frame.last_event_id)

    async def _queue_gone(self, queue_id: str) -> None:
        if self.queue_id == queue_id:
            self.queue_id = None
        detail = "the event queue is gone: register again"
        await self.send(proto.error_frame(proto.BAD_EVENT_QUEUE_ID, detail, queue_id=queue_id))

    def _start_pusher(self, queue_id: str) -> None:
        self.pusher = asyncio.create_task(self._push(queue_id))

    async def _stop_pusher(self) -> None:
        pusher, self.pusher = self.pusher, None
        if pusher is not None and not pusher.done():
            pusher.cancel()
            # wait() lets the pusher finish without swallowing a cancellation of this task.
            await asyncio.wait([pusher])

    async def _push(self, queue_id: str) -> None:
        bus = self.state.bus
        while True:
            try:
                events = await bus.wait_events(queue_id, self.pushed, timeout_s=PUSH_WAIT_S)
            except QueueGone:
                await self._queue_gone(queue_id)
                return
            if not events:
                continue
            # Counted as sent before the send, so a quick acknowledgement is never "ahead".
            self.pushed = events[-1]["id"]
            if not await self.send({"op": "events", "queue_id": queue_id, "events": events}):
                return
