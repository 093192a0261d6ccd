"""What a connection does with each client frame: register, resume, ack, ping.

Free functions over a ``Connection``, kept apart to keep each file short.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from guichet.realtime import protocol as proto
from guichet.realtime.bus import QueueGone

if TYPE_CHECKING:
    from guichet.realtime.connection import Connection

log = logging.getLogger(__name__)


class Stop(Exception):
    """Ends the connection's activities."""


class SessionEnded(Exception):
    """Raised by a snapshot callback when the caller may no longer be served (close 4001)."""


async def handle(conn: Connection, text: str) -> None:
    """Parse one client frame and act on it; a bad frame is answered, never raised."""
    try:
        frame = proto.parse_frame(text)
    except proto.BadFrame as exc:
        await conn.bad_frame(exc.detail)
        return
    conn.bad_frames = 0
    if isinstance(frame, proto.Ping):
        await conn.send({"op": "pong"})
    elif isinstance(frame, proto.Register):
        await register(conn, frame)
    elif isinstance(frame, proto.Resume):
        await resume(conn, frame)
    else:
        await ack(conn, frame)


async def register(conn: Connection, frame: proto.Register) -> None:
    """A new queue, then the snapshot: nothing published in between is missed."""
    await conn.stop_pusher()
    if conn.queue_id is not None:
        conn.bus.close(conn.queue_id)
        conn.queue_id = None
    queue_id, last = conn.bus.register(conn.org_id, conn.user_id, event_types=frame.event_types)
    try:
        snapshot = await conn.snapshot()
        answer = {"op": "registered", "queue_id": queue_id, "last_event_id": last}
        conn.queue_id, conn.pushed = queue_id, last
        sent = await conn.send({**answer, "snapshot": snapshot})
    except SessionEnded:
        conn.queue_id = None
        conn.bus.close(queue_id)
        await conn.close(proto.CLOSE_BAD_TICKET, "session ended")
        raise Stop from None
    except Exception:
        log.exception("snapshot failed for user %s", conn.user_id)
        conn.queue_id = None
        conn.bus.close(queue_id)
        await conn.send(proto.error_frame(proto.SNAPSHOT_FAILED, "try to register again"))
        return
    if sent:
        conn.start_pusher(queue_id)


async def resume(conn: Connection, frame: proto.Resume) -> None:
    """Hand back the events after the client's last id, then keep pushing."""
    try:
        info = conn.bus.describe(frame.queue_id)
    except QueueGone:
        info = None
    if info is None or (info.org_id, info.user_id) != (conn.org_id, conn.user_id):
        # Someone else's queue is answered exactly like an unknown one.
        await queue_gone(conn, frame.queue_id)
        return
    if frame.last_event_id > info.last_event_id:
        await conn.bad_frame("last_event_id is ahead of the queue")
        return
    await conn.stop_pusher()
    try:
        conn.bus.ack(frame.queue_id, frame.last_event_id)
        missed = await conn.bus.wait_events(frame.queue_id, frame.last_event_id, timeout_s=0)
    except QueueGone:
        await queue_gone(conn, frame.queue_id)
        if conn.queue_id is not None:  # keep serving the queue the socket had
            conn.start_pusher(conn.queue_id)
        return
    conn.queue_id = frame.queue_id
    conn.pushed = missed[-1]["id"] if missed else frame.last_event_id
    answer = {"op": "events", "queue_id": frame.queue_id, "events": missed}
    if await send_events(conn, frame.queue_id, answer):
        conn.start_pusher(frame.queue_id)


async def ack(conn: Connection, frame: proto.Ack) -> None:
    """Let the bus forget what the client applied."""
    if conn.queue_id is None:
        await conn.bad_frame("register or resume before acknowledging")
    elif frame.last_event_id > conn.pushed:
        await conn.bad_frame("last_event_id is ahead of what was sent")
    else:
        # A queue that vanished meanwhile is reported by the pusher.
        with contextlib.suppress(QueueGone):
            conn.bus.ack(conn.queue_id, frame.last_event_id)


async def queue_gone(conn: Connection, queue_id: str) -> None:
    """Tell the client to register again."""
    if conn.queue_id == queue_id:
        conn.queue_id = None
    detail = "the event queue is gone: register again"
    await conn.send(proto.error_frame(proto.BAD_EVENT_QUEUE_ID, detail, queue_id=queue_id))


async def send_events(conn: Connection, queue_id: str, frame: dict[str, Any]) -> bool:
    """Send an events frame; an event that cannot be encoded costs the client its queue."""
    try:
        return await conn.send(frame)
    except (TypeError, ValueError):
        # Skipping the event would leave the client wrong; a fresh snapshot will not.
        log.exception("an event of queue %s is not JSON-able", queue_id)
        conn.bus.close(queue_id)
        await queue_gone(conn, queue_id)
        return False
