"""Schemas of the organization's settings: locale, time zone, mixing (R-W-1), costs (R-X-8)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool

from guichet.api.schemas.common import Input, Output, rule_field
from guichet.api.schemas.directory import patch_field
from guichet.api.schemas.text import Line
from guichet.domain.enums import Channel

Cost = Annotated[int, Field(ge=0, le=1000)]
#: A channel by name (`guichet.domain.enums.Channel`), as a body's key.
ChannelName = Literal["voice", "chat", "messaging", "email", "sms", "social"]


class OrganizationRead(Output):
    """The caller's organization. Times are stored in UTC and shown in ``timezone``."""

    id: int
    name: str
    slug: str
    timezone: str = Field(description="IANA time zone the organization's times are shown in")
    locale: Literal["en", "fr"] = Field(description="language of texts when nothing else says")
    allow_mixing: bool = rule_field("R-W-1", description="a call may run beside chats")
    channel_costs: dict[Channel, int] = rule_field(
        "R-X-8", description="budget units one interaction costs, every channel"
    )
    paused_cost: int = rule_field("R-X-8", description="budget units of a paused conversation")
    allow_unassigned_queue_login: bool = rule_field(
        "R-P-4", description="agents may log in to queues they are not assigned to"
    )


class OrganizationUpdate(Input):
    """Settings to change; ``channel_costs`` changes the channels given and keeps the others."""

    name: Line = patch_field(min_length=1, max_length=200)
    timezone: Line = patch_field(min_length=1, max_length=64)
    locale: Literal["en", "fr"] = patch_field()
    allow_mixing: StrictBool = patch_field("R-W-1")
    channel_costs: dict[ChannelName, Cost] = patch_field("R-X-8", max_length=len(Channel))
    paused_cost: Cost = patch_field("R-X-8")
    allow_unassigned_queue_login: StrictBool = patch_field("R-P-4")
