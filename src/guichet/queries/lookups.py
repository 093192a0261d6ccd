"""Organization-scoped lookups every layer uses: load one row or answer 404, ids, name keys."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.errors import conflict, invalid, not_found


class _OrgRow(Protocol):
    id: Any
    org_id: Any


T = TypeVar("T")

# Ids are 32-bit integers on every engine; anything outside cannot exist (and PostgreSQL
# drivers refuse to bind it), so it is answered like any unknown id.
MAX_ID = 2**31 - 1


#: The readable noun of each table whose rows a 404 can name (docs/concepts.md words, singular):
#: an error says "user 2 not found", never "users 2 not found" (issue 12 finding 9).
NOUNS: dict[str, str] = {
    "access_roles": "access role",
    "agent_presence": "agent",
    "assignments": "assignment",
    "auth_tokens": "token",
    "campaigns": "campaign",
    "canned_messages": "canned message",
    "contacts": "contact",
    "departments": "department",
    "dispositions": "disposition",
    "evaluations": "evaluation",
    "export_jobs": "export job",
    "flows": "flow",
    "groups": "group",
    "interaction_events": "event",
    "interactions": "interaction",
    "labels": "label",
    "messages": "message",
    "offers": "offer",
    "organizations": "organization",
    "pause_reasons": "pause reason",
    "queues": "queue",
    "role_assignments": "role assignment",
    "skills": "skill",
    "tags": "tag",
    "targeting_rules": "targeting rule",
    "users": "user",
}


def noun_of(model: type[Any]) -> str:
    """The readable noun of a model's rows in error messages (``PauseReason`` -> "pause reason")."""
    table = str(getattr(model, "__tablename__", "object"))
    return NOUNS.get(table, table.removesuffix("s").replace("_", " "))


def storable_id(obj_id: int) -> bool:
    """True when ``obj_id`` could be a row id."""
    return 1 <= obj_id <= MAX_ID


def name_key(name: str) -> str:
    """The key under which names are unique (R-SK-1, R-Q-9...): trimmed, NFKC, case-folded.

    NFKC before and after case folding, as Unicode's NFKC_Casefold, so compatibility forms
    (a full-width ``Ｕrgent``, ligatures) and case variants share one key (issue 12 finding 7).
    """
    folded = unicodedata.normalize("NFKC", name).strip().casefold()
    return unicodedata.normalize("NFKC", folded)


async def load_visible(
    session: AsyncSession, model: type[T], obj_id: int, visible: ColumnElement[bool]
) -> T:
    """The row ``obj_id`` if it passes ``visible`` (an access filter as SQL), else 404.

    The one way to load an object through a policy filter (R-A-2, R-A-6): one query whose
    ``WHERE`` holds the filter, so an object the caller may not see, one of another
    organization and one that does not exist are the same 404 (never a 403: no leak).
    """
    table: Any = model
    row: T | None = None
    if storable_id(obj_id):
        row = await session.scalar(select(table).where(table.id == obj_id, visible))
    if row is None:
        raise not_found(noun_of(model), obj_id)
    return row


async def get_in_org(session: AsyncSession, model: type[T], obj_id: int, org_id: int) -> T:
    """Load one row of the caller's organization, or raise 404 (never 403: no leak)."""
    table: Any = model
    return await load_visible(session, model, obj_id, table.org_id == org_id)


async def exists_in_org(session: AsyncSession, model: type[Any], org_id: int, **where: Any) -> bool:
    """True when a row of the organization matches every ``column=value`` given."""
    stmt = select(model.id).where(model.org_id == org_id)
    for column, value in where.items():
        stmt = stmt.where(getattr(model, column) == value)
    return (await session.scalar(stmt.limit(1))) is not None


async def check_ids_in_org(
    session: AsyncSession, model: type[Any], *, org_id: int, ids: Iterable[int], field: str
) -> list[int]:
    """The distinct ids, sorted, all rows of the organization; 422 naming ``field`` otherwise.

    Ids found in request bodies are checked like path ids: an id of another organization is
    reported exactly like one that does not exist.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return []
    storable = [i for i in wanted if storable_id(i)]
    found = set(
        await session.scalars(
            select(model.id).where(model.org_id == org_id, model.id.in_(storable))
        )
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise invalid(field, f"unknown id in this organization: {missing}")
    return wanted


async def check_name_free(
    session: AsyncSession,
    model: type[Any],
    *,
    org_id: int,
    key: str,
    exclude_id: int | None = None,
    message: str,
    rule: str | None = None,
) -> None:
    """409 naming ``name`` when another row of the organization has this name key.

    Names are unique per organization regardless of case (R-SK-1, R-Q-9, R-Q-10...); the
    unique constraint on ``(org_id, name_key)`` backs this up against races.
    """
    stmt = select(model.id).where(model.org_id == org_id, model.name_key == key)
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    if await session.scalar(stmt.limit(1)) is not None:
        raise conflict("name", message, rule)
