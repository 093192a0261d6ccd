"""R-W-3 disposition timers: a queue requiring a disposition gives the agent until a deadline.

When an interaction of a queue with `require_disposition` and `disposition_timer_s > 0` ends,
its `disposition_due_at` is set to `ended_at + disposition_timer_s` (POSIX seconds). The
organization's loop keeps these deadlines next to the engine's timers; at the deadline, if no
disposition was chosen, the agent's wrap-up of that interaction ends (R-X-10: the agent is
freed), the interaction is closed and `interaction.disposition_missing` is logged. The
deadlines are columns, so recovery reads the pending ones back (`pending`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.domain.events import EventType
from guichet.live.render import at
from guichet.persistence.models import (
    AgentPresence,
    Assignment,
    Interaction,
    InteractionEvent,
    Queue,
)
from guichet.routing import Decision, EndWrapUp, RoutingEngine, WrapUpEnded

#: Event-log type of a disposition timer that ran out (docs/events.md).
DISPOSITION_MISSING = EventType.INTERACTION_DISPOSITION_MISSING


async def start_timers(session: AsyncSession, rows: Iterable[Interaction], now: float) -> None:
    """R-W-3: set the deadline of interactions that just ended in a queue requiring one."""
    ended = [r for r in rows if r.queue_id is not None]
    if not ended:
        return
    queues = {
        q.id: q
        for q in await session.scalars(
            select(Queue).where(Queue.id.in_({r.queue_id for r in ended}))
        )
    }
    for row in ended:
        q = queues.get(row.queue_id or 0)
        if q is not None and q.require_disposition and q.disposition_timer_s > 0:
            row.disposition_due_at = now + q.disposition_timer_s


async def pending(session: AsyncSession, *, org_id: int) -> dict[int, float]:
    """Recovery: the running disposition timers (interaction id -> deadline)."""
    found = await session.execute(
        select(Interaction.id, Interaction.disposition_due_at).where(
            Interaction.org_id == org_id,
            Interaction.status == "ended",
            Interaction.disposition_id.is_(None),
            Interaction.disposition_due_at.is_not(None),
        )
    )
    return {iid: float(due) for iid, due in found if due is not None}


async def expire(
    session: AsyncSession,
    engine: RoutingEngine,
    *,
    org_id: int,
    iid: int,
    now: float,
) -> tuple[list[Decision], set[str]] | None:
    """R-W-3 at the deadline: end the wrap-up, close, log; None if a disposition came first.

    Returns the engine's decisions (the end of the agent's wrap-up, if the agent was still
    wrapping this interaction up) and the agents touched.
    """
    row = await session.get(Interaction, iid, populate_existing=True)
    if (
        row is None
        or row.org_id != org_id
        or row.disposition_id is not None
        or row.disposition_due_at is None
    ):
        return None
    due = row.disposition_due_at
    decisions: list[Decision] = []
    agents: set[str] = set()
    wrapping = await session.scalar(
        select(AgentPresence.user_id).where(
            AgentPresence.org_id == org_id, AgentPresence.wrap_interaction_id == iid
        )
    )
    last_agent = await session.scalar(
        select(Assignment.agent_id)
        .where(Assignment.interaction_id == iid)
        .order_by(Assignment.id.desc())
        .limit(1)
    )
    if wrapping is not None:
        view = engine.agent_view(str(wrapping))
        if view is not None and view.wrap_up_until is not None:
            # The wrap-up ends as a supervisor would end it (R-Q-7 does not apply to timers).
            decisions = engine.handle(WrapUpEnded(str(wrapping), True), now)
            agents.add(str(wrapping))
    row.disposition_due_at = None
    row.closed = True
    session.add(
        InteractionEvent(
            org_id=org_id,
            at=at(now),
            type=DISPOSITION_MISSING,
            interaction_id=iid,
            agent_id=last_agent,
            queue_id=row.queue_id,
            skill_id=row.skill_id,
            channel=row.channel,
            data={
                "due_at": due,
                "agent_id": last_agent,
                "wrap_up_ended": any(
                    isinstance(d, EndWrapUp) and d.agent_id in agents for d in decisions
                ),
            },
        )
    )
    return decisions, agents
