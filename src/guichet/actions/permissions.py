"""Contact-center permission switches of an organization (R-P-2, R-P-3, R-P-4)."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession

from guichet.authz import CCPermissions
from guichet.persistence.models import ContactCenterPermissions


def _to_value(row: ContactCenterPermissions | None) -> CCPermissions:
    if row is None:
        return CCPermissions()
    return CCPermissions(**{name: getattr(row, name) for name in CCPermissions.field_names()})


async def load_permissions(session: AsyncSession, *, org_id: int) -> CCPermissions:
    """The organization's switches (the defaults when never saved)."""
    return _to_value(await session.get(ContactCenterPermissions, org_id))


async def do_update_permissions(
    session: AsyncSession, *, org_id: int, changes: dict[str, bool]
) -> CCPermissions:
    """Change some switches; the others keep their value."""
    row = await session.get(ContactCenterPermissions, org_id)
    if row is None:
        row = ContactCenterPermissions(org_id=org_id, **asdict(CCPermissions()))
        session.add(row)
    for name, value in changes.items():
        if name not in CCPermissions.field_names():
            raise KeyError(name)
        setattr(row, name, value)
    row.version = (row.version or 0) + 1
    await session.commit()
    return _to_value(row)


async def do_reset_permissions(session: AsyncSession, *, org_id: int) -> CCPermissions:
    """R-P-2: "reset to defaults" restores every switch to its default."""
    return await do_update_permissions(session, org_id=org_id, changes=asdict(CCPermissions()))
