"""Contact records and who may access them (CRM, R-A-4).

A user may access the contact records they own and those of their department or a department
below it; the contact-center administrator and callers whose statistics scope is "all" (a
Director, R-A-1) reach every record of the organization. :func:`contact_where` compiles this
into SQL, so the list and a single read agree. Accessing a record brings its conversations
with it (R-A-4 CRM precedence): the history filter of the policy already includes them.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.conversations import page
from guichet.actions.text import first_control
from guichet.authz.access import Area, Scope, Subject
from guichet.errors import Forbidden, invalid
from guichet.live.render import iso
from guichet.persistence.models import Contact, Department, Interaction, User
from guichet.queries.access import conversation_where
from guichet.queries.lookups import check_ids_in_org, load_visible

NAME_MAX = 200


def reaches_every_contact(subject: Subject) -> bool:
    """The administrator, and whoever sees every conversation in lists and statistics."""
    return subject.administrator or subject.scope(Area.STATISTICS) is Scope.ALL


def contact_where(subject: Subject) -> ColumnElement[bool]:
    """SQL for the contact records the caller may access (R-A-4)."""
    if reaches_every_contact(subject):
        return Contact.org_id == subject.org_id
    reach: list[ColumnElement[bool]] = [Contact.owner_id == subject.user_id]
    if subject.departments:
        reach.append(Contact.department_id.in_(sorted(subject.departments)))
    return and_(Contact.org_id == subject.org_id, or_(*reach))


async def access_contact(session: AsyncSession, *, subject: Subject, contact_id: int) -> Contact:
    """The contact if the caller may access it; 404 otherwise (another organization too)."""
    return await load_visible(session, Contact, contact_id, contact_where(subject))


async def list_contacts(
    session: AsyncSession, *, subject: Subject, q: str | None, limit: int, before_id: int | None
) -> tuple[list[Contact], int | None]:
    """The contacts the caller may access, newest first, matching ``q`` (name, e-mail, phone)."""
    stmt = select(Contact).where(contact_where(subject))
    if q is not None and q.strip():
        needle = q.strip().lower()
        stmt = stmt.where(
            or_(
                func.lower(Contact.name).contains(needle, autoescape=True),
                func.lower(Contact.email).contains(needle, autoescape=True),
                Contact.phone.contains(q.strip(), autoescape=True),
            )
        )
    if before_id is not None:
        stmt = stmt.where(Contact.id < before_id)
    rows = list(await session.scalars(stmt.order_by(Contact.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def check_contact_name(value: str) -> str:
    """A contact's name: trimmed, at most 200 characters, no control character; may be empty."""
    name = unicodedata.normalize("NFC", value).strip()
    if len(name) > NAME_MAX:
        raise invalid("name", f"at most {NAME_MAX} characters", code="too_long")
    found = first_control(name)
    if found is not None:
        raise invalid("name", f"control character {found[1]} is not allowed")
    return name


async def do_update_contact(
    session: AsyncSession, *, subject: Subject, contact_id: int, changes: dict[str, Any]
) -> Contact:
    """Rename a contact, give it an owner or a department (R-A-4).

    The contact-center administrator and the contact's owner may; anyone else who may access
    it gets 403. Owner and department are checked in the caller's organization (422).
    """
    row = await access_contact(session, subject=subject, contact_id=contact_id)
    if not subject.administrator and row.owner_id != subject.user_id:
        raise Forbidden(
            "only an administrator or the contact's owner may change it",
            rule="R-A-4",
            code="not_owner",
        )
    if "name" in changes:
        if changes["name"] is None:
            raise invalid("name", "must be a string (empty for no name)")
        row.name = check_contact_name(changes["name"])
    for name, model in (("owner_id", User), ("department_id", Department)):
        if name in changes:
            value = changes[name]
            if value is not None:
                await check_ids_in_org(
                    session, model, org_id=subject.org_id, ids=[value], field=name
                )
            setattr(row, name, value)
    await session.commit()
    return row


async def contact_conversations(
    session: AsyncSession,
    *,
    subject: Subject,
    contact_id: int,
    limit: int,
    before_id: int | None,
) -> tuple[list[Interaction], int | None]:
    """The contact's conversations the caller may read (history scope or CRM access, R-A-4)."""
    row = await access_contact(session, subject=subject, contact_id=contact_id)
    where = [conversation_where(subject, Area.HISTORY), Interaction.contact_id == row.id]
    return await page(session, where, limit=limit, before_id=before_id)


def contact_dict(row: Contact) -> dict[str, Any]:
    """The public view of a contact record."""
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "external_id": row.external_id,
        "owner_id": row.owner_id,
        "department_id": row.department_id,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }
