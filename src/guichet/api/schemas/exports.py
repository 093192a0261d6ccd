"""Bodies of the export API (R-AN-5 filters, R-AN-6 CSV exports and export jobs)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from guichet.api.schemas.common import Input, rule_field
from guichet.domain.enums import Channel


class ExportKind(StrEnum):
    """What an export holds (docs/api/exports.md lists the columns of each)."""

    INTERACTIONS = "interactions"
    AGENT_STATES = "agent_states"
    CALLERS_IN_QUEUE = "callers_in_queue"
    AGENT_PERFORMANCE = "agent_performance"
    RESOLVED_CONVERSATIONS = "resolved_conversations"


Delimiter = Literal[",", ";"]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class ExportFiltersIn(Input):
    """R-AN-5: the period (``from`` inclusive, ``to`` exclusive: ISO-8601 times, with an offset
    or in the organization's time zone, or dates meaning their local midnight) and the ids."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = rule_field("R-AN-5", None, alias="from", max_length=40)
    to: str | None = rule_field("R-AN-5", None, max_length=40)
    queue_id: list[Id] = rule_field("R-AN-5", default_factory=list, max_length=100)
    channel: list[Channel] = rule_field("R-AN-5", default_factory=list, max_length=10)
    agent_id: list[Id] = rule_field("R-AN-5", default_factory=list, max_length=1000)
    skill_id: list[Id] = rule_field("R-AN-5", default_factory=list, max_length=100)
    service_level_s: float | None = rule_field("R-AN-1", None, gt=0, le=86400)


class ExportJobCreate(Input):
    """Start an export job (R-AN-6)."""

    kind: ExportKind = rule_field("R-AN-6")
    filters: ExportFiltersIn = rule_field("R-AN-5", default_factory=ExportFiltersIn)
    delimiter: Delimiter = rule_field("R-AN-6", ",")
