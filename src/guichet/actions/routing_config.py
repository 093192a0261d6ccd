"""Routing configuration as the engine sees it: targeting rules (R-TR-1) and flows (R-Q-5).

`load_targeting` and `load_flows` turn the organization's rows into `guichet.routing` and
`guichet.flows` types, with engine ids that are `str(db id)`. The write side lives in
`actions/targeting_rules.py` and `actions/flows_config.py`; `check_routing_references` lets the
queue and skill actions refuse to delete what a rule or flow still routes to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.errors import Conflict
from guichet.flows import Flow, FlowFormatError, flow_from_dict
from guichet.persistence.models import FlowRow, Organization, TargetingRuleRow
from guichet.routing.targeting import (
    Condition,
    TargetAction,
    TargetingResult,
    TargetingRule,
    evaluate_rules,
)

log = logging.getLogger(__name__)

#: Flow node kinds whose `queue_id` names a queue (R-Q-5, R-Q-6).
QUEUE_NODE_KINDS = frozenset({"queue", "callback"})


def condition_to_engine(raw: Mapping[str, Any]) -> Condition:
    """A stored condition as the engine's `Condition` (lists become tuples) (R-TR-1)."""
    value = raw.get("value", "")
    return Condition(
        str(raw.get("field", "")),
        str(raw.get("operator", "")),
        tuple(str(v) for v in value) if isinstance(value, list) else str(value),
    )


def action_of(row: TargetingRuleRow) -> TargetAction:
    """The rule's action with engine ids (R-TR-1)."""
    return TargetAction(
        skill_id=None if row.skill_id is None else str(row.skill_id),
        queue_id=None if row.queue_id is None else str(row.queue_id),
        priority=row.priority,
    )


def rule_to_engine(row: TargetingRuleRow) -> TargetingRule:
    """A stored rule as the engine's `TargetingRule` (R-TR-1)."""
    return TargetingRule(
        id=str(row.id),
        name=row.name,
        conditions=tuple(condition_to_engine(c) for c in row.conditions),
        action=action_of(row),
        enabled=row.enabled,
    )


async def ordered_rules(
    session: AsyncSession, *, org_id: int
) -> tuple[list[TargetingRuleRow], TargetingRuleRow | None]:
    """The organization's ordered rules (default excluded) and its default rule, if any."""
    rows = (
        await session.scalars(
            select(TargetingRuleRow)
            .where(TargetingRuleRow.org_id == org_id)
            .order_by(TargetingRuleRow.position, TargetingRuleRow.id)
        )
    ).all()
    default = next((r for r in rows if r.is_default), None)
    return [r for r in rows if not r.is_default], default


def engine_targeting(
    rules: Sequence[TargetingRuleRow], default: TargetingRuleRow | None
) -> tuple[tuple[TargetingRule, ...], TargetAction]:
    """Rows to the engine's rules and default action; no default row routes nowhere."""
    action = TargetAction() if default is None else action_of(default)
    return tuple(rule_to_engine(r) for r in rules), action


async def load_targeting(
    session: AsyncSession, *, org_id: int
) -> tuple[tuple[TargetingRule, ...], TargetAction]:
    """The organization's targeting rules in order and its default action (R-TR-1).

    Disabled rules are included (the engine skips them and counts only enabled ones). Without
    a stored default the default action routes nowhere, like the engine's own default.
    """
    rules, default = await ordered_rules(session, org_id=org_id)
    return engine_targeting(rules, default)


def flow_to_engine(row: FlowRow) -> Flow:
    """A stored flow as a `guichet.flows.Flow` whose id is `str(row.id)` (R-Q-5)."""
    flow = flow_from_dict(row.graph)
    return Flow(str(row.id), row.name, flow.nodes)


async def load_flows(session: AsyncSession, *, org_id: int) -> dict[str, Flow]:
    """The organization's enabled flows by `str(flow id)` (R-Q-5).

    Every stored graph passed validation on save; one that no longer parses is logged and left
    out rather than stopping the organization's routing.
    """
    rows = await session.scalars(
        select(FlowRow)
        .where(FlowRow.org_id == org_id, FlowRow.enabled.is_(True))
        .order_by(FlowRow.id)
    )
    flows: dict[str, Flow] = {}
    for row in rows:
        try:
            flows[str(row.id)] = flow_to_engine(row)
        except FlowFormatError as exc:
            log.error("flow %s of organization %s is unreadable: %s", row.id, org_id, exc)
    return flows


def flow_queue_ids(graph: Mapping[str, Any]) -> set[str]:
    """Queue ids a stored flow graph names in its queue and callback nodes (R-Q-5)."""
    nodes = graph.get("nodes")
    found: set[str] = set()
    for node in nodes if isinstance(nodes, list) else ():
        if isinstance(node, Mapping) and node.get("kind") in QUEUE_NODE_KINDS:
            found.add(str(node.get("queue_id", "")))
    return found


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
