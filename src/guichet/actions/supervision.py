"""Supervisor live view (R-S-1) and actions on agents and conversations (R-S-2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.analytics import do_catch_up
from guichet.actions.conversations import HELD, Watch, may_read, sees
from guichet.actions.interactions import message_dict, message_event
from guichet.analytics import queries
from guichet.analytics.metrics import Filters
from guichet.authz.access import Area, Subject
from guichet.authz.cc import ADMINISTRATOR, SUPERVISOR
from guichet.domain.events import EventType, LiveEvent
from guichet.errors import Forbidden, NotFound
from guichet.live import LiveRegistry
from guichet.live.presence_sync import Publication
from guichet.live.render import agent_dict, at, offline_agent
from guichet.live.snapshot import supervisor_view, visible_queues
from guichet.persistence.models import (
    AgentPresence,
    Interaction,
    InteractionEvent,
    Message,
    Organization,
    Queue,
    QueueMember,
    User,
)
from guichet.queries.lookups import get_in_org

#: Seconds within which an answer counts for the service level when a queue sets none.
DEFAULT_SERVICE_LEVEL_S = 20


def require_watcher(roles: list[str]) -> None:
    """Supervisors and administrators only (403 otherwise)."""
    if ADMINISTRATOR not in roles and SUPERVISOR not in roles:
        raise Forbidden("this is for supervisors", code="not_a_supervisor")


async def supervised_agent(
    session: AsyncSession, *, org_id: int, user_id: int, roles: list[str], agent_id: int
) -> User:
    """An agent the caller supervises: member of or logged in to a queue they watch (R-S-2)."""
    require_watcher(roles)
    agent = await get_in_org(session, User, agent_id, org_id)
    if ADMINISTRATOR in roles:
        return agent
    queues = await visible_queues(session, org_id=org_id, user_id=user_id, roles=roles) or []
    mine = {q.id for q in queues}
    member = set(
        await session.scalars(select(QueueMember.queue_id).where(QueueMember.user_id == agent_id))
    )
    p = await session.get(AgentPresence, agent_id)
    logged = {int(q) for q in (p.queue_ids if p else [])}
    if not mine & (member | logged):
        raise NotFound(f"user {agent_id} not found")
    return agent


def _threshold(queue: Queue) -> float:
    return float((queue.settings or {}).get("service_level_s") or DEFAULT_SERVICE_LEVEL_S)


async def _analytics_figures(
    session: AsyncSession,
    writer: AsyncSession,
    *,
    org_id: int,
    queues: list[Queue],
    now: float,
) -> dict[int, dict[str, Any]]:
    """Per queue, the analytics' real-time figures (docs/metrics.md, R-AN-1): today's offered,
    answered and abandoned and the service level (answered within the queue's threshold /
    offered, org-local day), and the average wait of the last 15 minutes (R-Q-6's window).

    The event log is folded first (`actions.analytics.do_catch_up`) in the writing session,
    then the read session starts a new snapshot.
    """
    if not queues:
        return {}
    await do_catch_up(session, writer, org_id=org_id)
    org = await session.get(Organization, org_id)
    subject = Subject(org_id=org_id, user_id=0, administrator=True)
    body = await queries.realtime(
        session,
        subject=subject,
        filters=Filters(queue_ids=frozenset(q.id for q in queues)),
        now_ts=now,
        tz=org.timezone if org is not None and org.timezone else "UTC",
        thresholds={q.id: _threshold(q) for q in queues},
    )
    return {q["queue_id"]: q for q in body["queues"] if q["queue_id"] is not None}


async def live_view(
    session: AsyncSession,
    writer: AsyncSession,
    live: LiveRegistry,
    *,
    org_id: int,
    user_id: int,
    roles: list[str],
) -> dict[str, Any]:
    """R-S-1: per queue the waiting list (callback labels), counts, longest wait, today's
    offered / answered / abandoned and service level and the average wait of the last 15
    minutes (R-Q-6), as the analytics define them; per agent the state, time in state and
    current work.

    The queues, their waiting lists and the agents are the WebSocket snapshot's own
    (`live.snapshot.supervisor_view`); times are the routing loop's clock."""
    require_watcher(roles)
    await session.commit()  # a first use starts the loop, which writes: free SQLite's writer
    await writer.commit()
    now = (await live.router(org_id)).now()
    view = await supervisor_view(session, org_id=org_id, user_id=user_id, roles=roles)
    assert view is not None  # a watcher
    queues = [w.queue for w in view.queues]
    figures = await _analytics_figures(session, writer, org_id=org_id, queues=queues, now=now)
    out_queues = []
    for w in view.queues:
        q = w.queue
        fig = figures.get(q.id, {})
        out_queues.append(
            {
                "id": q.id,
                "name": q.name,
                "waiting": w.waiting,
                "waiting_count": len(w.rows),
                "callbacks": sum(1 for r in w.rows if r.status == "callback"),
                "longest_wait_s": max((now - (r.order_t or now) for r in w.rows), default=0.0),
                "offered_today": fig.get("offered_today", 0),
                "answered_today": fig.get("answered_today", 0),
                "abandoned_today": fig.get("abandoned_today", 0),
                "service_level_s": fig.get("threshold_s", _threshold(q)),
                "service_level": fig.get("sl_today"),
                "average_wait_15m_s": fig.get("avg_wait_15m_s"),
            }
        )
    work: dict[int, list[int]] = {}
    for iid, aid in await session.execute(
        select(Interaction.id, Interaction.agent_id).where(
            Interaction.org_id == org_id, Interaction.status.in_(("assigned", "paused"))
        )
    ):
        if aid is not None:
            work.setdefault(aid, []).append(iid)
    agents = []
    for p in view.agents:
        body = agent_dict(p)
        body["time_in_state_s"] = max(0.0, now - p.state_since.timestamp())
        body["current_work"] = sorted(work.get(p.user_id, []))
        agents.append(body)
    return {"queues": out_queues, "agents": agents}


async def agent_state(session: AsyncSession, *, user_id: int) -> dict[str, Any]:
    """One agent's live state."""
    p = await session.get(AgentPresence, user_id, populate_existing=True)
    return agent_dict(p) if p is not None else offline_agent(user_id)


async def check_join(
    session: AsyncSession, *, subject: Subject, watch: Watch, iid: int
) -> Interaction:
    """Who may join (R-S-2, R-A-2 join, R-A-4): a supervisor watching the conversation's queue
    (R-P-2) or an administrator, or whoever the access rights let join it (CRM precedence
    included), even without the supervisor role.

    A caller who may not see it at all (history, statistics and join all deny, and no
    operational or watcher right) gets 404; one who sees it but may not join, 403 (R-A-2).
    Only a conversation an agent handles can be joined (403 otherwise).
    """
    row = await get_in_org(session, Interaction, iid, subject.org_id)
    allowed = watch.covers(row) or await sees(session, subject=subject, iid=iid, area=Area.JOIN)
    if not allowed:
        visible = await may_read(session, subject=subject, watch=watch, iid=iid) or await sees(
            session, subject=subject, iid=iid, area=Area.STATISTICS
        )
        if not visible:
            raise NotFound(f"interaction {iid} not found")
        raise Forbidden(
            "your rights do not allow joining this conversation", rule="R-A-2", code="join_denied"
        )
    if row.status not in HELD:
        raise Forbidden("only a conversation an agent handles can be joined", code="not_joinable")
    return row


async def do_join(
    session: AsyncSession,
    live: LiveRegistry,
    *,
    subject: Subject,
    watch: Watch,
    user: User,
    iid: int,
) -> Message:
    """R-S-2: join a conversation; the transcript and the event log say so."""
    row = await check_join(session, subject=subject, watch=watch, iid=iid)
    org_id = row.org_id
    msg = Message(
        org_id=org_id,
        interaction_id=row.id,
        sender="system",
        sender_user_id=user.id,
        body=f"{user.display_name} joined the conversation",
    )
    session.add(msg)
    session.add(
        InteractionEvent(
            org_id=org_id,
            at=at(live.clock()),
            type=EventType.INTERACTION_JOINED,
            interaction_id=row.id,
            agent_id=row.agent_id,
            actor_id=user.id,
            queue_id=row.queue_id,
            channel=row.channel,
            data={"supervisor_id": user.id},
        )
    )
    await session.flush()
    session.add(message_event(row, msg, when=at(live.clock())))
    await session.commit()
    router = await live.router(org_id)
    users = router.loaded.audience.for_queues({row.queue_id} if row.queue_id else set())
    users |= {u for u in (row.agent_id, user.id) if u is not None}
    router.publish([Publication({"type": LiveEvent.MESSAGE, "message": message_dict(msg)}, users)])
    return msg
