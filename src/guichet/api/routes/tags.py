"""Tags (R-W-2): a list agents search by name; administrators change it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from guichet.actions import tags as actions
from guichet.api.deps import Principal, Require, SessionDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.catalog import TagCreate, TagRead, TagUpdate
from guichet.api.schemas.text import Line
from guichet.authz import Permission

router = APIRouter(prefix="/tags", tags=["tags"], responses=CLIENT_ERRORS)

Catalog = Annotated[Principal, Require(Permission.CATALOG_VIEW)]
Manager = Annotated[Principal, Require(Permission.TAGS_MANAGE)]


@router.get("", response_model=list[TagRead])
async def list_tags(
    principal: Catalog,
    session: SessionDep,
    q: Line | None = Query(None, max_length=100, description="name contains (case ignored)"),
) -> list[TagRead]:
    """R-W-2: the organization's tags by name, searchable with ``q``."""
    rows = await actions.list_tags(session, org_id=principal.org_id, q=q)
    return [TagRead.model_validate(r) for r in rows]


@router.get("/{tag_id}", response_model=TagRead)
async def get_tag(tag_id: int, principal: Catalog, session: SessionDep) -> TagRead:
    """One tag."""
    return TagRead.model_validate(
        await actions.get_tag(session, org_id=principal.org_id, tag_id=tag_id)
    )


@router.post("", response_model=TagRead, status_code=status.HTTP_201_CREATED)
async def create_tag(body: TagCreate, principal: Manager, session: SessionDep) -> TagRead:
    """Add a tag (R-W-2)."""
    row = await actions.do_create_tag(session, org_id=principal.org_id, name=body.name)
    return TagRead.model_validate(row)


@router.patch("/{tag_id}", response_model=TagRead)
async def update_tag(
    tag_id: int, body: TagUpdate, principal: Manager, session: SessionDep
) -> TagRead:
    """Rename a tag (R-W-2)."""
    row = await actions.do_rename_tag(
        session, org_id=principal.org_id, tag_id=tag_id, name=body.name
    )
    return TagRead.model_validate(row)


@router.delete("/{tag_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_tag(tag_id: int, principal: Manager, session: SessionDep) -> None:
    """Delete a tag."""
    await actions.do_delete_tag(session, org_id=principal.org_id, tag_id=tag_id)
