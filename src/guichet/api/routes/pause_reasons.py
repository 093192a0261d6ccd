"""Pause reasons (R-Q-9): configuration, and the list and menu mode agents see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from guichet.actions import pause_reasons as actions
from guichet.api.deps import CurrentUser, Principal, Require, SessionDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.catalog import (
    PauseMenuRead,
    PauseReasonCreate,
    PauseReasonRead,
    PauseReasonUpdate,
)
from guichet.api.schemas.text import Line
from guichet.authz import Permission
from guichet.errors import Forbidden, NotFound

router = APIRouter(prefix="/pause-reasons", tags=["pause-reasons"], responses=CLIENT_ERRORS)

Manager = Annotated[Principal, Require(Permission.PAUSE_REASONS_MANAGE)]
Catalog = Annotated[Principal, Require(Permission.CATALOG_VIEW)]


def _enabled_only(principal: Principal, enabled: bool | None) -> bool | None:
    """Callers without PAUSE_REASONS_VIEW (agents) see the enabled reasons only."""
    if principal.can(Permission.PAUSE_REASONS_VIEW):
        return enabled
    principal.require(Permission.CATALOG_VIEW)
    if enabled is False:
        raise Forbidden(
            f"disabled pause reasons need the permission {Permission.PAUSE_REASONS_VIEW}"
        )
    return True


@router.get("", response_model=list[PauseReasonRead])
async def list_pause_reasons(
    principal: CurrentUser,
    session: SessionDep,
    enabled: bool | None = Query(None, description="only enabled (true) or disabled (false)"),
    q: Line | None = Query(None, max_length=255, description="name contains (case ignored)"),
) -> list[PauseReasonRead]:
    """The organization's pause reasons by name (agents: the enabled ones)."""
    rows = await actions.list_pause_reasons(
        session, org_id=principal.org_id, enabled=_enabled_only(principal, enabled), q=q
    )
    return [PauseReasonRead.model_validate(r) for r in rows]


@router.get("/mode", response_model=PauseMenuRead, response_model_exclude_none=True)
async def pause_menu_mode(session: SessionDep, principal: Catalog) -> PauseMenuRead:
    """R-Q-9: "simple" (Ready / Pause all queues) when no reason is enabled, else the list."""
    rows = await actions.menu_reasons(session, org_id=principal.org_id)
    if not rows:
        return PauseMenuRead(mode="simple")
    return PauseMenuRead(mode="reasons", reasons=[PauseReasonRead.model_validate(r) for r in rows])


@router.get("/{reason_id}", response_model=PauseReasonRead)
async def get_pause_reason(
    reason_id: int, principal: CurrentUser, session: SessionDep
) -> PauseReasonRead:
    """One pause reason (agents: only an enabled one)."""
    only = _enabled_only(principal, None)
    row = await actions.get_pause_reason(session, org_id=principal.org_id, reason_id=reason_id)
    if only is True and not row.enabled:
        raise NotFound(f"pause reason {reason_id} not found")
    return PauseReasonRead.model_validate(row)


@router.post("", response_model=PauseReasonRead, status_code=status.HTTP_201_CREATED)
async def create_pause_reason(
    body: PauseReasonCreate, principal: Manager, session: SessionDep
) -> PauseReasonRead:
    """Add a pause reason (R-Q-9)."""
    row = await actions.do_create_pause_reason(
        session, org_id=principal.org_id, name=body.name, enabled=body.enabled
    )
    return PauseReasonRead.model_validate(row)


@router.patch("/{reason_id}", response_model=PauseReasonRead)
async def update_pause_reason(
    reason_id: int, body: PauseReasonUpdate, principal: Manager, session: SessionDep
) -> PauseReasonRead:
    """Rename, enable or disable a pause reason (R-Q-9); not the system one."""
    row = await actions.do_update_pause_reason(
        session,
        org_id=principal.org_id,
        reason_id=reason_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return PauseReasonRead.model_validate(row)


@router.delete("/{reason_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_pause_reason(reason_id: int, principal: Manager, session: SessionDep) -> None:
    """Delete a pause reason (R-Q-9); not the system one."""
    await actions.do_delete_pause_reason(session, org_id=principal.org_id, reason_id=reason_id)
