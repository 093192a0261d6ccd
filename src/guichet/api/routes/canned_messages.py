"""Canned messages (R-Q-11, R-A-2 canned responses).

Private messages are their author's alone. Public ones belong to the whole organization (read
by everyone) or to a queue (read by its members, and further with the canned responses scope).
Lists and loads go through one SQL condition (:func:`guichet.queries.access.canned_where`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from guichet.actions import canned_messages as actions
from guichet.actions.queues import QueueReach
from guichet.api.deps import CurrentUser, Principal, SessionDep, SubjectDep
from guichet.api.routes.queues import queue_reach
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.catalog import (
    CannedMessageCreate,
    CannedMessageRead,
    CannedMessageUpdate,
)
from guichet.api.schemas.text import Line
from guichet.authz import Permission
from guichet.authz.access import Area, Scope
from guichet.errors import Forbidden

router = APIRouter(prefix="/canned-messages", tags=["canned-messages"], responses=CLIENT_ERRORS)


async def reader(principal: CurrentUser, subject: SubjectDep) -> Principal:
    """The caller, if they may read canned messages: ``catalog.view`` (every contact-center
    role) or a canned responses scope (R-A-2), so a Director without contact-center role reads
    them too. Which messages they read is the canned responses rule."""
    if not principal.can(Permission.CATALOG_VIEW) and subject.scope(Area.CANNED) is Scope.DENIED:
        raise Forbidden(
            "this needs the permission catalog.view or a canned responses scope", rule="R-A-2"
        )
    return principal


Catalog = Annotated[Principal, Depends(reader)]
#: The caller's reach over queues: a message's queue must be one they may see (R-A-2).
Reach = Annotated[QueueReach, Depends(queue_reach)]


def _held(principal: Principal) -> frozenset[Permission]:
    """R-P-3: which of "manage own" / "manage public" the caller holds."""
    return frozenset(
        p for p in (Permission.CANNED_OWN, Permission.CANNED_PUBLIC) if principal.can(p)
    )


@router.get("", response_model=list[CannedMessageRead])
async def list_canned_messages(
    principal: Catalog,
    subject: SubjectDep,
    session: SessionDep,
    shortcut: Line | None = Query(
        None, max_length=64, description="exact shortcut (case ignored): own private one first"
    ),
    visibility: Literal["public", "private"] | None = Query(None),
    active: bool | None = Query(None, description="only active (true) or inactive (false)"),
    q: Line | None = Query(
        None, max_length=64, description="shortcut or title contains (case ignored)"
    ),
) -> list[CannedMessageRead]:
    """What the caller may read (R-Q-11, R-A-2): their private messages, then public ones of
    queues, then the organization's, each by shortcut."""
    rows = await actions.list_canned_messages(
        session,
        subject=subject,
        shortcut=shortcut,
        visibility=visibility,
        active=active,
        q=q,
    )
    return [CannedMessageRead.model_validate(r) for r in rows]


@router.get("/{message_id}", response_model=CannedMessageRead)
async def get_canned_message(
    message_id: int, principal: Catalog, subject: SubjectDep, session: SessionDep
) -> CannedMessageRead:
    """One canned message the caller may read; any other is not found (R-Q-11, R-A-2)."""
    row = await actions.get_canned_message(session, subject=subject, message_id=message_id)
    return CannedMessageRead.model_validate(row)


@router.post("", response_model=CannedMessageRead, status_code=status.HTTP_201_CREATED)
async def create_canned_message(
    body: CannedMessageCreate, principal: CurrentUser, reach: Reach, session: SessionDep
) -> CannedMessageRead:
    """Add a canned message (R-Q-11) under the caller's R-P-3 permissions."""
    row = await actions.do_create_canned_message(
        session,
        reach=reach,
        held=_held(principal),
        shortcut=body.shortcut,
        title=body.title,
        text=body.text,
        visibility=body.visibility,
        active=body.active,
        queue_id=body.queue_id,
    )
    return CannedMessageRead.model_validate(row)


@router.patch("/{message_id}", response_model=CannedMessageRead)
async def update_canned_message(
    message_id: int,
    body: CannedMessageUpdate,
    principal: CurrentUser,
    reach: Reach,
    session: SessionDep,
) -> CannedMessageRead:
    """Edit, enable or disable a canned message (R-Q-11, R-P-3)."""
    row = await actions.do_update_canned_message(
        session,
        reach=reach,
        held=_held(principal),
        message_id=message_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return CannedMessageRead.model_validate(row)


@router.delete("/{message_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_canned_message(
    message_id: int, principal: CurrentUser, subject: SubjectDep, session: SessionDep
) -> None:
    """Delete a canned message (R-Q-11, R-P-3)."""
    await actions.do_delete_canned_message(
        session,
        subject=subject,
        held=_held(principal),
        message_id=message_id,
    )
