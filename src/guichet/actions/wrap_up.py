"""R-W-2 tags, R-W-3 disposition and notes; the ``interaction`` event each change publishes.

Tags are written in the request's session. Disposition and notes are written inside the
organization's routing loop.

Going through the loop orders the change with the disposition timer (`live.dispositions`): a
disposition chosen before the deadline always cancels it, and an agent whose wrap-up the timer
just ended can no longer write. Notes are editable until the end of wrap-up; afterwards only
supervisors and administrators may still set the disposition (e.g. one the timer found missing).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.interactions import check_state
from guichet.actions.interactions import tag_ids as current_tags
from guichet.domain import states
from guichet.domain.events import LiveEvent
from guichet.domain.states import Op
from guichet.errors import Conflict, Forbidden
from guichet.live import LiveRegistry
from guichet.live.apply import interaction_audience
from guichet.live.deadlines import track
from guichet.live.presence_sync import Publication
from guichet.live.render import interaction_dict
from guichet.persistence.models import AgentPresence, Disposition, Interaction, InteractionTag, Tag
from guichet.queries.lookups import check_ids_in_org, get_in_org
from guichet.routing import Event, RoutingEngine


async def wrapping_agent(session: AsyncSession, *, org_id: int, iid: int) -> int | None:
    """The agent whose wrap-up is about this interaction, if any (R-Q-7)."""
    found: int | None = await session.scalar(
        select(AgentPresence.user_id).where(
            AgentPresence.org_id == org_id,
            AgentPresence.wrap_interaction_id == iid,
            AgentPresence.wrap_up_until.is_not(None),
        )
    )
    return found


async def _may_write(session: AsyncSession, row: Interaction, user_id: int) -> bool:
    """R-W-3: the agent handling it, or wrapping it up, may write; nobody else among agents."""
    if row.agent_id == user_id and row.status in states.HELD:
        return True
    return await wrapping_agent(session, org_id=row.org_id, iid=row.id) == user_id


async def do_set_wrap_up(
    session: AsyncSession,
    live: LiveRegistry,
    *,
    row: Interaction,
    changes: dict[str, Any],
    user_id: int,
    watcher: bool,
) -> dict[str, Any]:
    """R-W-3: set the disposition and/or notes (only the fields sent); 409 once notes are
    closed. Answers the interaction, as published after the loop committed."""
    org_id, iid = row.org_id, row.id
    disposition_id = changes.get("disposition_id")
    if disposition_id is not None:
        d = await get_in_org(session, Disposition, disposition_id, org_id)
        if not d.active:
            raise Conflict("this disposition is inactive", field="disposition_id", rule="R-W-3")
    await session.commit()
    router = await live.router(org_id)

    async def prepare(s: AsyncSession, _e: RoutingEngine) -> tuple[Event | None, Any]:
        fresh = await s.get(Interaction, iid, populate_existing=True)
        assert fresh is not None
        if not watcher and not await _may_write(s, fresh, user_id):
            raise Forbidden(
                "the wrap-up of this interaction is over", rule="R-W-3", code="not_yours"
            )
        field = "disposition_id" if "disposition_id" in changes else "notes"
        check_state(fresh, Op.WRAP_UP, field=field)
        if changes.get("notes") is not None and fresh.closed:
            raise Conflict(
                "notes are read-only once the wrap-up is over", field="notes", rule="R-W-3"
            )
        if "disposition_id" in changes:
            fresh.disposition_id = disposition_id
        if changes.get("notes") is not None:
            fresh.notes = changes["notes"]
        # A disposition stops the timer; clearing it during the wrap-up lets it run again.
        track(
            router.dispositions,
            {
                "id": iid,
                "disposition_id": fresh.disposition_id,
                "disposition_due_at": fresh.disposition_due_at,
            },
        )
        return None, None

    await router.run(prepare, actor_id=user_id)
    fresh = await session.get(Interaction, iid, populate_existing=True)
    assert fresh is not None
    return await publish_interaction(session, live, fresh)


async def do_set_tags(
    session: AsyncSession, live: LiveRegistry, *, row: Interaction, tag_ids: list[int]
) -> dict[str, Any]:
    """R-W-2: replace the interaction's tags (422 naming ``tag_ids`` for another organization's
    tag, 409 when its state refuses tags); answers the interaction, as published."""
    check_state(row, Op.TAGS, field="tag_ids")
    ids = await check_ids_in_org(session, Tag, org_id=row.org_id, ids=tag_ids, field="tag_ids")
    await session.execute(delete(InteractionTag).where(InteractionTag.interaction_id == row.id))
    for tid in ids:
        session.add(InteractionTag(interaction_id=row.id, tag_id=tid))
    await session.commit()
    return await publish_interaction(session, live, row)


async def publish_interaction(
    session: AsyncSession, live: LiveRegistry, row: Interaction
) -> dict[str, Any]:
    """Commit, then send the ``interaction`` event about ``row`` to its audience (its agent,
    its queue's and its conversation's watchers, the agent wrapping it up); returns the body."""
    body = interaction_dict(row, await current_tags(session, iid=row.id))
    await session.commit()
    router = await live.router(row.org_id)
    users = await interaction_audience(session, router.loaded.audience, row)
    wrapping = await wrapping_agent(session, org_id=row.org_id, iid=row.id)
    for person in (row.agent_id, wrapping):
        if person is not None:
            users.add(person)
    router.publish([Publication({"type": LiveEvent.INTERACTION, "interaction": body}, users)])
    return body
