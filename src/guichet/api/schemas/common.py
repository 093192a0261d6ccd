"""Shared schema helpers: strict input models and fields that carry their rule id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from guichet.domain.times import iso

#: A time in an answer: ISO 8601 UTC to the millisecond, ``2026-12-04T01:02:03.456Z``
#: (domain/times.py), the format of every time the API and the WebSocket events carry.
UTCTime = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class Input(BaseModel):
    """Base of every request body: unknown fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Output(BaseModel):
    """Base of every response body, built from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


def rule_field(rule: str, default: Any = ..., **kwargs: Any) -> Any:
    """A ``Field`` whose validation errors name ``rule`` in the problem document."""
    extra = kwargs.pop("json_schema_extra", None) or {}
    extra["x-rule"] = rule
    return Field(default, json_schema_extra=extra, **kwargs)


class Page(BaseModel):
    """Paging parameters shared by list endpoints."""

    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)
