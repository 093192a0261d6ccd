"""The real-time socket: ``POST /ws/tickets`` then ``/ws?ticket=...`` (see docs/realtime.md).

A client registers an event queue and gets a snapshot, then receives the events that follow
as they happen; after a drop it resumes from the last event id it applied, or
registers again when the server answers ``BAD_EVENT_QUEUE_ID``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, WebSocket, status
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.permissions import load_permissions
from guichet.api.deps import AppState, CurrentUser, Principal, StateDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.realtime import TicketRead
from guichet.persistence.models import AuthToken, User, utcnow
from guichet.realtime import protocol as proto
from guichet.realtime.connection import Connection, SessionEnded
from guichet.realtime.tickets import TicketGrant

router = APIRouter(tags=["realtime"], responses=CLIENT_ERRORS)


@router.post("/ws/tickets", response_model=TicketRead, status_code=status.HTTP_201_CREATED)
async def create_ticket(principal: CurrentUser, state: StateDep) -> TicketRead:
    """A ticket for ``/api/v1/ws?ticket=...``: valid 30 s, once, for the caller only."""
    ticket = state.tickets.issue(
        org_id=principal.org_id, user_id=principal.user_id, token_id=principal.token_id
    )
    return TicketRead(ticket=ticket, expires_in=int(state.tickets.ttl_s))


async def _holder(session: AsyncSession, grant: TicketGrant) -> User | None:
    user = await session.get(User, grant.user_id)
    token = await session.get(AuthToken, grant.token_id)
    if user is None or token is None or not user.is_active:
        return None
    if user.org_id != grant.org_id or token.user_id != user.id or token.revoked_at:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    return user


async def load_principal(state: AppState, grant: TicketGrant) -> Principal | None:
    """The caller a ticket speaks for, if the user is active and the session still valid."""
    async with state.readers()() as session:
        user = await _holder(session, grant)
        if user is None:
            return None
        perms = await load_permissions(session, org_id=user.org_id)
        return Principal(user=user, token_id=grant.token_id, via_cookie=False, permissions=perms)


async def still_valid(state: AppState, grant: TicketGrant) -> bool:
    """Whether the user behind an open socket is still active and their session valid."""
    async with state.readers()() as session:
        return await _holder(session, grant) is not None


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

    async def snapshot() -> dict[str, Any]:
        # Roles may have changed since the socket opened: the snapshot follows the current ones.
        fresh = await load_principal(state, grant)
        if fresh is None:
            raise SessionEnded
        return await state.snapshots(fresh)

    connection = Connection(
        websocket,
        bus=state.bus,
        org_id=principal.org_id,
        user_id=principal.user_id,
        snapshot=snapshot,
        still_allowed=lambda: still_valid(state, grant),
        heartbeat_s=state.settings.ws_heartbeat_s,
    )
    await connection.run()
