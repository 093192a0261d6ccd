"""Interactions: intake (idempotent), the conversation list, read, end, transcript, tags,
disposition and notes, evaluations.

Who may read a conversation is ``actions.conversations.read_where`` (R-A-2 history with CRM
precedence R-A-4, operational rights, the R-P-2 watcher rule); a caller who may not read it
gets 404 from every route here, even where the operation itself would be a 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from guichet.actions import agents_live, wrap_up
from guichet.actions import conversations as conv
from guichet.actions import evaluations as evals
from guichet.actions import interactions as actions
from guichet.api.deps import CurrentUser, Principal, SessionDep, StateDep, SubjectDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.conversations import EvaluationCreate, EvaluationRead
from guichet.api.schemas.live import (
    InteractionCreate,
    InteractionDetail,
    InteractionPage,
    InteractionRead,
    KeyPress,
    MessageCreate,
    MessageRead,
    TagsSet,
    TransferCreate,
    WrapUpUpdate,
)
from guichet.api.schemas.text import Line
from guichet.authz.access import Area, Subject
from guichet.domain.enums import Channel
from guichet.errors import Conflict, Forbidden, NotFound
from guichet.live import LiveRegistry
from guichet.live.render import interaction_dict
from guichet.persistence.models import AgentPresence, Interaction
from guichet.queries.lookups import MAX_ID

router = APIRouter(prefix="/interactions", tags=["interactions"], responses=CLIENT_ERRORS)

#: Statuses the list filter accepts (docs/events.md).
Status = Annotated[
    str | None,
    Query(
        max_length=20,
        pattern="^(new|unrouted|in_flow|waiting|offered|assigned|paused|callback|abandoned|ended)$",
    ),
]
#: A filter's id: anything that is no row of the caller's organization is a 422 naming it.
Id = Annotated[int | None, Query()]
#: The keyset cursor: rows with a smaller id (ids are 32-bit on every engine).
Cursor = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _live(state: StateDep) -> LiveRegistry:
    assert state.live is not None
    return state.live


async def _watch(session: SessionDep, principal: Principal) -> conv.Watch:
    return await conv.load_watch(session, user=principal.user, permissions=principal.permissions)


async def _readable(
    session: SessionDep, principal: Principal, subject: Subject, iid: int
) -> tuple[Interaction, conv.Watch]:
    """The interaction if the caller may read it (404 otherwise), and the caller's watch."""
    watch = await _watch(session, principal)
    row = await conv.readable(session, subject=subject, watch=watch, iid=iid)
    return row, watch


async def _contact_side(
    session: SessionDep, principal: Principal, subject: Subject, iid: int
) -> Interaction:
    """The interaction, if the caller took it in (the contact side) or watches it."""
    row, watch = await _readable(session, principal, subject, iid)
    if watch.covers(row) or row.created_by_id == principal.user_id:
        return row
    raise Forbidden("only the contact side may do this", code="not_contact_side")


async def _worker_row(
    session: SessionDep, principal: Principal, subject: Subject, iid: int
) -> Interaction:
    """The interaction, if the caller handles it (or wraps it up) or watches it (R-W-2, R-W-3)."""
    row, watch = await _readable(session, principal, subject, iid)
    # agent_id may name the last agent of an ended interaction: she no longer works on it.
    if watch.covers(row) or (row.agent_id == principal.user_id and row.status in conv.HELD):
        return row
    p = await session.get(AgentPresence, principal.user_id)
    if p is not None and p.wrap_interaction_id == row.id and p.wrap_up_until is not None:
        return row
    raise Forbidden("only the agent handling this interaction may do this", code="not_yours")


async def _agent_side(
    session: SessionDep, principal: Principal, subject: Subject, iid: int
) -> Interaction:
    """Who may write as the agent side: the worker rule, or the join right while it is held."""
    try:
        return await _worker_row(session, principal, subject, iid)
    except (Forbidden, NotFound):
        if await conv.sees(session, subject=subject, iid=iid, area=Area.JOIN):
            row = await session.get(Interaction, iid)
            if row is not None and row.status in conv.HELD:
                return row
        raise


@router.post("", status_code=201)
async def create_interaction(
    body: InteractionCreate,
    principal: CurrentUser,
    session: SessionDep,
    state: StateDep,
    response: Response,
    idempotency_key: Line | None = Header(None, alias="Idempotency-Key", max_length=200),
) -> InteractionRead:
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
    return InteractionRead.model_validate(answer)


@router.get("")
async def list_interactions(
    session: SessionDep,
    subject: SubjectDep,
    channel: Channel | None = None,
    agent_id: Id = None,
    queue_id: Id = None,
    tag_id: Id = None,
    status: Status = None,
    contact_id: Id = None,
    created_from: Annotated[datetime | None, Query(description="ISO-8601, inclusive")] = None,
    created_to: Annotated[datetime | None, Query(description="ISO-8601, exclusive")] = None,
    q: Annotated[Line | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before_id: Cursor = None,
) -> InteractionPage:
    """R-AN-7: the conversations that appear for the caller (R-A-2 statistics), newest first.

    ``q`` searches the contact's name, e-mail and phone, and the message bodies of the
    conversations whose history the caller may read. Page with ``before_id``.
    """
    search = conv.Search(
        channel=None if channel is None else channel.value,
        agent_id=agent_id,
        queue_id=queue_id,
        tag_id=tag_id,
        status=status,
        contact_id=contact_id,
        created_from=created_from,
        created_to=created_to,
        q=q,
    )
    rows, cursor = await conv.list_conversations(
        session, subject=subject, search=search, limit=limit, before_id=before_id
    )
    tags = await conv.tags_of(session, [r.id for r in rows])
    return InteractionPage(
        items=[InteractionRead.model_validate(interaction_dict(r, tags[r.id])) for r in rows],
        next_before_id=cursor,
    )


@router.get("/{iid}")
async def read_interaction(
    iid: int, principal: CurrentUser, session: SessionDep, subject: SubjectDep
) -> InteractionDetail:
    """One interaction with its tags; with its evaluations' summary for history readers."""
    row, _ = await _readable(session, principal, subject, iid)
    body = interaction_dict(row, await actions.tag_ids(session, iid=row.id))
    history = await conv.sees(session, subject=subject, iid=row.id, area=Area.HISTORY)
    body["evaluations"] = await evals.summary(session, iid=row.id) if history else None
    return InteractionDetail.model_validate(body)


@router.post("/{iid}/end")
async def end_interaction(
    iid: int, principal: CurrentUser, session: SessionDep, subject: SubjectDep, state: StateDep
) -> InteractionRead:
    """End it: the agent handling it, a supervisor, or (unanswered) the contact side."""
    row, watch = await _readable(session, principal, subject, iid)
    if row.agent_id is None:  # unanswered: the contact side leaves
        if not (watch.covers(row) or row.created_by_id == principal.user_id):
            raise Forbidden("only the contact side may do this", code="not_contact_side")
    elif row.agent_id != principal.user_id and not watch.covers(row):
        raise Forbidden("only the agent handling this interaction may end it", code="not_yours")
    await actions.do_end(
        session, _live(state), org_id=principal.org_id, actor_id=principal.user_id, iid=iid
    )
    return await _fresh(session, iid)


@router.get("/{iid}/messages")
async def list_messages(
    iid: int, principal: CurrentUser, session: SessionDep, subject: SubjectDep
) -> list[MessageRead]:
    """The transcript, oldest first (R-A-2 history, R-A-4, operational and watcher rights)."""
    row, _ = await _readable(session, principal, subject, iid)
    messages = await actions.list_messages(session, iid=row.id)
    return [MessageRead.model_validate(actions.message_dict(m)) for m in messages]


@router.post("/{iid}/messages", status_code=201)
async def post_message(
    iid: int,
    body: MessageCreate,
    principal: CurrentUser,
    session: SessionDep,
    subject: SubjectDep,
    state: StateDep,
) -> MessageRead:
    """Post on a chat or messaging transcript (agent side, or the contact side for now).

    On the agent side, whoever may join the conversation (R-A-2 join, R-A-4) may also write
    in it while an agent handles it.
    """
    if body.sender == "agent":
        row = await _agent_side(session, principal, subject, iid)
    else:
        row = await _contact_side(session, principal, subject, iid)
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
    return MessageRead.model_validate(actions.message_dict(msg))


@router.post("/{iid}/transfer")
async def transfer(
    iid: int,
    body: TransferCreate,
    principal: CurrentUser,
    session: SessionDep,
    subject: SubjectDep,
    state: StateDep,
) -> InteractionRead:
    """R-W-5: cold or warm to an agent's personal queue, or to a queue or a skill."""
    row = await _worker_row(session, principal, subject, iid)
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
    iid: int, principal: CurrentUser, session: SessionDep, subject: SubjectDep, state: StateDep
) -> InteractionRead:
    """R-W-6: put a messaging conversation on hold; its slot is freed."""
    row = await _worker_row(session, principal, subject, iid)
    await agents_live.do_pause(session, _live(state), row=row, actor_id=principal.user_id)
    return await _fresh(session, iid)


@router.post("/{iid}/keys")
async def press_key(
    iid: int,
    body: KeyPress,
    principal: CurrentUser,
    session: SessionDep,
    subject: SubjectDep,
    state: StateDep,
) -> InteractionRead:
    """R-Q-6: `#` accepts the offered callback; R-Q-5: `*` leaves the queue node."""
    row = await _contact_side(session, principal, subject, iid)
    await actions.do_key(session, _live(state), row=row, key=body.key, actor_id=principal.user_id)
    return await _fresh(session, iid)


async def _fresh(session: SessionDep, iid: int) -> InteractionRead:
    row = await session.get(Interaction, iid, populate_existing=True)
    assert row is not None
    return InteractionRead.model_validate(
        interaction_dict(row, await actions.tag_ids(session, iid=iid))
    )


@router.put("/{iid}/tags")
async def set_tags(
    iid: int,
    body: TagsSet,
    principal: CurrentUser,
    session: SessionDep,
    subject: SubjectDep,
    state: StateDep,
) -> InteractionRead:
    """R-W-2: replace the interaction's tags."""
    row = await _worker_row(session, principal, subject, iid)
    updated = await wrap_up.do_set_tags(session, _live(state), row=row, tag_ids=body.tag_ids)
    return InteractionRead.model_validate(updated)


@router.patch("/{iid}/wrap-up")
async def set_wrap_up(
    iid: int,
    body: WrapUpUpdate,
    principal: CurrentUser,
    session: SessionDep,
    subject: SubjectDep,
    state: StateDep,
) -> InteractionRead:
    """R-W-3: disposition and notes; notes until the end of wrap-up, then supervisors only."""
    row = await _worker_row(session, principal, subject, iid)
    updated = await wrap_up.do_set_wrap_up(
        session,
        _live(state),
        row=row,
        changes=body.model_dump(exclude_unset=True),
        user_id=principal.user_id,
        watcher=(await _watch(session, principal)).covers(row),
    )
    return InteractionRead.model_validate(updated)


@router.post("/{iid}/evaluations", status_code=201)
async def evaluate(
    iid: int,
    body: EvaluationCreate,
    principal: CurrentUser,
    session: SessionDep,
    subject: SubjectDep,
) -> EvaluationRead:
    """R-A-2 evaluate, R-A-5: rate an ended conversation (needs its history too)."""
    row = await evals.do_evaluate(
        session,
        subject=subject,
        watch=await _watch(session, principal),
        iid=iid,
        score=body.score,
        criteria=body.criteria,
        comment=body.comment,
    )
    return EvaluationRead.model_validate(evals.evaluation_dict(row))


@router.get("/{iid}/evaluations")
async def list_evaluations(
    iid: int, principal: CurrentUser, session: SessionDep, subject: SubjectDep
) -> list[EvaluationRead]:
    """A conversation's evaluations, oldest first, for those who may read its history."""
    rows = await evals.list_evaluations(
        session, subject=subject, watch=await _watch(session, principal), iid=iid
    )
    return [EvaluationRead.model_validate(evals.evaluation_dict(r)) for r in rows]
