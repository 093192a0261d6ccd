"""The WebSocket frames a client may send, their parsing, and the close and error codes.

Every frame is a JSON object with an ``op``; anything else is a bad frame, answered with
``{"op": "error", "code": "BAD_REQUEST"}`` and never an exception that reaches the server.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from guichet.domain.times import iso

# Close codes (4000-4999 are free for applications).
CLOSE_BAD_TICKET = 4001
"""The ticket is missing, unknown, used or expired, or the session behind it ended."""
CLOSE_BAD_FRAME = 4400
"""A frame too large, or too many malformed frames in a row."""

# Error codes carried by ``{"op": "error"}`` frames; the socket stays open.
BAD_REQUEST = "BAD_REQUEST"
BAD_EVENT_QUEUE_ID = "BAD_EVENT_QUEUE_ID"
SNAPSHOT_FAILED = "SNAPSHOT_FAILED"

MAX_FRAME_CHARS = 64 * 1024
MAX_BAD_FRAMES = 20
MAX_EVENT_TYPES = 200

EventType = Annotated[str, Field(min_length=1, max_length=100)]
EventId = Annotated[int, Field(ge=0, le=2**62, strict=True)]
QueueId = Annotated[str, Field(min_length=1, max_length=100)]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Register(_Frame):
    """Create a queue (optionally for some event types only) and take a snapshot."""

    op: Literal["register"]
    event_types: list[EventType] | None = Field(default=None, max_length=MAX_EVENT_TYPES)


class Resume(_Frame):
    """Continue a queue after a drop from the last event id the client applied."""

    op: Literal["resume"]
    queue_id: QueueId
    last_event_id: EventId


class Ack(_Frame):
    """The client applied every event up to ``last_event_id``: the server may forget them."""

    op: Literal["ack"]
    last_event_id: EventId


class Ping(_Frame):
    """Is the server there? Answered by ``{"op": "pong"}``."""

    op: Literal["ping"]


ClientFrame = Annotated[Register | Resume | Ack | Ping, Field(discriminator="op")]
_FRAMES: TypeAdapter[Register | Resume | Ack | Ping] = TypeAdapter(ClientFrame)


class BadFrame(ValueError):
    """A frame the protocol does not allow; ``detail`` says why, for the client."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def parse_frame(text: str) -> Register | Resume | Ack | Ping:
    """The client frame in ``text``, or ``BadFrame`` naming the first problem."""
    try:
        return _FRAMES.validate_json(text)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadFrame(f"{where}: {first['msg']}" if where else str(first["msg"])) from None


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON-able")


def encode(frame: dict[str, Any]) -> str:
    """Compact JSON for one server frame; datetimes as ISO 8601, enums as their value."""
    return json.dumps(frame, separators=(",", ":"), default=_jsonable)


def error_frame(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """An error answer; the socket stays open."""
    return {"op": "error", "code": code, "detail": detail, **extra}
