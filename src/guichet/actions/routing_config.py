"""Checks and the dry run over the routing rules (R-TR-1, R-Q-5).

`check_routing_references` lets the queue and skill actions refuse to delete what a rule or
flow still routes to; `dry_run_targeting` says which rule the engine would pick. The rows become
engine objects in `live/routing_rules.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.errors import Conflict
from guichet.live.routing_rules import engine_targeting, flow_queue_ids, ordered_rules
from guichet.persistence.models import FlowRow, Organization, TargetingRuleRow
from guichet.routing.targeting import (
    TargetingResult,
    evaluate_rules,
)


def _names(rows: Iterable[Any]) -> str:
    return ", ".join(repr(name) for name in sorted(rows)[:3])


async def check_routing_references(
    session: AsyncSession, *, org_id: int, queue_id: int | None = None, skill_id: int | None = None
) -> None:
    """Refuse (409) to delete a queue or skill that a targeting rule or flow still names.

    For the queue and skill delete actions: removing the reference first keeps routing
    configuration free of dangling ids (R-TR-1, R-Q-5).
    """
    rules = select(TargetingRuleRow.name).where(TargetingRuleRow.org_id == org_id)
    if queue_id is not None:
        users = (await session.scalars(rules.where(TargetingRuleRow.queue_id == queue_id))).all()
        if users:
            raise Conflict(
                f"targeting rules route to this queue: {_names(users)}",
                rule="R-TR-1",
                code="in_use",
            )
        graphs = await session.execute(
            select(FlowRow.name, FlowRow.graph).where(FlowRow.org_id == org_id)
        )
        flows = [name for name, graph in graphs if str(queue_id) in flow_queue_ids(graph)]
        if flows:
            raise Conflict(
                f"flows send calls to this queue: {_names(flows)}", rule="R-Q-5", code="in_use"
            )
    if skill_id is not None:
        users = (await session.scalars(rules.where(TargetingRuleRow.skill_id == skill_id))).all()
        if users:
            raise Conflict(
                f"targeting rules route to this skill: {_names(users)}",
                rule="R-TR-1",
                code="in_use",
            )


async def dry_run_targeting(
    session: AsyncSession,
    *,
    org_id: int,
    context: Mapping[str, Any],
    channel: str,
    at: datetime,
) -> tuple[TargetingResult, int | None]:
    """Which rule the engine would pick for `context` at `at` (R-TR-1, R-X-3).

    Time conditions read `at` in the organization's time zone. Returns the engine's result and
    the id of the rule that decided (the default rule's id when it applied, if stored).
    """
    tz_name = await session.scalar(select(Organization.timezone).where(Organization.id == org_id))
    try:
        zone = ZoneInfo(tz_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    rules, default = await ordered_rules(session, org_id=org_id)
    engine_rules, default_action = engine_targeting(rules, default)
    result = evaluate_rules(
        engine_rules, default_action, context, channel=channel, now_local=at.astimezone(zone)
    )
    if result.is_default:
        return result, None if default is None else default.id
    return result, None if result.rule_id is None else int(result.rule_id)
