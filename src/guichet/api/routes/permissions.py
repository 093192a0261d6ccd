"""Contact-center permission switches (R-P-2, R-P-3, R-P-4): read, change, reset to defaults."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from guichet.actions import permissions as actions
from guichet.actions.permissions import PermissionState
from guichet.api.deps import Principal, Require, SessionDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.permissions import PermissionsRead, PermissionsUpdate
from guichet.authz import Permission

router = APIRouter(
    prefix="/contact-center/permissions", tags=["permissions"], responses=CLIENT_ERRORS
)

Viewer = Annotated[Principal, Require(Permission.PERMISSIONS_VIEW)]
Manager = Annotated[Principal, Require(Permission.PERMISSIONS_MANAGE)]


def _read(state: PermissionState) -> PermissionsRead:
    return PermissionsRead.model_validate({**state.grouped(), "version": state.version})


@router.get("", response_model=PermissionsRead)
async def get_permissions(principal: Viewer, session: SessionDep) -> PermissionsRead:
    """Every switch, grouped by supervisor (R-P-2), agent (R-P-3) and organization (R-P-4)."""
    return _read(await actions.load_permission_state(session, org_id=principal.org_id))


@router.patch("", response_model=PermissionsRead)
async def update_permissions(
    body: PermissionsUpdate, principal: Manager, session: SessionDep
) -> PermissionsRead:
    """Change the switches sent; they apply from the next request on."""
    state = await actions.do_update_permission_state(
        session, org_id=principal.org_id, changes=body.changes()
    )
    return _read(state)


@router.post("/reset", response_model=PermissionsRead)
async def reset_permissions(principal: Manager, session: SessionDep) -> PermissionsRead:
    """R-P-2 "reset to defaults": every switch back to its default value."""
    return _read(await actions.do_reset_permission_state(session, org_id=principal.org_id))
