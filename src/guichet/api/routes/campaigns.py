"""Routes of the campaigns resource: outbound campaigns and their members (R-Q-3, R-P-2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from guichet.actions import campaigns as actions
from guichet.actions.queue_rules import limited_supervisor
from guichet.api.deps import Principal, Require, SessionDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.campaigns import (
    CampaignCreate,
    CampaignMembersWrite,
    CampaignRead,
    CampaignUpdate,
    MembersRead,
)
from guichet.authz import Permission
from guichet.persistence.models import Organization

router = APIRouter(prefix="/campaigns", tags=["campaigns"], responses=CLIENT_ERRORS)

Viewer = Annotated[Principal, Require(Permission.CAMPAIGNS_VIEW)]
Manager = Annotated[Principal, Require(Permission.CAMPAIGNS_MANAGE)]


def _scope(principal: Principal) -> int | None:
    """R-P-2: a campaign is an outbound queue, so "limit to assigned queues" bounds it too."""
    user = principal.user
    return limited_supervisor(roles=user.roles, perms=principal.permissions, user_id=user.id)


@router.get("", response_model=list[CampaignRead])
async def list_campaigns(principal: Viewer, session: SessionDep) -> list[CampaignRead]:
    """The campaigns the caller may see, by name."""
    rows = await actions.list_campaigns(
        session, org_id=principal.org_id, supervisor_id=_scope(principal)
    )
    return [CampaignRead.model_validate(row) for row in rows]


@router.post("", response_model=CampaignRead, status_code=status.HTTP_201_CREATED)
async def create_campaign(
    body: CampaignCreate, principal: Manager, session: SessionDep
) -> CampaignRead:
    """Create a campaign; settings left out take their defaults (R-Q-3)."""
    org = await session.get(Organization, principal.org_id)
    campaign = await actions.do_create_campaign(
        session,
        org_id=principal.org_id,
        org_timezone=org.timezone if org is not None else "UTC",
        values=body.model_dump(mode="json", exclude_unset=True),
        supervisor_id=_scope(principal),
    )
    return CampaignRead.model_validate(campaign)


@router.get("/{campaign_id}", response_model=CampaignRead)
async def read_campaign(campaign_id: int, principal: Viewer, session: SessionDep) -> CampaignRead:
    """One campaign with its settings."""
    campaign = await actions.get_campaign(
        session, org_id=principal.org_id, campaign_id=campaign_id, supervisor_id=_scope(principal)
    )
    return CampaignRead.model_validate(campaign)


@router.patch("/{campaign_id}", response_model=CampaignRead)
async def update_campaign(
    campaign_id: int, body: CampaignUpdate, principal: Manager, session: SessionDep
) -> CampaignRead:
    """Change the settings sent; the others keep their value."""
    campaign = await actions.get_campaign(
        session, org_id=principal.org_id, campaign_id=campaign_id, supervisor_id=_scope(principal)
    )
    changes = body.model_dump(mode="json", exclude_unset=True)
    return CampaignRead.model_validate(
        await actions.do_update_campaign(session, campaign=campaign, changes=changes)
    )


@router.delete("/{campaign_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_campaign(campaign_id: int, principal: Manager, session: SessionDep) -> None:
    """Delete a campaign and its memberships."""
    campaign = await actions.get_campaign(
        session, org_id=principal.org_id, campaign_id=campaign_id, supervisor_id=_scope(principal)
    )
    await actions.do_delete_campaign(session, campaign=campaign)


@router.get("/{campaign_id}/members", response_model=MembersRead)
async def read_members(campaign_id: int, principal: Viewer, session: SessionDep) -> MembersRead:
    """The campaign's agents and supervisors (R-Q-3)."""
    campaign = await actions.get_campaign(
        session, org_id=principal.org_id, campaign_id=campaign_id, supervisor_id=_scope(principal)
    )
    return MembersRead(**await actions.campaign_members(session, campaign_id=campaign.id))


@router.put("/{campaign_id}/members", response_model=MembersRead)
async def write_members(
    campaign_id: int, body: CampaignMembersWrite, principal: Manager, session: SessionDep
) -> MembersRead:
    """Replace the campaign's agents and supervisors (R-Q-3)."""
    campaign = await actions.get_campaign(
        session, org_id=principal.org_id, campaign_id=campaign_id, supervisor_id=_scope(principal)
    )
    members = await actions.do_set_campaign_members(
        session, campaign=campaign, agents=body.agents, supervisors=body.supervisors
    )
    return MembersRead(**members)
