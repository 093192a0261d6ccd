"""Canned messages (R-Q-11): public ones for everyone, private ones for their author only."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from guichet.actions import canned_messages as actions
from guichet.api.deps import CurrentUser, Principal, Require, SessionDep
from guichet.api.schemas.catalog import (
    CannedMessageCreate,
    CannedMessageRead,
    CannedMessageUpdate,
)
from guichet.authz import Permission

router = APIRouter(prefix="/canned-messages", tags=["canned-messages"])

Catalog = Annotated[Principal, Require(Permission.CATALOG_VIEW)]


def _held(principal: Principal) -> frozenset[Permission]:
    """R-P-3: which of "manage own" / "manage public" the caller holds."""
    return frozenset(
        p for p in (Permission.CANNED_OWN, Permission.CANNED_PUBLIC) if principal.can(p)
    )


@router.get("", response_model=list[CannedMessageRead])
async def list_canned_messages(
    principal: Catalog,
    session: SessionDep,
    shortcut: str | None = Query(
        None, max_length=64, description="exact shortcut (case ignored): own private one first"
    ),
    visibility: Literal["public", "private"] | None = Query(None),
    active: bool | None = Query(None, description="only active (true) or inactive (false)"),
    q: str | None = Query(
        None, max_length=64, description="shortcut or title contains (case ignored)"
    ),
) -> list[CannedMessageRead]:
    """R-Q-11: the caller's private messages, then the public ones, by shortcut."""
    rows = await actions.list_canned_messages(
        session,
        org_id=principal.org_id,
        user_id=principal.user_id,
        shortcut=shortcut,
        visibility=visibility,
        active=active,
        q=q,
    )
    return [CannedMessageRead.model_validate(r) for r in rows]


@router.get("/{message_id}", response_model=CannedMessageRead)
async def get_canned_message(
    message_id: int, principal: Catalog, session: SessionDep
) -> CannedMessageRead:
    """One canned message; another author's private one is not found (R-Q-11)."""
    row = await actions.get_canned_message(
        session, org_id=principal.org_id, user_id=principal.user_id, message_id=message_id
    )
    return CannedMessageRead.model_validate(row)


@router.post("", response_model=CannedMessageRead, status_code=status.HTTP_201_CREATED)
async def create_canned_message(
    body: CannedMessageCreate, principal: CurrentUser, session: SessionDep
) -> CannedMessageRead:
    """Add a canned message (R-Q-11) under the caller's R-P-3 permissions."""
    row = await actions.do_create_canned_message(
        session,
        org_id=principal.org_id,
        user_id=principal.user_id,
        held=_held(principal),
        shortcut=body.shortcut,
        title=body.title,
        text=body.text,
        visibility=body.visibility,
        active=body.active,
    )
    return CannedMessageRead.model_validate(row)


@router.patch("/{message_id}", response_model=CannedMessageRead)
async def update_canned_message(
    message_id: int, body: CannedMessageUpdate, principal: CurrentUser, session: SessionDep
) -> CannedMessageRead:
    """Edit, enable or disable a canned message (R-Q-11, R-P-3)."""
    row = await actions.do_update_canned_message(
        session,
        org_id=principal.org_id,
        user_id=principal.user_id,
        held=_held(principal),
        message_id=message_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return CannedMessageRead.model_validate(row)


@router.delete("/{message_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_canned_message(
    message_id: int, principal: CurrentUser, session: SessionDep
) -> None:
    """Delete a canned message (R-Q-11, R-P-3)."""
    await actions.do_delete_canned_message(
        session,
        org_id=principal.org_id,
        user_id=principal.user_id,
        held=_held(principal),
        message_id=message_id,
    )
