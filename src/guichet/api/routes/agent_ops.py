"""The signed-in agent's operations: state (R-W-1, R-Q-9), queues (R-Q-12), offers, wrap-up."""

from __future__ import annotations

from fastapi import APIRouter

from guichet.actions import agents_live as actions
from guichet.actions import interactions
from guichet.api.deps import CurrentUser, SessionDep, StateDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.live import (
    AgentOfferRead,
    AgentRead,
    InteractionRead,
    QueueLogin,
    StateChange,
    StateMenuRead,
)
from guichet.live import LiveRegistry
from guichet.live.render import agent_dict, interaction_dict, offline_agent
from guichet.persistence.models import AgentPresence, Interaction

router = APIRouter(prefix="/agent", tags=["agent"], responses=CLIENT_ERRORS)


def _live(state: StateDep) -> LiveRegistry:
    assert state.live is not None
    return state.live


async def _me(session: SessionDep, user_id: int) -> AgentRead:
    # The request's own session: a second one would wait on SQLite's single writer.
    row = await session.get(AgentPresence, user_id, populate_existing=True)
    return AgentRead.model_validate(agent_dict(row) if row is not None else offline_agent(user_id))


@router.get("")
async def read_me(principal: CurrentUser, session: SessionDep) -> AgentRead:
    """The agent's live state."""
    return await _me(session, principal.user_id)


@router.get("/state-menu")
async def state_menu(principal: CurrentUser, session: SessionDep) -> StateMenuRead:
    """R-Q-9: the pause reasons, or "Ready" / "Pause all queues" when every one is disabled."""
    return StateMenuRead.model_validate(await actions.state_menu(session, org_id=principal.org_id))


@router.put("/state")
async def set_state(
    body: StateChange, principal: CurrentUser, session: SessionDep, state: StateDep
) -> AgentRead:
    """R-W-1: become available, paused with a reason (R-Q-9) or offline."""
    await actions.do_set_state(
        session,
        _live(state),
        org_id=principal.org_id,
        user=principal.user,
        state=body.state,
        reason_id=body.pause_reason_id,
        actor_id=principal.user_id,
    )
    return await _me(session, principal.user_id)


@router.put("/queues")
async def set_queues(
    body: QueueLogin, principal: CurrentUser, session: SessionDep, state: StateDep
) -> AgentRead:
    """R-Q-12: log in to exactly these queues (R-P-4 for queues one is not assigned to)."""
    await actions.do_set_queues(
        session,
        _live(state),
        org_id=principal.org_id,
        user=principal.user,
        queue_ids=body.queue_ids,
        actor_id=principal.user_id,
    )
    return await _me(session, principal.user_id)


@router.get("/offers")
async def list_offers(
    principal: CurrentUser, session: SessionDep, state: StateDep
) -> list[AgentOfferRead]:
    """R-Q-4, R-X-3: the caller's open offers not yet expired, with the interaction each
    proposes, its expiry and why it was offered to them; oldest first."""
    offers = await interactions.open_offers(
        session, org_id=principal.org_id, agent_id=principal.user_id, now=_live(state).clock()
    )
    return [AgentOfferRead.model_validate(o) for o in offers]


@router.post("/offers/{iid}/accept")
async def accept(
    iid: int, principal: CurrentUser, session: SessionDep, state: StateDep
) -> InteractionRead:
    """R-Q-4: accept an open offer (409 R-Q-4 once it expired or went elsewhere); answers
    the interaction, now assigned to the caller (the agent's state: `GET /agent`)."""
    await actions.do_answer_offer(
        session, _live(state), org_id=principal.org_id, user=principal.user, iid=iid, accept=True
    )
    row = await session.get(Interaction, iid, populate_existing=True)
    assert row is not None  # accepted just now
    return InteractionRead.model_validate(
        interaction_dict(row, await interactions.tag_ids(session, iid=iid))
    )


@router.post("/offers/{iid}/reject")
async def reject(
    iid: int, principal: CurrentUser, session: SessionDep, state: StateDep
) -> AgentRead:
    """R-Q-4: decline an open offer; it goes to the next agent."""
    await actions.do_answer_offer(
        session, _live(state), org_id=principal.org_id, user=principal.user, iid=iid, accept=False
    )
    return await _me(session, principal.user_id)


@router.post("/wrap-up/end")
async def end_wrap_up(principal: CurrentUser, session: SessionDep, state: StateDep) -> AgentRead:
    """R-Q-7: end one's own wrap-up when the queue allows it (R-W-3 disposition first)."""
    await actions.do_end_wrap_up(
        session,
        _live(state),
        org_id=principal.org_id,
        user=principal.user,
        actor_id=principal.user_id,
        by_supervisor=False,
    )
    return await _me(session, principal.user_id)
