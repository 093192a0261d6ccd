"""Agent operations: state (R-W-1, R-Q-9), queue login (R-Q-12, R-P-4), offers (R-Q-4),
wrap-up (R-Q-7), transfers (R-W-5) and conversation hold (R-W-6).

Every operation goes through the organization's routing loop, so the engine sees it in order
and its decisions are committed before anyone hears of them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.pause_reasons import menu_reasons
from guichet.actions.permissions import load_permissions
from guichet.authz.cc import AGENT
from guichet.domain.enums import AgentState
from guichet.errors import Conflict, Forbidden, invalid
from guichet.live import LiveRegistry
from guichet.live.commands import submit_checked
from guichet.live.errors import raise_refusal
from guichet.persistence.models import (
    AgentPresence,
    Interaction,
    PauseReason,
    Queue,
    QueueMember,
    Skill,
    User,
)
from guichet.queries.lookups import check_ids_in_org, get_in_org
from guichet.routing import (
    AgentQueuesChanged,
    AgentStateChanged,
    ConversationPaused,
    ConversationResumed,
    Decision,
    Event,
    InteractionTransferred,
    OfferAccepted,
    OfferRejected,
    RoutingEngine,
    WrapUpEnded,
)


def require_agent(user: User) -> None:
    """Only active users with the agent role take work (403 otherwise)."""
    if AGENT not in user.roles or not user.is_active:
        raise Forbidden("only agents take interactions", code="not_an_agent")


async def presence_row(session: AsyncSession, *, org_id: int, user_id: int) -> AgentPresence:
    """The agent's presence row, created offline on first use."""
    row = await session.get(AgentPresence, user_id)
    if row is None:
        row = AgentPresence(
            user_id=user_id, org_id=org_id, presence="offline", state="offline", queue_ids=[]
        )
        session.add(row)
        await session.flush()
    return row


async def state_menu(session: AsyncSession, *, org_id: int) -> dict[str, Any]:
    """R-Q-9: the pause reasons to pick, or the "Ready / Pause all queues" mode when none."""
    reasons = await menu_reasons(session, org_id=org_id)
    if not reasons:
        return {"mode": "ready_pause_all", "reasons": []}
    return {"mode": "reasons", "reasons": [{"id": r.id, "name": r.name} for r in reasons]}


async def check_state(
    session: AsyncSession, *, org_id: int, state: str, reason_id: int | None
) -> str | None:
    """The pause reason's name for ``state`` (R-Q-9); 422 when the reason does not fit."""
    if state != AgentState.PAUSED:
        if reason_id is not None:
            raise invalid("pause_reason_id", "only a pause takes a reason", "R-Q-9")
        return None
    menu = await state_menu(session, org_id=org_id)
    if menu["mode"] == "ready_pause_all":
        if reason_id is not None:
            raise invalid(
                "pause_reason_id", "every pause reason is disabled: pause all queues", "R-Q-9"
            )
        return None
    if reason_id is None:
        raise invalid("pause_reason_id", "pick a pause reason", "R-Q-9")
    reason = await get_in_org(session, PauseReason, reason_id, org_id)
    if not reason.enabled or reason.is_system:
        raise invalid("pause_reason_id", "this pause reason is not offered to agents", "R-Q-9")
    return reason.name


async def do_set_state(
    session: AsyncSession,
    live: LiveRegistry,
    *,
    org_id: int,
    user: User,
    state: str,
    reason_id: int | None,
    actor_id: int,
) -> list[Decision]:
    """R-W-1: available, paused with a reason (R-Q-9) or offline; R-X-10 offers work at once."""
    require_agent(user)
    reason = await check_state(session, org_id=org_id, state=state, reason_id=reason_id)
    await session.commit()
    router = await live.router(org_id)
    uid = user.id

    async def prepare(s: AsyncSession, _e: RoutingEngine) -> tuple[Event | None, Any]:
        await presence_row(s, org_id=org_id, user_id=uid)
        return AgentStateChanged(str(uid), AgentState(state), reason), None

    out = await router.run(prepare, actor_id=actor_id, agents=[str(uid)])
    raise_refusal(out.decisions)
    return out.decisions


async def check_queue_login(
    session: AsyncSession,
    *,
    org_id: int,
    user_id: int,
    queue_ids: list[int],
    by_supervisor: bool,
) -> list[int]:
    """R-Q-12, R-P-4: queues the agent belongs to; others only when the switch allows it.

    Queues the agent is already logged in to stay allowed after the switch is turned off;
    supervisors may log an agent in to any queue of the organization.
    """
    wanted = await check_ids_in_org(session, Queue, org_id=org_id, ids=queue_ids, field="queue_ids")
    if by_supervisor:
        return wanted
    member = set(
        await session.scalars(
            select(QueueMember.queue_id).where(
                QueueMember.user_id == user_id, QueueMember.role == "agent"
            )
        )
    )
    current = await session.get(AgentPresence, user_id)
    kept = {int(q) for q in (current.queue_ids if current else [])}
    perms = await load_permissions(session, org_id=org_id)
    if perms.allow_unassigned_queue_login:
        return wanted
    outside = [q for q in wanted if q not in member and q not in kept]
    if outside:
        raise Forbidden(
            f"not a member of queues {outside}; the organization does not allow it",
            field="queue_ids",
            rule="R-P-4",
            code="unassigned_queue",
        )
    return wanted


async def do_set_queues(
    session: AsyncSession,
    live: LiveRegistry,
    *,
    org_id: int,
    user: User,
    queue_ids: list[int],
    actor_id: int,
    by_supervisor: bool = False,
) -> list[int]:
    """R-Q-12: log the agent in to exactly these queues; routing follows at once."""
    require_agent(user)
    wanted = await check_queue_login(
        session, org_id=org_id, user_id=user.id, queue_ids=queue_ids, by_supervisor=by_supervisor
    )
    await session.commit()
    router = await live.router(org_id)
    uid = user.id
    old: list[int] = []

    async def prepare(s: AsyncSession, _e: RoutingEngine) -> tuple[Event | None, Any]:
        row = await presence_row(s, org_id=org_id, user_id=uid)
        old.extend(int(q) for q in row.queue_ids)
        row.queue_ids = list(wanted)
        return AgentQueuesChanged(str(uid), tuple(str(q) for q in wanted)), None

    out = await router.run(prepare, actor_id=actor_id, agents=[str(uid)], old_queues=old)
    raise_refusal(out.decisions)
    return wanted


async def do_answer_offer(
    session: AsyncSession,
    live: LiveRegistry,
    *,
    org_id: int,
    user: User,
    iid: int,
    accept: bool,
) -> list[Decision]:
    """R-Q-4: accept (first accept wins) or reject an offer; a closed offer is a 409."""
    require_agent(user)
    await get_in_org(session, Interaction, iid, org_id)
    event = (OfferAccepted if accept else OfferRejected)(str(iid), str(user.id))
    return await submit_checked(session, live, org_id=org_id, event=event, actor_id=user.id)


async def check_disposition_given(session: AsyncSession, *, org_id: int, user_id: int) -> None:
    """R-W-3: a queue that requires a disposition keeps the agent in wrap-up until it is set."""
    p = await session.get(AgentPresence, user_id)
    if p is None or p.wrap_interaction_id is None:
        return
    ix = await session.get(Interaction, p.wrap_interaction_id)
    if ix is None or ix.org_id != org_id or ix.queue_id is None or ix.disposition_id is not None:
        return
    queue = await session.get(Queue, ix.queue_id)
    if queue is not None and queue.require_disposition:
        raise Conflict(
            "this queue requires a disposition before wrap-up ends",
            field="disposition_id",
            rule="R-W-3",
            code="disposition_required",
        )


async def do_end_wrap_up(
    session: AsyncSession,
    live: LiveRegistry,
    *,
    org_id: int,
    user: User,
    actor_id: int,
    by_supervisor: bool,
) -> list[Decision]:
    """R-Q-7: end the agent's wrap-up (agents when the queue allows it, supervisors always)."""
    require_agent(user)
    if not by_supervisor:
        await check_disposition_given(session, org_id=org_id, user_id=user.id)
    event = WrapUpEnded(str(user.id), by_supervisor)
    return await submit_checked(session, live, org_id=org_id, event=event, actor_id=actor_id)


async def do_transfer(
    session: AsyncSession,
    live: LiveRegistry,
    *,
    row: Interaction,
    actor_id: int,
    to_agent_id: int | None,
    to_queue_id: int | None,
    to_skill_id: int | None,
    consulted: bool,
) -> list[Decision]:
    """R-W-5: to an agent's personal queue (by the target's state), a queue or a skill."""
    named = [x for x in (to_agent_id, to_queue_id, to_skill_id) if x is not None]
    if not named:
        raise invalid("to_agent_id", "name an agent, a queue or a skill", "R-W-5")
    if to_agent_id is not None and (to_queue_id is not None or to_skill_id is not None):
        raise invalid("to_agent_id", "an agent, or a queue and/or a skill: not both", "R-W-5")
    if consulted and to_agent_id is None:
        raise invalid("consulted", "only a transfer to an agent is warm", "R-W-5")
    org_id = row.org_id
    for field, model, value in (
        ("to_agent_id", User, to_agent_id),
        ("to_queue_id", Queue, to_queue_id),
        ("to_skill_id", Skill, to_skill_id),
    ):
        if value is not None:
            await check_ids_in_org(session, model, org_id=org_id, ids=[value], field=field)
    event = InteractionTransferred(
        str(row.id),
        to_agent_id=None if to_agent_id is None else str(to_agent_id),
        to_queue_id=None if to_queue_id is None else str(to_queue_id),
        to_skill=None if to_skill_id is None else str(to_skill_id),
        consulted=consulted,
    )
    return await submit_checked(session, live, org_id=org_id, event=event, actor_id=actor_id)


async def do_pause(
    session: AsyncSession, live: LiveRegistry, *, row: Interaction, actor_id: int
) -> list[Decision]:
    """R-W-6: put a messaging conversation on hold, freeing the agent's capacity."""
    event = ConversationPaused(str(row.id))
    return await submit_checked(session, live, org_id=row.org_id, event=event, actor_id=actor_id)


async def do_resume(
    session: AsyncSession, live: LiveRegistry, *, row: Interaction, actor_id: int | None
) -> list[Decision]:
    """R-W-6: the contact wrote again: back to its agent's personal queue, else the queue."""
    event = ConversationResumed(str(row.id))
    return await submit_checked(session, live, org_id=row.org_id, event=event, actor_id=actor_id)
