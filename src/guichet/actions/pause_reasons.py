"""Pause reasons (R-Q-9) and the agent menu mode they imply; the system reason is fixed (R-Q-4)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.text import clean_name, name_contains
from guichet.errors import Conflict, conflict, invalid
from guichet.persistence.models import PauseReason
from guichet.queries.lookups import check_name_free, get_in_org, name_key

RULE = "R-Q-9"
MAX_NAME = 255
# Letters that carry no "LATIN" in their Unicode name yet belong to Latin writing (1ª, nº).
_LATIN_EXTRAS = frozenset("ªº")


def _is_latin_letter(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return ch in _LATIN_EXTRAS or "LATIN" in name or name.startswith("MODIFIER LETTER")


def check_name(value: str) -> str:
    """R-Q-9: 1..255 characters; spaces, Latin letters, digits, periods, special characters."""
    name = clean_name(value, field="name", rule=RULE, max_length=MAX_NAME)
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
    return name


async def _check_unique(
    session: AsyncSession, *, org_id: int, name: str, exclude_id: int | None = None
) -> None:
    await check_name_free(
        session,
        PauseReason,
        org_id=org_id,
        key=name_key(name),
        exclude_id=exclude_id,
        message=f"a pause reason named {name!r} exists (case ignored)",
        rule=RULE,
    )


async def list_pause_reasons(
    session: AsyncSession, *, org_id: int, enabled: bool | None = None, q: str | None = None
) -> Sequence[PauseReason]:
    """The organization's pause reasons by name, optionally only enabled/disabled or matching q."""
    stmt = select(PauseReason).where(PauseReason.org_id == org_id)
    if enabled is not None:
        stmt = stmt.where(PauseReason.enabled == enabled)
    if q:
        stmt = stmt.where(name_contains(PauseReason.name_key, q))
    return (await session.scalars(stmt.order_by(PauseReason.name_key, PauseReason.id))).all()


async def get_pause_reason(session: AsyncSession, *, org_id: int, reason_id: int) -> PauseReason:
    """One pause reason of the organization (404 otherwise)."""
    return await get_in_org(session, PauseReason, reason_id, org_id)


async def menu_reasons(session: AsyncSession, *, org_id: int) -> Sequence[PauseReason]:
    """R-Q-9: the reasons an agent may pick: enabled and not reserved to the system."""
    stmt = select(PauseReason).where(
        PauseReason.org_id == org_id,
        PauseReason.enabled.is_(True),
        PauseReason.is_system.is_(False),
    )
    return (await session.scalars(stmt.order_by(PauseReason.name_key, PauseReason.id))).all()


async def do_create_pause_reason(
    session: AsyncSession, *, org_id: int, name: str, enabled: bool = True
) -> PauseReason:
    """Add a pause reason (R-Q-9); reasons are enabled by default."""
    clean = check_name(name)
    await _check_unique(session, org_id=org_id, name=clean)
    row = PauseReason(
        org_id=org_id, name=clean, name_key=name_key(clean), enabled=enabled, is_system=False
    )
    session.add(row)
    await commit_or_conflict(
        session, field="name", message=f"a pause reason named {clean!r} exists", rule=RULE
    )
    return row


def _system_reason(reason: PauseReason, field: str, what: str) -> Conflict:
    return conflict(
        field,
        f"{reason.name!r} is the system pause reason given when an agent misses too many "
        f"offers in a row; it cannot be {what}",
        RULE,
        code="system_reason",
    )


async def do_update_pause_reason(
    session: AsyncSession, *, org_id: int, reason_id: int, changes: dict[str, Any]
) -> PauseReason:
    """Rename and/or enable/disable a reason (R-Q-9); the system reason stays as it is."""
    reason = await get_in_org(session, PauseReason, reason_id, org_id)
    new_name: str | None = None
    if changes.get("name") is not None:
        new_name = check_name(changes["name"])
        if reason.is_system and new_name != reason.name:
            raise _system_reason(reason, "name", "renamed")
        await _check_unique(session, org_id=org_id, name=new_name, exclude_id=reason.id)
    enabled = changes.get("enabled")
    if enabled is not None and reason.is_system and not enabled:
        raise _system_reason(reason, "enabled", "disabled")
    if new_name is not None:
        reason.name = new_name
        reason.name_key = name_key(new_name)
    if enabled is not None:
        reason.enabled = bool(enabled)
    await commit_or_conflict(
        session, field="name", message="a pause reason with this name exists", rule=RULE
    )
    return reason


async def do_delete_pause_reason(session: AsyncSession, *, org_id: int, reason_id: int) -> None:
    """Delete a reason (R-Q-9); the system reason cannot be deleted."""
    reason = await get_in_org(session, PauseReason, reason_id, org_id)
    if reason.is_system:
        raise _system_reason(reason, "id", "deleted")
    await session.delete(reason)
    await session.commit()
