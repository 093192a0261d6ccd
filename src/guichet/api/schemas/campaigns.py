"""Request and response bodies of the campaigns resource (R-Q-3)."""

from __future__ import annotations

from typing import Literal

from guichet.api.schemas.common import Id, Input, Output, UTCTime, rule_field
from guichet.api.schemas.queues import MembersRead, NumberTypeName
from guichet.api.schemas.text import Line, Phone

__all__ = [
    "CalendarSlot",
    "CampaignCreate",
    "CampaignMembersWrite",
    "CampaignRead",
    "CampaignUpdate",
    "MembersRead",
]

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Recording = Literal["always", "never", "on_demand"]


class CalendarSlot(Input):
    """Hours a campaign may dial on one day, in its time zone; start < end (R-Q-3)."""

    day: Day = rule_field("R-Q-3")
    start: str = rule_field(
        "R-Q-3", max_length=5, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM"
    )
    end: str = rule_field(
        "R-Q-3",
        max_length=5,
        pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
        description="HH:MM, 24:00 allowed",
    )


class _CampaignSettings(Input):
    """Settings shared by creation and update; a field left out keeps its value (or default).

    Fields typed without ``None`` refuse an explicit ``null``.
    """

    timezone: Line = rule_field(
        "R-Q-3", None, max_length=64, description="IANA name; default: the organization's"
    )
    calendar: list[CalendarSlot] = rule_field(
        "R-Q-3", None, max_length=200, description="default: Monday to Friday, 09:00-17:00"
    )
    answer_timeout_s: int = rule_field("R-Q-3", None, ge=5, le=600, description="default 20")
    number_types: list[NumberTypeName] = rule_field(
        "R-Q-3", None, max_length=10, description="non-empty; default mobile and landline"
    )
    recording: Recording = rule_field("R-Q-3", None, description="default never")
    wrap_up_s: int = rule_field("R-Q-7", None, ge=0, le=3600, description="default 30")
    agents_may_end_wrap_up: bool = rule_field("R-Q-7", None, description="default true")
    active: bool = rule_field("R-Q-3", None, description="default true")


class CampaignCreate(_CampaignSettings):
    """A new outbound campaign."""

    name: Line = rule_field("R-Q-3", min_length=1, max_length=100)
    caller_id: Phone = rule_field("R-Q-3", max_length=32, description="outbound caller ID, E.164")


class CampaignUpdate(_CampaignSettings):
    """Changes to a campaign (PATCH: only the fields sent change)."""

    name: Line = rule_field("R-Q-3", None, min_length=1, max_length=100)
    caller_id: Phone = rule_field("R-Q-3", None, max_length=32)


class CampaignRead(Output):
    """A campaign with all its settings."""

    id: int
    name: str
    caller_id: str
    timezone: str
    calendar: list[CalendarSlot]
    answer_timeout_s: int
    number_types: list[str]
    recording: Recording
    wrap_up_s: int
    agents_may_end_wrap_up: bool
    active: bool
    created_at: UTCTime
    updated_at: UTCTime


class CampaignMembersWrite(Input):
    """Every member of a campaign: its agents and supervisors (R-Q-3)."""

    agents: list[Id] = rule_field("R-Q-3", max_length=10_000)
    supervisors: list[Id] = rule_field("R-Q-3", max_length=10_000)
