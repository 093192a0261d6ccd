"""Query parameters of the dashboards API (R-AN-5 filters, R-AN-1 service-level threshold).

``from`` and ``to`` are ISO-8601 times (with an offset, or in the organization's time zone
without one) or dates (their local midnight); ``from`` is inclusive, ``to`` exclusive. Ids may
repeat (``queue_id=3&queue_id=4``); every id must be a row of the caller's organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from guichet.api.schemas.common import IdFilter as Ids
from guichet.api.schemas.text import Line
from guichet.domain.enums import Channel

Channels = Annotated[list[Channel], Query(max_length=len(Channel), description="repeatable")]
Threshold = Annotated[
    float | None,
    Query(gt=0, le=86400, description="service-level threshold T in seconds (R-AN-1)"),
]


@dataclass(frozen=True)
class DashboardParams:
    """The filters as sent, before they are checked against the organization."""

    from_: str | None = None
    to: str | None = None
    queue_id: tuple[int, ...] = ()
    channel: tuple[Channel, ...] = ()
    agent_id: tuple[int, ...] = ()
    skill_id: tuple[int, ...] = ()
    service_level_s: float | None = None


def dashboard_params(
    from_: Annotated[
        Line | None,
        Query(
            alias="from",
            max_length=40,
            description="inclusive; ISO-8601 time or date, without an offset in local time",
        ),
    ] = None,
    to: Annotated[
        Line | None,
        Query(max_length=40, description="exclusive; ISO-8601 time or date (default: now)"),
    ] = None,
    queue_id: Ids = [],  # noqa: B006 - FastAPI copies defaults
    channel: Channels = [],  # noqa: B006
    agent_id: Ids = [],  # noqa: B006
    skill_id: Ids = [],  # noqa: B006
    service_level_s: Threshold = None,
) -> DashboardParams:
    """The R-AN-5 filters of a dashboard request."""
    return DashboardParams(
        from_=from_,
        to=to,
        queue_id=tuple(queue_id),
        channel=tuple(channel),
        agent_id=tuple(agent_id),
        skill_id=tuple(skill_id),
        service_level_s=service_level_s,
    )
