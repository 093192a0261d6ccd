"""Supervisor live view (R-S-1) and actions (R-S-2): wrap-up, queues, state, join."""

from __future__ import annotations

from fastapi import APIRouter

from guichet.actions import agents_live
from guichet.actions import supervision as actions
from guichet.actions.conversations import load_watch
from guichet.actions.interactions import message_dict
from guichet.api.deps import (
    CurrentUser,
    Principal,
    SessionDep,
    StateDep,
    SubjectDep,
    WriterSessionDep,
)
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.live import AgentRead, MessageRead, QueueLogin, StateChange
from guichet.api.schemas.supervision import LiveViewRead
from guichet.live import LiveRegistry
from guichet.persistence.models import User

router = APIRouter(prefix="/supervision", tags=["supervision"], responses=CLIENT_ERRORS)


def _live(state: StateDep) -> LiveRegistry:
    assert state.live is not None
    return state.live


async def _agent(session: SessionDep, principal: Principal, agent_id: int) -> User:
    return await actions.supervised_agent(
        session,
        org_id=principal.org_id,
        user_id=principal.user_id,
        roles=list(principal.user.roles),
        agent_id=agent_id,
    )


@router.get("/live")
async def live_view(
    principal: CurrentUser, session: SessionDep, writer: WriterSessionDep, state: StateDep
) -> LiveViewRead:
    """R-S-1: the queues the caller supervises and the agents logged in to them."""
    view = await actions.live_view(
        session,
        writer,
        _live(state),
        org_id=principal.org_id,
        user_id=principal.user_id,
        roles=list(principal.user.roles),
    )
    return LiveViewRead.model_validate(view)


async def _state(session: SessionDep, agent_id: int) -> AgentRead:
    return AgentRead.model_validate(await actions.agent_state(session, user_id=agent_id))


@router.post("/agents/{agent_id}/wrap-up/end")
async def end_wrap_up(
    agent_id: int, principal: CurrentUser, session: SessionDep, state: StateDep
) -> AgentRead:
    """R-Q-7, R-S-2: supervisors may always end an agent's wrap-up."""
    agent = await _agent(session, principal, agent_id)
    await agents_live.do_end_wrap_up(
        session,
        _live(state),
        org_id=principal.org_id,
        user=agent,
        actor_id=principal.user_id,
        by_supervisor=True,
    )
    return await _state(session, agent_id)


@router.put("/agents/{agent_id}/queues")
async def set_queues(
    agent_id: int, body: QueueLogin, principal: CurrentUser, session: SessionDep, state: StateDep
) -> AgentRead:
    """R-S-2, R-P-4: log an agent in to or out of queues (unassigned ones included)."""
    agent = await _agent(session, principal, agent_id)
    await agents_live.do_set_queues(
        session,
        _live(state),
        org_id=principal.org_id,
        user=agent,
        queue_ids=body.queue_ids,
        actor_id=principal.user_id,
        by_supervisor=True,
    )
    return await _state(session, agent_id)


@router.put("/agents/{agent_id}/state")
async def set_state(
    agent_id: int, body: StateChange, principal: CurrentUser, session: SessionDep, state: StateDep
) -> AgentRead:
    """R-S-2: change an agent's state (a pause names a reason, R-Q-9)."""
    agent = await _agent(session, principal, agent_id)
    await agents_live.do_set_state(
        session,
        _live(state),
        org_id=principal.org_id,
        user=agent,
        state=body.state,
        reason_id=body.pause_reason_id,
        actor_id=principal.user_id,
    )
    return await _state(session, agent_id)


@router.post("/interactions/{iid}/join", status_code=201)
async def join(
    iid: int, principal: CurrentUser, session: SessionDep, subject: SubjectDep, state: StateDep
) -> MessageRead:
    """R-S-2, R-A-2 join, R-A-4: a supervisor of its queue, or whoever may join it by rights."""
    watch = await load_watch(session, user=principal.user, permissions=principal.permissions)
    msg = await actions.do_join(
        session, _live(state), subject=subject, watch=watch, user=principal.user, iid=iid
    )
    return MessageRead.model_validate(message_dict(msg))
