"""Labels agents put on conversations: add, rename, activate/deactivate (R-Q-10)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.text import clean_name, name_contains
from guichet.persistence.models import Label
from guichet.queries.lookups import check_name_free, get_in_org, name_key

RULE = "R-Q-10"
MAX_NAME = 100


def check_name(value: str) -> str:
    """R-Q-10: a label name, 1..100 characters, no control character."""
    return clean_name(value, field="name", rule=RULE, max_length=MAX_NAME)


async def _check_unique(
    session: AsyncSession, *, org_id: int, name: str, exclude_id: int | None = None
) -> None:
    await check_name_free(
        session,
        Label,
        org_id=org_id,
        key=name_key(name),
        exclude_id=exclude_id,
        message=f"a label named {name!r} exists (case ignored)",
        rule=RULE,
    )


async def list_labels(
    session: AsyncSession, *, org_id: int, active: bool | None = None, q: str | None = None
) -> Sequence[Label]:
    """The organization's labels by name, optionally only (in)active or matching ``q``."""
    stmt = select(Label).where(Label.org_id == org_id)
    if active is not None:
        stmt = stmt.where(Label.active == active)
    if q:
        stmt = stmt.where(name_contains(Label.name_key, q))
    return (await session.scalars(stmt.order_by(Label.name_key, Label.id))).all()


async def get_label(session: AsyncSession, *, org_id: int, label_id: int) -> Label:
    """One label of the organization (404 otherwise)."""
    return await get_in_org(session, Label, label_id, org_id)


async def do_create_label(
    session: AsyncSession, *, org_id: int, name: str, created_by_id: int, active: bool = True
) -> Label:
    """Add a label (R-Q-10), recording who created it (agents' custom labels, R-P-3)."""
    clean = check_name(name)
    await _check_unique(session, org_id=org_id, name=clean)
    row = Label(
        org_id=org_id,
        name=clean,
        name_key=name_key(clean),
        active=active,
        created_by_id=created_by_id,
    )
    session.add(row)
    await commit_or_conflict(
        session, field="name", message=f"a label named {clean!r} exists", rule=RULE
    )
    return row


async def do_update_label(
    session: AsyncSession, *, org_id: int, label_id: int, changes: dict[str, Any]
) -> Label:
    """Rename and/or activate/deactivate a label (R-Q-10)."""
    label = await get_in_org(session, Label, label_id, org_id)
    new_name: str | None = None
    if changes.get("name") is not None:
        new_name = check_name(changes["name"])
        await _check_unique(session, org_id=org_id, name=new_name, exclude_id=label.id)
    if new_name is not None:
        label.name = new_name
        label.name_key = name_key(new_name)
    if changes.get("active") is not None:
        label.active = bool(changes["active"])
    await commit_or_conflict(
        session, field="name", message="a label with this name exists", rule=RULE
    )
    return label
