"""Routes of the queues resource: call and chat queues and their members (R-Q-1..R-Q-8, R-P-2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from guichet.actions import queues as actions
from guichet.actions.queue_rules import limited_supervisor
from guichet.api.deps import Principal, Require, SessionDep
from guichet.api.schemas.queues import (
    MembersRead,
    MembersWrite,
    NextExtension,
    QueueCreate,
    QueueRead,
    QueueUpdate,
)
from guichet.authz import Permission
from guichet.domain import QueueKind

router = APIRouter(prefix="/queues", tags=["queues"])

Viewer = Annotated[Principal, Require(Permission.QUEUES_VIEW)]
Manager = Annotated[Principal, Require(Permission.QUEUES_MANAGE)]


def _scope(principal: Principal) -> int | None:
    """R-P-2: the supervisor whose queues bound this caller's view, if the switch applies."""
    user = principal.user
    return limited_supervisor(roles=user.roles, perms=principal.permissions, user_id=user.id)


@router.get("", response_model=list[QueueRead])
async def list_queues(
    principal: Viewer, session: SessionDep, kind: QueueKind | None = None
) -> list[QueueRead]:
    """The queues the caller may see, by name; ``kind`` keeps call or chat queues only."""
    rows = await actions.list_queues(
        session, org_id=principal.org_id, supervisor_id=_scope(principal), kind=kind
    )
    return [QueueRead.model_validate(row) for row in rows]


@router.post("", response_model=QueueRead, status_code=status.HTTP_201_CREATED)
async def create_queue(body: QueueCreate, principal: Manager, session: SessionDep) -> QueueRead:
    """Create a queue; a call queue left without extension gets the proposed one (R-Q-1)."""
    queue = await actions.do_create_queue(
        session,
        org_id=principal.org_id,
        values=body.model_dump(mode="json", exclude_unset=True),
        supervisor_id=_scope(principal),
    )
    return QueueRead.model_validate(queue)


@router.get("/next-extension", response_model=NextExtension)
async def next_extension(principal: Manager, session: SessionDep) -> NextExtension:
    """The extension a new call queue would get (R-Q-1)."""
    return NextExtension(extension=await actions.next_extension(session, org_id=principal.org_id))


@router.get("/{queue_id}", response_model=QueueRead)
async def read_queue(queue_id: int, principal: Viewer, session: SessionDep) -> QueueRead:
    """One queue with its settings."""
    queue = await actions.get_queue(
        session, org_id=principal.org_id, queue_id=queue_id, supervisor_id=_scope(principal)
    )
    return QueueRead.model_validate(queue)


@router.patch("/{queue_id}", response_model=QueueRead)
async def update_queue(
    queue_id: int, body: QueueUpdate, principal: Manager, session: SessionDep
) -> QueueRead:
    """Change the settings sent; the others keep their value."""
    queue = await actions.get_queue(
        session, org_id=principal.org_id, queue_id=queue_id, supervisor_id=_scope(principal)
    )
    changes = body.model_dump(mode="json", exclude_unset=True)
    return QueueRead.model_validate(
        await actions.do_update_queue(session, queue=queue, changes=changes)
    )


@router.delete("/{queue_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_queue(queue_id: int, principal: Manager, session: SessionDep) -> None:
    """Delete a queue and its memberships."""
    queue = await actions.get_queue(
        session, org_id=principal.org_id, queue_id=queue_id, supervisor_id=_scope(principal)
    )
    await actions.do_delete_queue(session, queue=queue)


@router.get("/{queue_id}/members", response_model=MembersRead)
async def read_members(queue_id: int, principal: Viewer, session: SessionDep) -> MembersRead:
    """The queue's agents (top-down order) and supervisors (R-Q-2, R-Q-4)."""
    queue = await actions.get_queue(
        session, org_id=principal.org_id, queue_id=queue_id, supervisor_id=_scope(principal)
    )
    return MembersRead(**await actions.queue_members(session, queue_id=queue.id))


@router.put("/{queue_id}/members", response_model=MembersRead)
async def write_members(
    queue_id: int, body: MembersWrite, principal: Manager, session: SessionDep
) -> MembersRead:
    """Replace the queue's agents (in top-down order) and supervisors (R-Q-2, R-Q-4)."""
    queue = await actions.get_queue(
        session, org_id=principal.org_id, queue_id=queue_id, supervisor_id=_scope(principal)
    )
    members = await actions.do_set_queue_members(
        session, queue=queue, agents=body.agents, supervisors=body.supervisors
    )
    return MembersRead(**members)
