"""The routing rules as the engine sees them: targeting rules (R-TR-1) and flows (R-Q-5).

`load_targeting` and `load_flows` turn the organization's rows into `guichet.routing` and
`guichet.flows` types, with engine ids that are `str(db id)`; `live/config_loader.py` feeds them
to each organization's engine, and the targeting dry run evaluates them. The write side lives in
`actions/targeting_rules.py` and `actions/flows_config.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.flows import Flow, FlowFormatError, flow_from_dict
from guichet.persistence.models import FlowRow, TargetingRuleRow
from guichet.routing.targeting import Condition, TargetAction, TargetingRule

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
