"""Routes of the queues resource: call and chat queues and their members (R-Q-1..R-Q-8).

A queue is a channel in the access-rights model. Both permission systems reach it and the most
permissive wins: the contact-center permissions ``queues.view`` / ``queues.manage`` (with the
R-P-2 "limit to assigned queues" switch for supervisors) and the access-rights scopes channels
view, channels edit and connect channels (R-A-2). A queue the caller may not see answers 404;
one they see but may not change answers 403 to a change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from guichet.actions import queues as actions
from guichet.actions.queue_rules import limited_supervisor
from guichet.api.deps import CurrentUser, Principal, SessionDep, SubjectDep
from guichet.api.routes.responses import CLIENT_ERRORS
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

router = APIRouter(prefix="/queues", tags=["queues"], responses=CLIENT_ERRORS)


def _scope(principal: Principal) -> int | None:
    """R-P-2: the supervisor whose queues bound this caller's view, if the switch applies."""
    user = principal.user
    return limited_supervisor(roles=user.roles, perms=principal.permissions, user_id=user.id)


async def queue_reach(principal: CurrentUser, subject: SubjectDep) -> actions.QueueReach:
    """The caller's reach over queues: contact-center permissions and access rights (R-A-2)."""
    return actions.QueueReach(
        subject=subject,
        may_view=principal.can(Permission.QUEUES_VIEW),
        may_manage=principal.can(Permission.QUEUES_MANAGE),
        limited_to=_scope(principal),
    )


async def viewer(reach: Annotated[actions.QueueReach, Depends(queue_reach)]) -> actions.QueueReach:
    """The caller's reach, after a 403 for callers who may see no queue at all."""
    reach.require_view()
    return reach


async def creator(reach: Annotated[actions.QueueReach, Depends(queue_reach)]) -> actions.QueueReach:
    """The caller's reach, after a 403 for callers who may not create queues (R-A-2, R-P-2)."""
    reach.require_create()
    return reach


#: Checked before the request body, so a caller without any right gets 403 first.
Reach = Annotated[actions.QueueReach, Depends(viewer)]
Creator = Annotated[actions.QueueReach, Depends(creator)]


@router.get("", response_model=list[QueueRead])
async def list_queues(
    reach: Reach, session: SessionDep, kind: QueueKind | None = None
) -> list[QueueRead]:
    """The queues the caller may see, by name; ``kind`` keeps call or chat queues only."""
    rows = await actions.list_queues(session, reach=reach, kind=kind)
    return [QueueRead.model_validate(row) for row in rows]


@router.post("", response_model=QueueRead, status_code=status.HTTP_201_CREATED)
async def create_queue(body: QueueCreate, reach: Creator, session: SessionDep) -> QueueRead:
    """Create (connect) a queue; a call queue left without extension gets the proposed one
    (R-Q-1). Needs ``queues.manage`` or the connect channels scope (R-A-2)."""
    queue = await actions.do_create_queue(
        session,
        org_id=reach.org_id,
        values=body.model_dump(mode="json", exclude_unset=True),
        supervisor_id=reach.creator_membership(),
    )
    return QueueRead.model_validate(queue)


@router.get("/next-extension", response_model=NextExtension)
async def next_extension(reach: Creator, session: SessionDep) -> NextExtension:
    """The extension a new call queue would get (R-Q-1); allowed to whoever may create one."""
    return NextExtension(extension=await actions.next_extension(session, org_id=reach.org_id))


@router.get("/{queue_id}", response_model=QueueRead)
async def read_queue(queue_id: int, reach: Reach, session: SessionDep) -> QueueRead:
    """One queue with its settings."""
    queue = await actions.get_queue(session, reach=reach, queue_id=queue_id)
    return QueueRead.model_validate(queue)


@router.patch("/{queue_id}", response_model=QueueRead)
async def update_queue(
    queue_id: int, body: QueueUpdate, reach: Reach, session: SessionDep
) -> QueueRead:
    """Change the settings sent; the others keep their value."""
    queue = await actions.get_queue(session, reach=reach, queue_id=queue_id, edit=True)
    changes = body.model_dump(mode="json", exclude_unset=True)
    return QueueRead.model_validate(
        await actions.do_update_queue(session, queue=queue, changes=changes)
    )


@router.delete("/{queue_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_queue(queue_id: int, reach: Reach, session: SessionDep) -> None:
    """Delete a queue and its memberships."""
    queue = await actions.get_queue(session, reach=reach, queue_id=queue_id, edit=True)
    await actions.do_delete_queue(session, queue=queue)


@router.get("/{queue_id}/members", response_model=MembersRead)
async def read_members(queue_id: int, reach: Reach, session: SessionDep) -> MembersRead:
    """The queue's agents (top-down order) and supervisors (R-Q-2, R-Q-4)."""
    queue = await actions.get_queue(session, reach=reach, queue_id=queue_id)
    return MembersRead(**await actions.queue_members(session, queue_id=queue.id))


@router.put("/{queue_id}/members", response_model=MembersRead)
async def write_members(
    queue_id: int, body: MembersWrite, reach: Reach, session: SessionDep
) -> MembersRead:
    """Replace the queue's agents (in top-down order) and supervisors (R-Q-2, R-Q-4)."""
    queue = await actions.get_queue(session, reach=reach, queue_id=queue_id, edit=True)
    members = await actions.do_set_queue_members(
        session, queue=queue, agents=body.agents, supervisors=body.supervisors
    )
    return MembersRead(**members)
