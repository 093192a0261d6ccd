"""Answers of the real-time API: the socket's tickets (docs/realtime.md)."""

from __future__ import annotations

from pydantic import Field

from guichet.api.schemas.common import Output


class TicketRead(Output):
    """A one-use ticket to open the socket with, and its lifetime in seconds."""

    ticket: str = Field(description="pass it as ``/api/v1/ws?ticket=...``, once")
    expires_in: int = Field(description="seconds it stays valid")
