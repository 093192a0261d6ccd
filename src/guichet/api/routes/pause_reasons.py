"""Pause reasons (R-Q-9): configuration, and the list and menu mode agents see."""

from __future__ import annotations

from fastapi import APIRouter

from guichet.actions.pause_reasons import PAUSE_REASONS, menu_reasons
from guichet.api.deps import Principal, SessionDep
from guichet.api.routes.catalog import Viewer, catalog_routes
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.catalog import PAUSE_REASON_SCHEMAS, PauseMenuRead
from guichet.authz import Permission
from guichet.errors import Forbidden

router = APIRouter(prefix="/pause-reasons", tags=["pause-reasons"], responses=CLIENT_ERRORS)


def _enabled_only(principal: Principal, enabled: bool | None) -> bool | None:
    """Callers without PAUSE_REASONS_VIEW (agents) see the enabled reasons only (R-P-2)."""
    if principal.can(Permission.PAUSE_REASONS_VIEW):
        return enabled
    principal.require(Permission.CATALOG_VIEW)
    if enabled is False:
        raise Forbidden(
            f"disabled pause reasons need the permission {Permission.PAUSE_REASONS_VIEW}"
        )
    return True


# Before the catalog routes, so that ``/mode`` is not taken for a reason id.
@router.get("/mode", response_model=PauseMenuRead, response_model_exclude_none=True)
async def pause_menu_mode(session: SessionDep, principal: Viewer) -> PauseMenuRead:
    """R-Q-9: "simple" (Ready / Pause all queues) when no reason is enabled, else the list."""
    rows = await menu_reasons(session, org_id=principal.org_id)
    if not rows:
        return PauseMenuRead(mode="simple")
    read = PAUSE_REASON_SCHEMAS.read
    return PauseMenuRead(mode="reasons", reasons=[read.model_validate(r) for r in rows])


catalog_routes(
    router,
    PAUSE_REASONS,
    PAUSE_REASON_SCHEMAS,
    id_param="reason_id",
    read_filter=_enabled_only,
)
