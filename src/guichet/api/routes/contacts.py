"""Contact records and CRM access (R-A-4).

A caller reaches the records they own or that belong to their department subtree; the
administrator and callers seeing every conversation (statistics "all") reach them all. Any
other record answers 404, like another organization's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from guichet.actions import contacts as actions
from guichet.actions.conversations import tags_of
from guichet.api.deps import SessionDep, SubjectDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.conversations import ContactPage, ContactRead, ContactUpdate
from guichet.api.schemas.live import InteractionPage, InteractionRead
from guichet.api.schemas.text import Line
from guichet.live.render import interaction_dict
from guichet.queries.lookups import MAX_ID

router = APIRouter(prefix="/contacts", tags=["contacts"], responses=CLIENT_ERRORS)

Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("")
async def list_contacts(
    session: SessionDep,
    subject: SubjectDep,
    q: Annotated[Line | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    before_id: Cursor = None,
) -> ContactPage:
    """R-A-4: the contacts the caller may access, newest first; ``q`` in name, e-mail, phone."""
    rows, cursor = await actions.list_contacts(
        session, subject=subject, q=q, limit=limit, before_id=before_id
    )
    return ContactPage(
        items=[ContactRead.model_validate(actions.contact_dict(r)) for r in rows],
        next_before_id=cursor,
    )


@router.get("/{contact_id}")
async def read_contact(contact_id: int, session: SessionDep, subject: SubjectDep) -> ContactRead:
    """One contact record the caller may access (R-A-4)."""
    row = await actions.access_contact(session, subject=subject, contact_id=contact_id)
    return ContactRead.model_validate(actions.contact_dict(row))


@router.patch("/{contact_id}")
async def update_contact(
    contact_id: int, body: ContactUpdate, session: SessionDep, subject: SubjectDep
) -> ContactRead:
    """R-A-4: name, owner, department; for administrators and the contact's owner."""
    row = await actions.do_update_contact(
        session, subject=subject, contact_id=contact_id, changes=body.model_dump(exclude_unset=True)
    )
    return ContactRead.model_validate(actions.contact_dict(row))


@router.get("/{contact_id}/interactions")
async def contact_interactions(
    contact_id: int,
    session: SessionDep,
    subject: SubjectDep,
    limit: Limit = 50,
    before_id: Cursor = None,
) -> InteractionPage:
    """R-A-4: the contact's conversations the caller may read (CRM precedence), newest first."""
    rows, cursor = await actions.contact_conversations(
        session, subject=subject, contact_id=contact_id, limit=limit, before_id=before_id
    )
    tags = await tags_of(session, [r.id for r in rows])
    return InteractionPage(
        items=[InteractionRead.model_validate(interaction_dict(r, tags[r.id])) for r in rows],
        next_before_id=cursor,
    )
