"""Dispositions (R-W-3): an ordered, searchable list; administrators change it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from guichet.actions import dispositions as actions
from guichet.api.deps import Principal, Require, SessionDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.catalog import DispositionCreate, DispositionRead, DispositionUpdate
from guichet.api.schemas.text import Line
from guichet.authz import Permission

router = APIRouter(prefix="/dispositions", tags=["dispositions"], responses=CLIENT_ERRORS)

Catalog = Annotated[Principal, Require(Permission.CATALOG_VIEW)]
Manager = Annotated[Principal, Require(Permission.DISPOSITIONS_MANAGE)]


@router.get("", response_model=list[DispositionRead])
async def list_dispositions(
    principal: Catalog,
    session: SessionDep,
    active: bool | None = Query(None, description="only active (true) or inactive (false)"),
    q: Line | None = Query(None, max_length=100, description="name contains (case ignored)"),
) -> list[DispositionRead]:
    """R-W-3: the dispositions by position then name, searchable with ``q``."""
    rows = await actions.list_dispositions(session, org_id=principal.org_id, active=active, q=q)
    return [DispositionRead.model_validate(r) for r in rows]


@router.get("/{disposition_id}", response_model=DispositionRead)
async def get_disposition(
    disposition_id: int, principal: Catalog, session: SessionDep
) -> DispositionRead:
    """One disposition."""
    row = await actions.get_disposition(
        session, org_id=principal.org_id, disposition_id=disposition_id
    )
    return DispositionRead.model_validate(row)


@router.post("", response_model=DispositionRead, status_code=status.HTTP_201_CREATED)
async def create_disposition(
    body: DispositionCreate, principal: Manager, session: SessionDep
) -> DispositionRead:
    """Add a disposition (R-W-3); without ``position`` it goes last."""
    row = await actions.do_create_disposition(
        session,
        org_id=principal.org_id,
        name=body.name,
        description=body.description,
        active=body.active,
        position=body.position,
    )
    return DispositionRead.model_validate(row)


@router.patch("/{disposition_id}", response_model=DispositionRead)
async def update_disposition(
    disposition_id: int, body: DispositionUpdate, principal: Manager, session: SessionDep
) -> DispositionRead:
    """Edit a disposition (R-W-3): only the fields sent change."""
    row = await actions.do_update_disposition(
        session,
        org_id=principal.org_id,
        disposition_id=disposition_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return DispositionRead.model_validate(row)


@router.delete("/{disposition_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_disposition(disposition_id: int, principal: Manager, session: SessionDep) -> None:
    """Delete a disposition."""
    await actions.do_delete_disposition(
        session, org_id=principal.org_id, disposition_id=disposition_id
    )
