"""The routes of a catalog list (labels, tags, dispositions, pause reasons), written once.

``catalog_routes`` adds to a list's router: ``GET ""`` (the list, ``?q=`` and the on/off
filter), ``GET /{id}``, ``POST ""`` (201), ``PATCH /{id}`` and, where the list allows it,
``DELETE /{id}`` (204), each a thin call of ``actions.catalog``. Reading needs ``catalog.view``
and changing the catalog's ``manage`` permission, unless the list gives its own hook:

- ``read_filter(principal, flag) -> flag``: who may read and which rows they see (agents see
  the enabled pause reasons only, R-Q-9, R-P-2); the caller then only needs to be signed in;
- ``may_create(principal, values)``: who may create what (agents' custom labels, R-P-3).

Operations keep the names ``list_<rows>``, ``get_<row>``, ``create_<row>``, ``update_<row>``
and ``delete_<row>``, hence their OpenAPI operation ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, status

from guichet.actions import catalog as actions
from guichet.actions.catalog import Catalog
from guichet.api.deps import CurrentUser, Principal, Require, SessionDep
from guichet.api.schemas.catalog import CatalogSchemas
from guichet.api.schemas.common import Input, Output
from guichet.api.schemas.text import Line
from guichet.authz import Permission

#: ``(principal, flag asked) -> flag to apply``: raises when the caller may not read so.
ReadFilter = Callable[[Principal, bool | None], bool | None]
#: ``(principal, values sent)``: raises when the caller may not create this row.
CreateCheck = Callable[[Principal, Mapping[str, Any]], None]

Viewer = Annotated[Principal, Require(Permission.CATALOG_VIEW)]
#: The opposite of each on/off column, for the filter's description.
_OFF = {"active": "inactive", "enabled": "disabled"}


@dataclass(frozen=True)
class Filters:
    """The list's query: the on/off filter (None: every row) and the name search."""

    flag: bool | None
    q: str | None


def _filters(catalog: Catalog[Any]) -> Callable[..., Any]:
    """The dependency reading ``?<flag>=`` (when the list has one) and ``?q=``."""
    search = Query(None, max_length=catalog.max_name, description="name contains (case ignored)")
    if catalog.flag is None:

        async def by_name(q: Line | None = search) -> Filters:
            return Filters(None, q)

        return by_name
    on, off = catalog.flag, _OFF[catalog.flag]
    switch = Query(
        None, alias=on, title=on.title(), description=f"only {on} (true) or {off} (false)"
    )

    async def by_flag_and_name(flag: bool | None = switch, q: Line | None = search) -> Filters:
        return Filters(flag, q)

    return by_flag_and_name


def _typed(endpoint: Callable[..., Any], **types: Any) -> Callable[..., Any]:
    """Give ``endpoint``'s parameters the types FastAPI reads (a body schema, a permission
    dependency), which this factory knows only when it is called."""
    endpoint.__annotations__.update(types)
    return endpoint


def catalog_routes(
    router: APIRouter,
    catalog: Catalog[Any],
    schemas: CatalogSchemas,
    *,
    id_param: str,
    read_filter: ReadFilter | None = None,
    may_create: CreateCheck | None = None,
) -> APIRouter:
    """Add the list's routes to ``router`` (``/{id_param}`` names one row) and return it."""
    row = catalog.noun.replace(" ", "_")
    one = f"/{{{id_param}}}"
    read = schemas.read
    manager = Annotated[Principal, Require(catalog.manage)]
    reader = Viewer if read_filter is None else CurrentUser
    creator = manager if may_create is None else CurrentUser
    query = Annotated[Filters, Depends(_filters(catalog))]

    def only(principal: Principal, flag: bool | None) -> bool | None:
        return flag if read_filter is None else read_filter(principal, flag)

    async def list_rows(principal: Principal, session: SessionDep, filters: Filters) -> Any:
        rows = await actions.list_rows(
            session,
            catalog,
            org_id=principal.org_id,
            flag=only(principal, filters.flag),
            q=filters.q,
        )
        return [read.model_validate(r) for r in rows]

    async def get_row(row_id: int, principal: Principal, session: SessionDep) -> Output:
        flag = only(principal, None)
        got = await actions.get_row(
            session, catalog, org_id=principal.org_id, row_id=row_id, flag=flag
        )
        return read.model_validate(got)

    async def create_row(body: Input, principal: Principal, session: SessionDep) -> Output:
        values = body.model_dump()
        if may_create is not None:
            may_create(principal, values)
        made = await actions.do_create(
            session, catalog, org_id=principal.org_id, values=values, by=principal.user_id
        )
        return read.model_validate(made)

    async def update_row(
        row_id: int, body: Input, principal: Principal, session: SessionDep
    ) -> Output:
        changes = body.model_dump(exclude_unset=True)
        changed = await actions.do_update(
            session, catalog, org_id=principal.org_id, row_id=row_id, changes=changes
        )
        return read.model_validate(changed)

    async def delete_row(row_id: int, principal: Principal, session: SessionDep) -> None:
        await actions.do_delete(session, catalog, org_id=principal.org_id, row_id=row_id)

    path_id = Annotated[int, Path(alias=id_param)]
    router.get(
        "",
        name=f"list_{row}s",
        response_model=schemas.listing,
        description=_doc(
            f"{catalog.rule}: the organization's {catalog.noun}s {_order(catalog)}, searchable"
            " with ``q``.",
            read_filter,
        ),
    )(_typed(list_rows, principal=reader, filters=query))
    router.get(
        one,
        name=f"get_{row}",
        response_model=read,
        description=_doc(f"One {catalog.noun}.", read_filter),
    )(_typed(get_row, row_id=path_id, principal=reader))
    router.post(
        "",
        name=f"create_{row}",
        response_model=read,
        status_code=status.HTTP_201_CREATED,
        description=_doc(f"Add a {catalog.noun} ({catalog.rule}).", may_create),
    )(_typed(create_row, body=schemas.create, principal=creator))
    router.patch(
        one,
        name=f"update_{row}",
        response_model=read,
        description=_doc(schemas.update.__doc__ or "", catalog.check_change),
    )(_typed(update_row, row_id=path_id, body=schemas.update, principal=manager))
    if catalog.deletable:
        router.delete(
            one,
            name=f"delete_{row}",
            response_model=None,
            status_code=status.HTTP_204_NO_CONTENT,
            description=_doc(f"Delete a {catalog.noun} ({catalog.rule}).", catalog.check_delete),
        )(_typed(delete_row, row_id=path_id, principal=manager))
    return router


def _order(catalog: Catalog[Any]) -> str:
    """The list order in words ("by position, then name")."""
    columns = [c.removesuffix("_key") for c in catalog.order if c != "id"]
    return "by " + ", then ".join(columns)


def _doc(text: str, hook: Callable[..., Any] | None = None) -> str:
    """An operation's description: ``text``, then what the list's hook adds, if any."""
    extra = " ".join((hook.__doc__ or "").split()) if hook is not None else ""
    return f"{text} {extra}".strip()
