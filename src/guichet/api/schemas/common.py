"""Shared schema helpers: strict input models, bounded ids and fields that carry their rule id.

Request bodies are strict (issue 12 finding 8): ``"10"`` is no integer and ``"yes"`` no boolean.
Enumerations are the exception, as a JSON body carries their value as text: ``Choice[E]``
(FastAPI validates the parsed body in Python mode, where a strict enum wants a member).
Query and path parameters are text by nature and stay lax (``?limit=10``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, Strict, WithJsonSchema

from guichet.domain.times import iso
from guichet.queries.lookups import MAX_ID

#: A time in an answer: ISO 8601 UTC to the millisecond, ``2026-12-04T01:02:03.456Z``
#: (domain/times.py), the format of every time the API and the WebSocket events carry.
UTCTime = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
#: A time an answer passes on as rendered (``live.render``, ``domain.times.iso``): the same
#: ISO 8601 UTC text as :data:`UTCTime`, kept as the text it is (no round trip).
TimeText = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]
E = TypeVar("E")
#: ``Choice[SomeEnum]``: an enumeration member, given by its value in a strict body.
Choice = Annotated[E, Strict(False)]
#: An id in a body. Row ids are 32-bit on every engine; the schema says so, and an id beyond
#: is answered like any unknown id by the action (404 or 422 naming the field and its rule).
Id = Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": MAX_ID})]
#: An id of a filter (R-AN-5): outside the range it is refused before the organization check.
FilterId = Annotated[int, Field(ge=1, le=MAX_ID)]
#: The most values one repeated filter takes, on every endpoint (``queue_id=3&queue_id=4``,
#: dashboards, CSV exports and export-job bodies alike; issue 12 finding 5).
MAX_FILTER_VALUES = 1000
#: The most ids a list in a body takes (members, targets, grants...).
MAX_IDS = 5000
#: A repeatable id filter in a query string.
IdFilter = Annotated[
    list[FilterId],
    Query(max_length=MAX_FILTER_VALUES, description="repeatable; ids of the caller's organization"),
]


class Input(BaseModel):
    """Base of every request body: unknown fields are refused (no mass assignment), and
    types are strict (no ``"10"`` for an integer, no ``"yes"`` for a boolean)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, strict=True)


class Output(BaseModel):
    """Base of every response body, built from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


def rule_field(rule: str, default: Any = ..., **kwargs: Any) -> Any:
    """A ``Field`` whose validation errors name ``rule`` in the problem document."""
    extra = kwargs.pop("json_schema_extra", None) or {}
    extra["x-rule"] = rule
    return Field(default, json_schema_extra=extra, **kwargs)
