"""Bodies and answers of the export API (R-AN-5 filters, R-AN-6 CSV exports and export jobs)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import ConfigDict, Field

from guichet.api.schemas.analytics import DashboardParams
from guichet.api.schemas.common import (
    MAX_FILTER_VALUES,
    Choice,
    FilterId,
    Input,
    Output,
    TimeText,
    rule_field,
)
from guichet.api.schemas.text import Line
from guichet.domain.enums import Channel


class ExportKind(StrEnum):
    """What an export holds (docs/api/exports.md lists the columns of each)."""

    INTERACTIONS = "interactions"
    AGENT_STATES = "agent_states"
    CALLERS_IN_QUEUE = "callers_in_queue"
    AGENT_PERFORMANCE = "agent_performance"
    RESOLVED_CONVERSATIONS = "resolved_conversations"


Delimiter = Literal[",", ";"]


def _ids() -> Any:
    return rule_field("R-AN-5", default_factory=list, max_length=MAX_FILTER_VALUES)


class ExportFiltersIn(Input):
    """R-AN-5: the period (``from`` inclusive, ``to`` exclusive: ISO-8601 times, with an offset
    or in the organization's time zone, or dates meaning their local midnight) and the ids.
    Lists take as many values as the query-string filters (``MAX_FILTER_VALUES``)."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    from_: Line | None = rule_field("R-AN-5", None, alias="from", max_length=40)
    to: Line | None = rule_field("R-AN-5", None, max_length=40)
    queue_id: list[FilterId] = _ids()
    channel: list[Choice[Channel]] = rule_field(
        "R-AN-5", default_factory=list, max_length=len(Channel)
    )
    agent_id: list[FilterId] = _ids()
    skill_id: list[FilterId] = _ids()
    service_level_s: float | None = rule_field("R-AN-1", None, gt=0, le=86400)

    def params(self) -> DashboardParams:
        """The filters in the form the query-string filters take."""
        return DashboardParams(
            from_=self.from_,
            to=self.to,
            queue_id=tuple(self.queue_id),
            channel=tuple(self.channel),
            agent_id=tuple(self.agent_id),
            skill_id=tuple(self.skill_id),
            service_level_s=self.service_level_s,
        )


class ExportJobCreate(Input):
    """Start an export job (R-AN-6)."""

    kind: Choice[ExportKind] = rule_field("R-AN-6")
    filters: ExportFiltersIn = rule_field("R-AN-5", default_factory=ExportFiltersIn)
    delimiter: Delimiter = rule_field("R-AN-6", ",")


# --- Answers -------------------------------------------------------------------------------


class ExportJobFilters(Output):
    """The filters a job was started with, as checked (R-AN-5; times in POSIX seconds)."""

    from_ts: float | None = Field(None, description="inclusive start of the period")
    to_ts: float | None = Field(None, description="exclusive end of the period")
    queue_ids: list[int] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    agent_ids: list[int] = Field(default_factory=list)
    skill_ids: list[int] = Field(default_factory=list)
    service_level_s: float | None = Field(None, description="R-AN-1: the threshold T, if set")


class ExportJobRead(Output):
    """An export job (R-AN-6): its progress, then its file for 7 days."""

    id: int
    kind: str = Field(description="what it exports (docs/api/exports.md)")
    status: str = Field(description="queued, running, done or failed")
    rows_done: int = Field(description="rows written so far")
    rows_total: int | None = Field(description="rows to write, once counted")
    progress: float | None = Field(description="0 to 1; None while the total is unknown")
    delimiter: str = Field(description="the CSV delimiter: , or ;")
    filters: ExportJobFilters
    size_bytes: int | None = Field(description="the file's size once written")
    error: str | None = Field(description="why it failed, if it did")
    created_at: TimeText | None
    finished_at: TimeText | None
    expires_at: TimeText | None = Field(description="when its file is deleted")
    file_url: str | None = Field(description="where to download the file, once done")


class ExportJobList(Output):
    """The caller's export jobs, newest first."""

    items: list[ExportJobRead]
