"""Pause reasons (R-Q-9) and the agent menu mode they imply; the system reason is fixed (R-Q-4).

A catalog list (``actions.catalog``) with its own rules: names take Latin letters only, and the
system reason ("No answer", given by the routing engine after missed offers) cannot be renamed,
disabled or deleted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.catalog import Catalog
from guichet.authz import Permission
from guichet.errors import Conflict, conflict, invalid
from guichet.persistence.models import PauseReason

RULE = "R-Q-9"
MAX_NAME = 255
# Letters that carry no "LATIN" in their Unicode name yet belong to Latin writing (1ª, nº).
_LATIN_EXTRAS = frozenset("ªº")


def _is_latin_letter(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return ch in _LATIN_EXTRAS or "LATIN" in name or name.startswith("MODIFIER LETTER")


def check_latin(name: str) -> None:
    """R-Q-9: spaces, Latin letters, digits, periods, special characters (a cleaned name)."""
    previous_is_base = False
    for index, ch in enumerate(name):
        category = unicodedata.category(ch)
        if category[0] == "L" and not _is_latin_letter(ch):
            raise invalid(
                "name",
                f"only Latin letters are allowed ({ch!r} at position {index + 1})",
                RULE,
                code="letter_not_latin",
            )
        if category[0] == "M" and not previous_is_base:
            # A combining mark must sit on an allowed character, never start a word alone.
            raise invalid(
                "name",
                f"a combining mark must follow a letter ({ch!r} at position {index + 1})",
                RULE,
                code="stray_mark",
            )
        previous_is_base = not ch.isspace()


def _system_reason(reason: PauseReason, field: str, what: str) -> Conflict:
    return conflict(
        field,
        f"{reason.name!r} is the system pause reason given when an agent misses too many "
        f"offers in a row; it cannot be {what}",
        RULE,
        code="system_reason",
    )


def _check_change(reason: PauseReason, changes: Mapping[str, Any]) -> None:
    """R-Q-9, R-Q-4: the system reason stays as it is (sending its current values is fine)."""
    if not reason.is_system:
        return
    if "name" in changes and changes["name"] != reason.name:
        raise _system_reason(reason, "name", "renamed")
    if changes.get("enabled") is False:
        raise _system_reason(reason, "enabled", "disabled")


def _check_delete(reason: PauseReason) -> None:
    """R-Q-9, R-Q-4: the system reason cannot be deleted."""
    if reason.is_system:
        raise _system_reason(reason, "id", "deleted")


#: R-Q-9: enabled by default, ordered by name; a reason made here is never a system one.
PAUSE_REASONS = Catalog(
    PauseReason,
    rule=RULE,
    manage=Permission.PAUSE_REASONS_MANAGE,
    max_name=MAX_NAME,
    name_rule=check_latin,
    flag="enabled",
    fixed={"is_system": False},
    check_change=_check_change,
    check_delete=_check_delete,
)


async def menu_reasons(session: AsyncSession, *, org_id: int) -> Sequence[PauseReason]:
    """R-Q-9: the reasons an agent may pick: enabled and not reserved to the system."""
    stmt = select(PauseReason).where(
        PauseReason.org_id == org_id,
        PauseReason.enabled.is_(True),
        PauseReason.is_system.is_(False),
    )
    return (await session.scalars(stmt.order_by(PauseReason.name_key, PauseReason.id))).all()
