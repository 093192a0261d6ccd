"""Schemas of the workspace lists: pause reasons, labels, canned messages, dispositions, tags.

Pause reasons, labels, dispositions and tags are catalog lists (``actions.catalog``): their
``XCreate``, ``XUpdate`` and ``XRead`` models are made by ``catalog_schemas`` from the list's
``Catalog`` (its rule id, name length and fields) and the types of its fields here, so a rule's
bounds are written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from pydantic import StrictBool, create_model

from guichet.actions.catalog import Catalog
from guichet.actions.dispositions import DISPOSITIONS, MAX_DESCRIPTION, MAX_POSITION
from guichet.actions.labels import LABELS
from guichet.actions.pause_reasons import PAUSE_REASONS
from guichet.actions.tags import TAGS
from guichet.api.schemas.common import Id, Input, Output, UTCTime, rule_field
from guichet.api.schemas.text import Line, Text

Visibility = Literal["public", "private"]
#: R-Q-9: the agent's status menu: two buttons, or the list of reasons.
MenuMode = Literal["simple", "reasons"]


@dataclass(frozen=True)
class Writable:
    """A writable field of a catalog list besides ``name``: its type in a body, its value when
    a new row's body leaves it out, its type in an answer, and the bounds the list's rule sets
    (None: no bound, and errors name no rule)."""

    body: Any
    default: Any
    read: Any
    limits: Mapping[str, Any] | None = None


#: An on/off switch (``active``, ``enabled``), on unless sent off.
FLAG = Writable(StrictBool, True, bool)


class CatalogSchemas(NamedTuple):
    """The body and answer models of one catalog list."""

    create: type[Input]
    update: type[Input]
    read: type[Output]

    @property
    def listing(self) -> Any:
        """The answer of a list: ``list[read]``."""
        item: Any = self.read
        return list[item]


def catalog_schemas(
    catalog: Catalog[Any],
    *,
    docs: tuple[str, str, str],
    fields: Mapping[str, Writable] | None = None,
    read_only: Mapping[str, Any] | None = None,
) -> CatalogSchemas:
    """``<Model>Create``, ``<Model>Update`` and ``<Model>Read`` of ``catalog``, with ``docs``.

    Create: ``name`` (required) then ``fields`` (the list's on/off flag and its writable fields,
    in body order) with their defaults. Update: the same, each optional, only those sent change;
    a list whose name is all there is to change (tags) must send it. Read: ``id``, ``name``, the
    fields, ``read_only`` ones, ``created_at`` and ``updated_at``. Every bound names the
    catalog's rule in its errors (``x-rule``).
    """
    fields = dict(fields or {})
    expected = set(catalog.fields) | ({catalog.flag} if catalog.flag else set())
    if set(fields) != expected:
        raise TypeError(f"{catalog.noun} fields are {sorted(expected)}, not {sorted(fields)}")
    rule = catalog.rule

    def bounded(default: Any, limits: Mapping[str, Any] | None) -> Any:
        return default if limits is None else rule_field(rule, default, **limits)

    name_limits = {"min_length": 1, "max_length": catalog.max_name}
    name: Any = Line
    create: dict[str, Any] = {"name": (name, rule_field(rule, **name_limits))}
    renamed = (name | None, rule_field(rule, None, **name_limits)) if fields else create["name"]
    update: dict[str, Any] = {"name": renamed}
    read: dict[str, Any] = {"id": (int, ...), "name": (str, ...)}
    for key, spec in fields.items():
        create[key] = (spec.body, bounded(spec.default, spec.limits))
        update[key] = (spec.body | None, bounded(None, spec.limits))
        read[key] = (spec.read, ...)
    for key, kind in (read_only or {}).items():
        read[key] = (kind, ...)
    read.update(created_at=(UTCTime, ...), updated_at=(UTCTime, ...))
    stem = catalog.model.__name__
    create_doc, update_doc, read_doc = docs
    return CatalogSchemas(
        create_model(f"{stem}Create", __base__=Input, __doc__=create_doc, **create),
        create_model(f"{stem}Update", __base__=Input, __doc__=update_doc, **update),
        create_model(f"{stem}Read", __base__=Output, __doc__=read_doc, **read),
    )


PAUSE_REASON_SCHEMAS = catalog_schemas(
    PAUSE_REASONS,
    fields={"enabled": FLAG},
    read_only={"is_system": bool},
    docs=(
        "A new pause reason (R-Q-9).",
        "Rename and/or enable/disable a pause reason (R-Q-9).",
        'A pause reason; ``is_system`` ones (e.g. "No answer") cannot be changed.',
    ),
)

PauseMenuRead = create_model(
    "PauseMenuRead",
    __base__=Output,
    __doc__="""R-Q-9: what the agent's status menu shows.

    ``simple``: "Ready" and "Pause all queues" buttons (no reason enabled);
    ``reasons``: a status list with the enabled reasons.
    """,
    mode=(MenuMode, ...),
    reasons=(PAUSE_REASON_SCHEMAS.listing | None, None),
)

LABEL_SCHEMAS = catalog_schemas(
    LABELS,
    fields={"active": FLAG},
    read_only={"created_by_id": int | None},
    docs=(
        "A new label (R-Q-10); agents allowed to create labels cannot create inactive ones.",
        "Rename and/or activate/deactivate a label (R-Q-10).",
        "A label.",
    ),
)

DISPOSITION_SCHEMAS = catalog_schemas(
    DISPOSITIONS,
    fields={
        "description": Writable(Text, "", str, {"max_length": MAX_DESCRIPTION}),
        "active": FLAG,
        "position": Writable(int | None, None, int, {"ge": 0, "le": MAX_POSITION}),
    },
    docs=(
        "A new disposition (R-W-3); without ``position`` it goes last.",
        "Edit a disposition (R-W-3): only the fields sent change.",
        "A disposition, in list order by ``position``.",
    ),
)

TAG_SCHEMAS = catalog_schemas(TAGS, docs=("A new tag (R-W-2).", "Rename a tag (R-W-2).", "A tag."))


class CannedMessageCreate(Input):
    """A new canned message (R-Q-11); private by default."""

    shortcut: Line = rule_field("R-Q-11", min_length=1, max_length=64)
    title: Line = rule_field("R-Q-11", "", max_length=200)
    text: Text = rule_field("R-Q-11", min_length=1, max_length=10_000)
    visibility: Visibility = "private"
    active: StrictBool = True
    queue_id: Id | None = rule_field(
        "R-Q-11",
        None,
        description="the queue (channel) a public message belongs to; null: the whole "
        "organization's. Private messages take none.",
    )


class CannedMessageUpdate(Input):
    """Edit a canned message (R-Q-11): only the fields sent change."""

    shortcut: Line | None = rule_field("R-Q-11", None, min_length=1, max_length=64)
    title: Line | None = rule_field("R-Q-11", None, max_length=200)
    text: Text | None = rule_field("R-Q-11", None, min_length=1, max_length=10_000)
    visibility: Visibility | None = None
    active: StrictBool | None = None
    queue_id: Id | None = rule_field(
        "R-Q-11", None, description="move to a queue, or null for the whole organization"
    )


class CannedMessageRead(Output):
    """A canned message; ``owner_id`` is its author, ``queue_id`` its queue (None: the whole
    organization's, R-A-2 canned responses)."""

    id: int
    shortcut: str
    title: str
    text: str
    visibility: Visibility
    active: bool
    owner_id: int | None
    queue_id: int | None
    created_at: UTCTime
    updated_at: UTCTime
