"""Interactions: intake (idempotent), read, end, transcript, tags, disposition and notes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Response
from sqlalchemy import delete

from guichet.actions import agents_live, wrap_up
from guichet.actions import interactions as actions
from guichet.actions.common import check_ids_in_org, get_in_org
from guichet.api.deps import CurrentUser, Principal, SessionDep, StateDep
from guichet.api.schemas.live import (
    InteractionCreate,
    KeyPress,
    MessageCreate,
    TagsSet,
    TransferCreate,
    WrapUpUpdate,
)
from guichet.authz.cc import ADMINISTRATOR, SUPERVISOR
from guichet.errors import Conflict, Forbidden
from guichet.live import LiveRegistry
from guichet.live.apply import interaction_audience
from guichet.live.presence_sync import Publication
from guichet.live.render import interaction_dict
from guichet.persistence.models import AgentPresence, Interaction, InteractionTag, Tag

router = APIRouter(prefix="/interactions", tags=["interactions"])


def _live(state: StateDep) -> LiveRegistry:
    assert state.live is not None
    return state.live


def _watcher(principal: Principal) -> bool:
    roles = principal.user.roles
    return ADMINISTRATOR in roles or SUPERVISOR in roles


async def _readable(session: SessionDep, principal: Principal, iid: int) -> Interaction:
    return await actions.readable(
        session,
        org_id=principal.org_id,
        iid=iid,
        user_id=principal.user_id,
        watcher=_watcher(principal),
    )


async def _contact_side(session: SessionDep, principal: Principal, iid: int) -> Interaction:
    """The interaction, if the caller took it in (the contact side) or supervises."""
    row = await get_in_org(session, Interaction, iid, principal.org_id)
    if _watcher(principal) or row.created_by_id == principal.user_id:
        return row
    raise Forbidden("only the contact side may do this", code="not_contact_side")


async def _worker_row(session: SessionDep, principal: Principal, iid: int) -> Interaction:
    """The interaction, if the caller handles it (or wraps it up) or supervises (R-W-2, R-W-3)."""
    row = await get_in_org(session, Interaction, iid, principal.org_id)
    if _watcher(principal) or row.agent_id == principal.user_id:
        return row
    p = await session.get(AgentPresence, principal.user_id)
    if p is not None and p.wrap_interaction_id == row.id and p.wrap_up_until is not None:
        return row
    raise Forbidden("only the agent handling this interaction may do this", code="not_yours")


@router.post("", status_code=201)
async def create_interaction(
    body: InteractionCreate,
    principal: CurrentUser,
    session: SessionDep,
    state: StateDep,
    response: Response,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> dict[str, Any]:
    """Take in an interaction and route it (R-Q-5, R-TR-1); replays the first answer per key."""
    answer, created = await actions.do_intake(
        session,
        _live(state),
        org_id=principal.org_id,
        actor_id=principal.user_id,
        body=body.engine_body(),
        key=idempotency_key,
    )
    if not created:
        response.status_code = 200
    return answer


@router.get("/{iid}")
async def read_interaction(iid: int, principal: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """One interaction with its tags (R-A-6: those who may read it)."""
    row = await _readable(session, principal, iid)
    return interaction_dict(row, await actions.tag_ids(session, iid=row.id))


@router.post("/{iid}/end")
async def end_interaction(
    iid: int, principal: CurrentUser, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """End it: the agent handling it, a supervisor, or (unanswered) the contact side."""
    row = await _readable(session, principal, iid)
    if row.agent_id is None:
        await _contact_side(session, principal, iid)  # unanswered: the contact leaves
    elif row.agent_id != principal.user_id and not _watcher(principal):
        raise Forbidden("only the agent handling this interaction may end it", code="not_yours")
    await actions.do_end(
        session, _live(state), org_id=principal.org_id, actor_id=principal.user_id, iid=iid
    )
    return await _fresh(session, iid)


@router.get("/{iid}/messages")
async def list_messages(
    iid: int, principal: CurrentUser, session: SessionDep
) -> list[dict[str, Any]]:
    """The transcript, oldest first."""
    row = await _readable(session, principal, iid)
    return [actions.message_dict(m) for m in await actions.list_messages(session, iid=row.id)]


@router.post("/{iid}/messages", status_code=201)
async def post_message(
    iid: int, body: MessageCreate, principal: CurrentUser, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """Post on a chat or messaging transcript (agent side, or the contact side for now)."""
    if body.sender == "agent":
        row = await _worker_row(session, principal, iid)
    else:
        row = await _contact_side(session, principal, iid)
    if row.channel == "voice":
        raise Conflict("a call has no transcript", field="body", code="no_transcript")
    paused = row.status == "paused"
    msg = await actions.do_post_message(
        session,
        _live(state),
        row=row,
        sender=body.sender,
        user_id=principal.user_id,
        text=body.body,
    )
    if paused and body.sender == "contact":
        # R-W-6: the contact wrote again: the conversation goes back to its agent.
        await agents_live.do_resume(session, _live(state), row=row, actor_id=None)
    return actions.message_dict(msg)


@router.post("/{iid}/transfer")
async def transfer(
    iid: int, body: TransferCreate, principal: CurrentUser, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """R-W-5: cold or warm to an agent's personal queue, or to a queue or a skill."""
    row = await _worker_row(session, principal, iid)
    await agents_live.do_transfer(
        session,
        _live(state),
        row=row,
        actor_id=principal.user_id,
        to_agent_id=body.to_agent_id,
        to_queue_id=body.to_queue_id,
        to_skill_id=body.to_skill_id,
        consulted=body.consulted,
    )
    return await _fresh(session, iid)


@router.post("/{iid}/pause")
async def pause(
    iid: int, principal: CurrentUser, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """R-W-6: put a messaging conversation on hold; its slot is freed."""
    row = await _worker_row(session, principal, iid)
    await agents_live.do_pause(session, _live(state), row=row, actor_id=principal.user_id)
    return await _fresh(session, iid)


@router.post("/{iid}/keys")
async def press_key(
    iid: int, body: KeyPress, principal: CurrentUser, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """R-Q-6: `#` accepts the offered callback; R-Q-5: `*` leaves the queue node."""
    row = await _contact_side(session, principal, iid)
    await actions.do_key(session, _live(state), row=row, key=body.key, actor_id=principal.user_id)
    return await _fresh(session, iid)


async def _fresh(session: SessionDep, iid: int) -> dict[str, Any]:
    row = await session.get(Interaction, iid, populate_existing=True)
    assert row is not None
    return interaction_dict(row, await actions.tag_ids(session, iid=iid))


@router.put("/{iid}/tags")
async def set_tags(
    iid: int, body: TagsSet, principal: CurrentUser, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """R-W-2: replace the interaction's tags."""
    row = await _worker_row(session, principal, iid)
    ids = await check_ids_in_org(
        session, Tag, org_id=principal.org_id, ids=body.tag_ids, field="tag_ids"
    )
    await session.execute(delete(InteractionTag).where(InteractionTag.interaction_id == row.id))
    for tid in ids:
        session.add(InteractionTag(interaction_id=row.id, tag_id=tid))
    await session.commit()
    return await _publish_row(session, state, row)


@router.patch("/{iid}/wrap-up")
async def set_wrap_up(
    iid: int, body: WrapUpUpdate, principal: CurrentUser, session: SessionDep, state: StateDep
) -> dict[str, Any]:
    """R-W-3: disposition and notes; notes until the end of wrap-up, then supervisors only."""
    row = await _worker_row(session, principal, iid)
    await wrap_up.do_set_wrap_up(
        session,
        _live(state),
        row=row,
        changes=body.model_dump(exclude_unset=True),
        user_id=principal.user_id,
        watcher=_watcher(principal),
    )
    fresh = await session.get(Interaction, iid, populate_existing=True)
    assert fresh is not None
    return await _publish_row(session, state, fresh)


async def _publish_row(session: SessionDep, state: StateDep, row: Interaction) -> dict[str, Any]:
    body = interaction_dict(row, await actions.tag_ids(session, iid=row.id))
    await session.commit()
    router_ = await _live(state).router(row.org_id)
    users = await interaction_audience(session, router_.loaded.audience, row)
    wrapping = await wrap_up.wrapping_agent(session, org_id=row.org_id, iid=row.id)
    for person in (row.agent_id, wrapping):
        if person is not None:
            users.add(person)
    router_.publish([Publication({"type": "interaction", "interaction": body}, users)])
    return body
