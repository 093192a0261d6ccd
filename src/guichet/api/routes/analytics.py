"""Dashboards (R-AN-2..R-AN-5) and real-time figures (R-S-1, R-Q-6), as JSON.

Every route first folds the event log into the projection (``actions.analytics.do_catch_up``,
in a writing session: on SQLite the single writer), then answers from SQL aggregates
(``analytics.queries``) in the request's read session. The numbers are limited to the
conversations the caller's statistics scope lets appear (R-A-2, R-A-6); a caller without any
statistics scope gets 403 (R-A-2). Definitions: docs/metrics.md; guide: docs/api/analytics.md.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.analytics import do_catch_up
from guichet.analytics import metrics, queries
from guichet.analytics.metrics import Filters
from guichet.analytics.period import period
from guichet.api.deps import CurrentUser, SessionDep, SubjectDep, WriterSessionDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.analytics import (
    AgentPerformanceRead,
    CallersInQueueRead,
    DashboardParams,
    RealtimeRead,
    ResolvedConversationsRead,
    dashboard_params,
)
from guichet.authz.access import Subject
from guichet.persistence.models import Organization, Queue, Skill, User
from guichet.queries.lookups import check_ids_in_org

router = APIRouter(prefix="/analytics", tags=["analytics"], responses=CLIENT_ERRORS)

Params = Annotated[DashboardParams, Depends(dashboard_params)]
_DAY = 86400.0


class Checked:
    """A dashboard request, checked: the organization's zone, the filters, the threshold."""

    def __init__(self, tz: str, filters: Filters, threshold_s: float, now_ts: float) -> None:
        self.tz = tz
        self.filters = filters
        self.threshold_s = threshold_s
        self.now_ts = now_ts

    def header(self) -> dict[str, Any]:
        """What the answer was computed for."""
        f = self.filters
        zone = ZoneInfo(self.tz)

        def local(ts: float | None) -> str | None:
            return None if ts is None else datetime.fromtimestamp(ts, zone).isoformat()

        return {
            "timezone": self.tz,
            "from_ts": f.from_ts,
            "to_ts": f.to_ts,
            "from": local(f.from_ts),
            "to": local(f.to_ts),
            "queue_id": sorted(f.queue_ids or ()),
            "channel": sorted(f.channels or ()),
            "agent_id": sorted(f.agent_ids or ()),
            "skill_id": sorted(f.skill_ids or ()),
            "service_level_s": self.threshold_s,
            "now_ts": self.now_ts,
        }


def _set(values: tuple[Any, ...] | list[Any]) -> frozenset[Any] | None:
    return frozenset(values) if values else None


async def check(session: AsyncSession, subject: Subject, params: DashboardParams) -> Checked:
    """403 without a statistics scope (R-A-2); 422 naming the field for an id of no row of the
    organization, ``to`` not after ``from``, or a period over 366 days (R-AN-5)."""
    queries.require_statistics(subject)
    org_id = subject.org_id
    org = await session.get(Organization, org_id)
    tz = org.timezone if org is not None and org.timezone else "UTC"
    zone = ZoneInfo(tz)
    now = time.time()
    start, end = period(params.from_, params.to, zone, dashboard=True, now=now)
    assert start is not None and end is not None
    queues = await check_ids_in_org(
        session, Queue, org_id=org_id, ids=params.queue_id, field="queue_id"
    )
    agents = await check_ids_in_org(
        session, User, org_id=org_id, ids=params.agent_id, field="agent_id"
    )
    skills = await check_ids_in_org(
        session, Skill, org_id=org_id, ids=params.skill_id, field="skill_id"
    )
    threshold = params.service_level_s
    if threshold is None:
        # One queue: its own setting; otherwise the default (R-AN-1).
        own = await queries.queue_thresholds(session, org_id)
        threshold = own[queues[0]] if len(queues) == 1 else metrics.DEFAULT_THRESHOLD_S
    filters = Filters(
        from_ts=start,
        to_ts=end,
        queue_ids=_set(queues),
        channels=_set([c.value for c in params.channel]),
        agent_ids=_set(agents),
        skill_ids=_set(skills),
    )
    return Checked(tz, filters, float(threshold), now)


@router.get("/callers-in-queue")
async def callers_in_queue(
    principal: CurrentUser,
    subject: SubjectDep,
    session: SessionDep,
    writer: WriterSessionDep,
    params: Params,
) -> CallersInQueueRead:
    """R-AN-2: totals (offered, handled, abandoned, missed, ASA, average abandon wait, the
    three service levels), per local day, and offered per local weekday x hour."""
    req = await check(session, subject, params)
    await do_catch_up(session, writer, org_id=principal.org_id)
    body = await queries.callers_in_queue(
        session, subject=subject, filters=req.filters, tz=req.tz, threshold_s=req.threshold_s
    )
    return CallersInQueueRead.model_validate({**req.header(), **body})


@router.get("/agent-performance")
async def agent_performance(
    principal: CurrentUser,
    subject: SubjectDep,
    session: SessionDep,
    writer: WriterSessionDep,
    params: Params,
) -> AgentPerformanceRead:
    """R-AN-3: per agent the time per state, handled, talk, hold, wrap-up, AHT, occupancy;
    the team's; handle time per queue and per channel."""
    req = await check(session, subject, params)
    await do_catch_up(session, writer, org_id=principal.org_id)
    body = await queries.agent_performance(
        session, subject=subject, filters=req.filters, now_ts=req.now_ts
    )
    return AgentPerformanceRead.model_validate({**req.header(), **body})


@router.get("/resolved-conversations")
async def resolved_conversations(
    principal: CurrentUser,
    subject: SubjectDep,
    session: SessionDep,
    writer: WriterSessionDep,
    params: Params,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> ResolvedConversationsRead:
    """R-AN-4: conversations and resolved per channel, resolved per agent, top reasons."""
    req = await check(session, subject, params)
    await do_catch_up(session, writer, org_id=principal.org_id)
    body = await queries.resolved_conversations(
        session, subject=subject, filters=req.filters, top=top
    )
    return ResolvedConversationsRead.model_validate({**req.header(), **body})


@router.get("/realtime")
async def realtime(
    principal: CurrentUser,
    subject: SubjectDep,
    session: SessionDep,
    writer: WriterSessionDep,
    params: Params,
) -> RealtimeRead:
    """R-S-1 per queue: average wait over the last 15 minutes (the R-Q-6 window), today's
    totals and service level (org-local day), waiting count and longest current wait. Only
    the queue and channel filters apply; ``service_level_s`` overrides every queue's."""
    req = await check(session, subject, params)
    await do_catch_up(session, writer, org_id=principal.org_id)
    thresholds = await queries.queue_thresholds(session, principal.org_id)
    if params.service_level_s is not None:
        thresholds = dict.fromkeys(thresholds, params.service_level_s)
    body = await queries.realtime(
        session,
        subject=subject,
        filters=req.filters,
        now_ts=req.now_ts,
        tz=req.tz,
        thresholds=thresholds,
    )
    head = req.header()
    head["window_s"] = metrics.REALTIME_WINDOW_S
    return RealtimeRead.model_validate({**head, **body})
