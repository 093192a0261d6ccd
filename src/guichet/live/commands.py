"""Hand one engine event to the organization's loop from an action; refusals become errors."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from guichet.live.errors import raise_refusal
from guichet.live.registry import LiveRegistry
from guichet.routing import Decision, Event


async def submit_checked(
    session: AsyncSession,
    live: LiveRegistry,
    *,
    org_id: int,
    event: Event,
    actor_id: int | None,
) -> list[Decision]:
    """Commit the request's reads, submit ``event``, raise the API error of a refusal.

    The request's transaction ends first: on SQLite it holds the single write lock, which the
    loop needs to write the decisions.
    """
    await session.commit()
    router = await live.router(org_id)
    decisions = await router.submit(event, actor_id=actor_id)
    raise_refusal(decisions)
    return decisions
