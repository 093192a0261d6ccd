"""The caller's organization: read by every user, changed by administrators (R-W-1, R-X-8,
R-P-4)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter

from guichet.actions import orgs as actions
from guichet.api.deps import CurrentUser, Principal, Require, SessionDep, StateDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.organization import OrganizationRead, OrganizationUpdate
from guichet.authz import Permission

router = APIRouter(prefix="/organization", tags=["organization"], responses=CLIENT_ERRORS)

Manager = Annotated[Principal, Require(Permission.ORG_MANAGE)]


@router.get("", response_model=OrganizationRead)
async def get_organization(principal: CurrentUser, session: SessionDep) -> OrganizationRead:
    """Name, time zone, locale and the routing settings every screen needs."""
    settings = await actions.load_organization_settings(session, org_id=principal.org_id)
    return OrganizationRead.model_validate(asdict(settings))


@router.patch("", response_model=OrganizationRead)
async def update_organization(
    body: OrganizationUpdate, principal: Manager, session: SessionDep, state: StateDep
) -> OrganizationRead:
    """Change the settings sent; routing applies mixing and costs at once."""
    changes = actions.OrganizationChanges(**body.model_dump(exclude_unset=True))
    settings = await actions.do_update_organization(
        session, state.live, org_id=principal.org_id, changes=changes
    )
    return OrganizationRead.model_validate(asdict(settings))
