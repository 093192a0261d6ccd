"""Labels (R-Q-10): administrators manage them; agents may create custom ones (R-P-3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from guichet.actions import labels as actions
from guichet.api.deps import CurrentUser, Principal, Require, SessionDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.catalog import LabelCreate, LabelRead, LabelUpdate
from guichet.api.schemas.text import Line
from guichet.authz import Permission
from guichet.errors import Forbidden
from guichet.persistence.models import Label

router = APIRouter(prefix="/labels", tags=["labels"], responses=CLIENT_ERRORS)

Catalog = Annotated[Principal, Require(Permission.CATALOG_VIEW)]
Manager = Annotated[Principal, Require(Permission.LABELS_MANAGE)]


@router.get("", response_model=list[LabelRead])
async def list_labels(
    principal: Catalog,
    session: SessionDep,
    active: bool | None = Query(None, description="only active (true) or inactive (false)"),
    q: Line | None = Query(None, max_length=100, description="name contains (case ignored)"),
) -> list[LabelRead]:
    """The organization's labels by name."""
    rows = await actions.list_labels(session, org_id=principal.org_id, active=active, q=q)
    return [LabelRead.model_validate(r) for r in rows]


@router.get("/{label_id}", response_model=LabelRead)
async def get_label(label_id: int, principal: Catalog, session: SessionDep) -> LabelRead:
    """One label."""
    return LabelRead.model_validate(
        await actions.get_label(session, org_id=principal.org_id, label_id=label_id)
    )


def _check_may_create(principal: Principal, body: LabelCreate) -> None:
    """R-Q-10, R-P-3: managers create any label; agents allowed to, only active ones."""
    if principal.can(Permission.LABELS_MANAGE):
        return
    principal.require(Permission.LABELS_CREATE)
    if not body.active:
        raise Forbidden(
            f"creating an inactive label needs the permission {Permission.LABELS_MANAGE}"
        )


@router.post("", response_model=LabelRead, status_code=status.HTTP_201_CREATED)
async def create_label(body: LabelCreate, principal: CurrentUser, session: SessionDep) -> LabelRead:
    """Add a label (R-Q-10); its creator is recorded."""
    _check_may_create(principal, body)
    row: Label = await actions.do_create_label(
        session,
        org_id=principal.org_id,
        name=body.name,
        active=body.active,
        created_by_id=principal.user_id,
    )
    return LabelRead.model_validate(row)


@router.patch("/{label_id}", response_model=LabelRead)
async def update_label(
    label_id: int, body: LabelUpdate, principal: Manager, session: SessionDep
) -> LabelRead:
    """Rename, activate or deactivate a label (R-Q-10)."""
    row = await actions.do_update_label(
        session,
        org_id=principal.org_id,
        label_id=label_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return LabelRead.model_validate(row)
