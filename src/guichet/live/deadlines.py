"""Deadlines the routing loop keeps beside the engine's timers: R-W-3 disposition timers.

The loop holds the running timers as interaction id -> deadline. It learns them from what it
publishes (`track`: every interaction event carries `disposition_due_at`), from recovery
(`dispositions.pending`), and fires the due ones after each step (`expire_due`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from guichet.domain.times import parse_iso
from guichet.live.apply import Batch, apply_batch
from guichet.live.config_loader import Audience
from guichet.live.dispositions import expire
from guichet.live.presence_sync import Publication
from guichet.routing import RoutingEngine


def track(dues: dict[int, float], published: Mapping[str, Any]) -> None:
    """Follow a published interaction: a running timer is kept, any other one is dropped."""
    iid = published["id"]
    due = published.get("disposition_due_at")
    if due is not None and published.get("disposition_id") is None:
        # Published times are ISO 8601 text (domain/times.py), to the millisecond: the timer
        # may fire under a millisecond early, which `dispositions.expire` tolerates.
        dues[iid] = float(due) if isinstance(due, int | float) else parse_iso(due)
    else:
        dues.pop(iid, None)


def earliest(engine_deadline: float | None, dues: Mapping[int, float]) -> float | None:
    """The earlier of the engine's next timer and the first disposition deadline."""
    if not dues:
        return engine_deadline
    due = min(dues.values())
    return due if engine_deadline is None else min(engine_deadline, due)


async def expire_due(
    session: AsyncSession,
    engine: RoutingEngine,
    *,
    org_id: int,
    audience: Audience,
    dues: dict[int, float],
    now: float,
) -> list[Publication]:
    """R-W-3: fire the deadlines passed at ``now``; commits; returns what to publish.

    A deadline met by a disposition is dropped; otherwise the agent's wrap-up of it ends, the
    interaction is closed and `interaction.disposition_missing` is logged (`dispositions`).
    """
    due = sorted(i for i, t in dues.items() if t <= now)
    if not due:
        return []
    pubs: list[Publication] = []
    for iid in due:
        del dues[iid]
        found = await expire(session, engine, org_id=org_id, iid=iid, now=now)
        if found is None:
            continue
        decisions, agents = found
        batch = Batch(None, decisions, now, interactions={str(iid)}, agents=agents)
        pubs.extend(
            await apply_batch(session, engine, org_id=org_id, audience=audience, batch=batch)
        )
    await session.commit()
    return pubs
