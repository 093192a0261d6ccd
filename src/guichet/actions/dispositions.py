"""Dispositions: the outcomes agents pick from a searchable, ordered list (R-W-3).

A catalog list (``actions.catalog``) with a description and a place in the list of its own:
the list is by position, then name, and a new disposition without a position goes last.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.catalog import Catalog
from guichet.actions.text import first_control
from guichet.authz import Permission
from guichet.errors import invalid
from guichet.persistence.models import Disposition

RULE = "R-W-3"
MAX_DESCRIPTION = 500
MAX_POSITION = 1_000_000


def check_description(value: str) -> str:
    """An optional description, at most 500 characters; line breaks allowed, no other control."""
    text = value.strip()
    if len(text) > MAX_DESCRIPTION:
        raise invalid("description", f"at most {MAX_DESCRIPTION} characters", RULE)
    found = first_control(text, allowed=frozenset("\n\r\t"))
    if found is not None:
        raise invalid("description", f"control character {found[1]} is not allowed", RULE)
    return text


def check_position(value: int) -> int:
    """A place in the list, 0..1,000,000 (lower comes first)."""
    if not 0 <= value <= MAX_POSITION:
        raise invalid("position", f"between 0 and {MAX_POSITION}", RULE)
    return value


async def next_position(session: AsyncSession, org_id: int) -> int:
    """The place after the organization's last disposition (0 for the first)."""
    last = await session.scalar(
        select(func.max(Disposition.position)).where(Disposition.org_id == org_id)
    )
    return 0 if last is None else min(int(last) + 1, MAX_POSITION)


#: R-W-3: names 1..100 characters, unique regardless of case.
DISPOSITIONS = Catalog(
    Disposition,
    rule=RULE,
    manage=Permission.DISPOSITIONS_MANAGE,
    flag="active",
    fields={"description": check_description, "position": check_position},
    defaults={"position": next_position},
    order=("position", "name_key", "id"),
)
