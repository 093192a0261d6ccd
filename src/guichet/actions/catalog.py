"""The organization's simple named lists, written once: labels (R-Q-10), tags (R-W-2),
dispositions (R-W-3) and pause reasons (R-Q-9).

Each list is described by a :class:`Catalog` (its table, its rule id, its fields and their
checks, its order, who manages it) and uses the same functions: ``list_rows``, ``get_row``,
``check_values``, ``do_create``, ``do_update``, ``do_delete``. The rules they share live here:

- a name is trimmed, NFC-normalised, 1..``max_name`` characters, without control characters,
  and unique in the organization regardless of case (409 naming ``name``; the unique
  constraint on ``(org_id, name_key)`` backs this up against races);
- a change is checked in full before anything changes; fields sent as ``None`` do not change;
- a list is in the catalog's order; ``q`` keeps the names that contain it (case ignored,
  wildcards literal) and the on/off ``flag`` column filters it.

What a list does differently is a parameter or a hook of its ``Catalog``, in its own module:
the Latin-letters rule and the system reason of pause reasons, the description, position and
order of dispositions, the creator recorded on labels, and which lists can be deleted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.text import clean_name, name_contains
from guichet.authz import Permission
from guichet.errors import not_found
from guichet.persistence.models.base import OrgScoped
from guichet.queries.lookups import check_name_free, get_in_org, name_key, noun_of

M = TypeVar("M", bound=OrgScoped)

#: Checks one sent value of a field and returns it as stored (422 naming the field otherwise).
FieldCheck = Callable[[Any], Any]
#: The value a new row takes for a field it was not given: ``(session, org_id) -> value``.
FieldDefault = Callable[[AsyncSession, int], Awaitable[Any]]


@dataclass(frozen=True)
class Catalog(Generic[M]):
    """One simple named list of the organization and how it differs from the others."""

    #: The table: an ``OrgScoped`` row with ``name`` and ``name_key`` columns.
    model: type[M]
    #: The rule id every error of this list names (R-Q-9, R-Q-10, R-W-2, R-W-3).
    rule: str
    #: The permission that changes the list (reading it is ``catalog.view`` for everyone).
    manage: Permission
    max_name: int = 100
    #: A rule the cleaned name must also follow (it raises); None: none.
    name_rule: Callable[[str], None] | None = None
    #: The on/off column (``active``, ``enabled``) lists filter on; None: the list has none.
    flag: str | None = None
    #: The other writable fields, each with its check, in the order they are checked.
    fields: Mapping[str, FieldCheck] = field(default_factory=dict)
    #: Values a new row computes for the fields it was not given.
    defaults: Mapping[str, FieldDefault] = field(default_factory=dict)
    #: Values every row created here takes.
    fixed: Mapping[str, Any] = field(default_factory=dict)
    #: The columns of the list order.
    order: tuple[str, ...] = ("name_key", "id")
    #: Whether a new row records who created it (``created_by_id``).
    records_creator: bool = False
    #: Whether rows can be deleted (labels are deactivated instead, R-Q-10).
    deletable: bool = True
    #: Refuses a checked change of one row before anything changes (it raises).
    check_change: Callable[[M, Mapping[str, Any]], None] | None = None
    #: Refuses the deletion of one row (it raises).
    check_delete: Callable[[M], None] | None = None

    @property
    def noun(self) -> str:
        """The readable noun of one row ("pause reason")."""
        return noun_of(self.model)

    def check_name(self, value: str) -> str:
        """The name as stored: trimmed, NFC, 1..``max_name`` characters, no control character,
        then the list's own ``name_rule``."""
        name = clean_name(value, field="name", rule=self.rule, max_length=self.max_name)
        if self.name_rule is not None:
            self.name_rule(name)
        return name


def check_values(catalog: Catalog[Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Every value sent, checked and as it will be stored; ``None`` values are left out.

    The name follows ``check_name``, the on/off flag is a boolean, the other fields follow
    their check, in the order they come (a body's field order).
    """
    checked: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if key == "name":
            checked[key] = catalog.check_name(value)
        elif key == catalog.flag:
            checked[key] = bool(value)
        elif key in catalog.fields:
            checked[key] = catalog.fields[key](value)
        else:
            raise TypeError(f"a {catalog.noun} has no writable field {key!r}")
    return checked


async def _check_free(
    session: AsyncSession,
    catalog: Catalog[Any],
    *,
    org_id: int,
    name: str,
    exclude_id: int | None = None,
) -> None:
    await check_name_free(
        session,
        catalog.model,
        org_id=org_id,
        key=name_key(name),
        exclude_id=exclude_id,
        message=f"a {catalog.noun} named {name!r} exists (case ignored)",
        rule=catalog.rule,
    )


async def list_rows(
    session: AsyncSession,
    catalog: Catalog[M],
    *,
    org_id: int,
    flag: bool | None = None,
    q: str | None = None,
) -> Sequence[M]:
    """The organization's rows in the list order; ``flag`` keeps the rows switched on (True)
    or off (False), ``q`` those whose name contains it."""
    table: Any = catalog.model
    stmt = select(table).where(table.org_id == org_id)
    if flag is not None:
        stmt = stmt.where(_flag_column(catalog) == flag)
    if q:
        stmt = stmt.where(name_contains(table.name_key, q))
    order = [getattr(table, column) for column in catalog.order]
    rows: Sequence[M] = (await session.scalars(stmt.order_by(*order))).all()
    return rows


async def get_row(
    session: AsyncSession,
    catalog: Catalog[M],
    *,
    org_id: int,
    row_id: int,
    flag: bool | None = None,
) -> M:
    """One row of the organization (404 otherwise); with ``flag``, a row switched the other
    way is answered as missing too (agents do not see disabled pause reasons, R-Q-9)."""
    row = await get_in_org(session, catalog.model, row_id, org_id)
    if flag is not None and getattr(row, _flag_name(catalog)) != flag:
        raise not_found(catalog.noun, row_id)
    return row


async def do_create(
    session: AsyncSession, catalog: Catalog[M], *, org_id: int, values: Mapping[str, Any], by: int
) -> M:
    """Add a row from the values sent (``name`` required); ``by`` is who asks, recorded where
    the list records creators (labels, R-P-3)."""
    checked = check_values(catalog, values)
    name = checked.pop("name")
    await _check_free(session, catalog, org_id=org_id, name=name)
    for key, make in catalog.defaults.items():
        if key not in checked:
            checked[key] = await make(session, org_id)
    if catalog.records_creator:
        checked["created_by_id"] = by
    make_row: Any = catalog.model
    row: M = make_row(org_id=org_id, name=name, name_key=name_key(name), **checked, **catalog.fixed)
    session.add(row)
    await commit_or_conflict(
        session, field="name", message=f"a {catalog.noun} named {name!r} exists", rule=catalog.rule
    )
    return row


async def do_update(
    session: AsyncSession,
    catalog: Catalog[M],
    *,
    org_id: int,
    row_id: int,
    changes: Mapping[str, Any],
) -> M:
    """Change the fields sent of one row; all are checked before any changes."""
    row = await get_in_org(session, catalog.model, row_id, org_id)
    checked = check_values(catalog, changes)
    if catalog.check_change is not None:
        catalog.check_change(row, checked)
    name = checked.pop("name", None)
    if name is not None:
        await _check_free(session, catalog, org_id=org_id, name=name, exclude_id=row.id)
        checked.update(name=name, name_key=name_key(name))
    for key, value in checked.items():
        setattr(row, key, value)
    await commit_or_conflict(
        session,
        field="name",
        message=f"a {catalog.noun} with this name exists",
        rule=catalog.rule,
    )
    return row


async def do_delete(
    session: AsyncSession, catalog: Catalog[Any], *, org_id: int, row_id: int
) -> None:
    """Delete one row, unless the list's ``check_delete`` refuses."""
    if not catalog.deletable:
        raise TypeError(f"a {catalog.noun} is never deleted")
    row = await get_in_org(session, catalog.model, row_id, org_id)
    if catalog.check_delete is not None:
        catalog.check_delete(row)
    await session.delete(row)
    await session.commit()


def _flag_name(catalog: Catalog[Any]) -> str:
    if catalog.flag is None:
        raise TypeError(f"a {catalog.noun} has no on/off column")
    return catalog.flag


def _flag_column(catalog: Catalog[Any]) -> Any:
    return getattr(catalog.model, _flag_name(catalog))
