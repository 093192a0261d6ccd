"""Targeting rules (R-TR-1): an ordered list per organization, with exactly one default rule.

Rules are checked by the engine's own validator (`guichet.routing.targeting.validate_rule`)
against the organization's skills and queues before anything is written. Positions are dense
(0..n-1); the default rule has none, always applies last, can be edited but neither deleted nor
disabled, and is created on first use as "route to nothing" (the engine's default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.text import clean_name
from guichet.errors import Conflict, FieldProblem, Invalid, conflict, invalid
from guichet.live.routing_rules import condition_to_engine, ordered_rules
from guichet.persistence.models import Queue, QueueMember, Skill, TargetingRuleRow
from guichet.queries.lookups import get_in_org, name_key, storable_id
from guichet.routing.targeting import TargetAction, TargetingRule, validate_rule

RULE = "R-TR-1"
MAX_NAME = 100
MAX_RULES = 500
DEFAULT_NAME = "Default"


async def ensure_default(session: AsyncSession, *, org_id: int) -> TargetingRuleRow:
    """The organization's default rule, created as "route to nothing" when missing (R-TR-1)."""
    stmt = select(TargetingRuleRow).where(
        TargetingRuleRow.org_id == org_id, TargetingRuleRow.is_default.is_(True)
    )
    found = await session.scalar(stmt)
    if found is not None:
        return found
    taken = set(
        await session.scalars(
            select(TargetingRuleRow.name_key).where(TargetingRuleRow.org_id == org_id)
        )
    )
    name, n = DEFAULT_NAME, 1
    while name_key(name) in taken:
        n += 1
        name = f"{DEFAULT_NAME} {n}"
    row = TargetingRuleRow(
        org_id=org_id, name=name, name_key=name_key(name), position=None, is_default=True
    )
    row.enabled, row.conditions = True, []
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:  # another request created it first
        await session.rollback()
        found = await session.scalar(stmt)
        if found is None:
            raise
        return found
    return row


async def list_rules(session: AsyncSession, *, org_id: int) -> list[TargetingRuleRow]:
    """The rules in evaluation order, the default last (R-TR-1)."""
    await ensure_default(session, org_id=org_id)
    rules, default = await ordered_rules(session, org_id=org_id)
    return [*rules, *([default] if default is not None else [])]


async def get_rule(session: AsyncSession, *, org_id: int, rule_id: int) -> TargetingRuleRow:
    """One rule of the organization (404 otherwise)."""
    return await get_in_org(session, TargetingRuleRow, rule_id, org_id)


async def _known_ids(
    session: AsyncSession, *, org_id: int, action: Mapping[str, Any], supervisor_id: int | None
) -> tuple[set[str], set[str]]:
    """The action's skill and queue ids that exist in the organization (and in scope, R-P-2)."""
    skills: set[str] = set()
    queues: set[str] = set()
    skill_id, queue_id = action.get("skill_id"), action.get("queue_id")
    if isinstance(skill_id, int) and storable_id(skill_id):
        found = select(Skill.id).where(Skill.id == skill_id, Skill.org_id == org_id)
        if await session.scalar(found) is not None:
            skills.add(str(skill_id))
    if isinstance(queue_id, int) and storable_id(queue_id):
        stmt = select(Queue.id).where(Queue.id == queue_id, Queue.org_id == org_id)
        if supervisor_id is not None:
            stmt = stmt.join(QueueMember, QueueMember.queue_id == Queue.id).where(
                QueueMember.user_id == supervisor_id, QueueMember.role == "supervisor"
            )
        if await session.scalar(stmt.limit(1)) is not None:
            queues.add(str(queue_id))
    return skills, queues


def _engine_rule(state: Mapping[str, Any]) -> TargetingRule:
    action = state["action"]
    return TargetingRule(
        id=str(state.get("id") or "new"),
        name=state["name"],
        conditions=tuple(condition_to_engine(c) for c in state["conditions"]),
        action=TargetAction(
            skill_id=None if action.get("skill_id") is None else str(action["skill_id"]),
            queue_id=None if action.get("queue_id") is None else str(action["queue_id"]),
            priority=action.get("priority"),
        ),
        enabled=state["enabled"],
    )


async def check_rule(
    session: AsyncSession,
    *,
    org_id: int,
    state: dict[str, Any],
    rule_id: int | None = None,
    is_default: bool = False,
    supervisor_id: int | None = None,
) -> dict[str, Any]:
    """Validate a rule's full state with the engine's validator; every problem at once (R-TR-1).

    The default rule may route nowhere but has no conditions and stays enabled.
    """
    state["name"] = clean_name(state["name"], field="name", rule=RULE, max_length=MAX_NAME)
    state["conditions"] = [
        {"field": c["field"], "operator": c["operator"], "value": c.get("value", "")}
        for c in state["conditions"]
    ]
    if is_default and state["conditions"]:
        raise invalid("conditions", "the default rule applies when no rule matches", RULE)
    if is_default and not state["enabled"]:
        raise invalid("enabled", "the default rule cannot be disabled", RULE)
    skills, queues = await _known_ids(
        session, org_id=org_id, action=state["action"], supervisor_id=supervisor_id
    )
    found = validate_rule(
        _engine_rule({**state, "id": rule_id}), known_skill_ids=skills, known_queue_ids=queues
    )
    problems = [
        FieldProblem(p.field, p.message, p.rule_id)
        for p in found
        if not (is_default and p.field == "/action")
    ]
    if problems:
        raise Invalid(
            f"the targeting rule cannot be saved: {problems[0].message}", problems=problems
        )
    others = select(TargetingRuleRow.id).where(
        TargetingRuleRow.org_id == org_id, TargetingRuleRow.name_key == name_key(state["name"])
    )
    if rule_id is not None:
        others = others.where(TargetingRuleRow.id != rule_id)
    if await session.scalar(others.limit(1)) is not None:
        raise conflict("name", f"a targeting rule named {state['name']!r} exists", RULE)
    return state


async def save_order(session: AsyncSession, rows: Sequence[TargetingRuleRow]) -> None:
    """Give `rows` positions 0..n-1 in this order and commit (R-TR-1).

    Only rules whose place changes are written, in two steps (to negatives, then to their
    place) so the unique position per organization never clashes midway; a concurrent
    reorder answers 409.
    """
    moved = [(index, row) for index, row in enumerate(rows) if row.position != index]
    try:
        for index, row in moved:
            row.position = -(index + 1)
        await session.flush()
        for index, row in moved:
            row.position = index
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict(
            "a rule with this name or place exists; reload and try again",
            field="name",
            rule=RULE,
            code="duplicate",
        ) from exc


def _place(position: Any, count: int) -> int:
    if position is None:
        return count
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= count:
        raise invalid("position", f"a place from 0 to {count}", RULE)
    return position


def _state(values: Mapping[str, Any], row: TargetingRuleRow | None = None) -> dict[str, Any]:
    """The rule's full state: the stored one (if any) with `values` on top."""
    state: dict[str, Any] = {"name": "", "enabled": True, "conditions": [], "action": {}}
    if row is not None:
        state = {
            "name": row.name,
            "enabled": row.enabled,
            "conditions": list(row.conditions),
            "action": {
                "skill_id": row.skill_id,
                "queue_id": row.queue_id,
                "priority": row.priority,
            },
        }
    state.update({k: v for k, v in values.items() if k in state})
    return state


def _write(row: TargetingRuleRow, state: Mapping[str, Any]) -> None:
    action = state["action"]
    row.name, row.name_key = state["name"], name_key(state["name"])
    row.enabled, row.conditions = state["enabled"], list(state["conditions"])
    row.skill_id, row.queue_id = action.get("skill_id"), action.get("queue_id")
    row.priority = action.get("priority")


async def do_create_rule(
    session: AsyncSession,
    *,
    org_id: int,
    values: Mapping[str, Any],
    supervisor_id: int | None = None,
) -> TargetingRuleRow:
    """Add a rule at `position` (0-based; default: last before the default rule) (R-TR-1)."""
    await ensure_default(session, org_id=org_id)
    rules, _ = await ordered_rules(session, org_id=org_id)
    if len(rules) >= MAX_RULES:
        raise conflict("position", f"an organization has at most {MAX_RULES} rules", RULE)
    place = _place(values.get("position"), len(rules))
    state = await check_rule(
        session, org_id=org_id, state=_state(values), supervisor_id=supervisor_id
    )
    row = TargetingRuleRow(org_id=org_id, is_default=False, position=-(len(rules) + 1))
    _write(row, state)
    session.add(row)
    await save_order(session, [*rules[:place], row, *rules[place:]])
    return row


async def do_update_rule(
    session: AsyncSession,
    *,
    row: TargetingRuleRow,
    changes: Mapping[str, Any],
    supervisor_id: int | None = None,
) -> TargetingRuleRow:
    """Change the fields sent (PATCH); `position` moves the rule in the list (R-TR-1)."""
    if row.is_default and "position" in changes:
        raise invalid("position", "the default rule always applies last", RULE)
    state = await check_rule(
        session,
        org_id=row.org_id,
        state=_state(changes, row),
        rule_id=row.id,
        is_default=row.is_default,
        supervisor_id=supervisor_id,
    )
    rules: list[TargetingRuleRow] = []
    if "position" in changes:
        rules, _ = await ordered_rules(session, org_id=row.org_id)
        rules.remove(row)
        rules.insert(_place(changes["position"], len(rules)), row)
    _write(row, state)
    await save_order(session, rules)
    return row


async def do_delete_rule(session: AsyncSession, *, row: TargetingRuleRow) -> None:
    """Delete a rule and close the gap; the default rule stays (409, R-TR-1)."""
    if row.is_default:
        raise Conflict(
            "the default rule cannot be deleted; edit its action instead",
            rule=RULE,
            code="default_rule",
        )
    await session.delete(row)
    await session.flush()
    rules, _ = await ordered_rules(session, org_id=row.org_id)
    await save_order(session, rules)


async def do_reorder(session: AsyncSession, *, org_id: int, ids: Sequence[int]) -> None:
    """Set the whole order at once: every rule's id exactly once (R-TR-1).

    The default rule's id may close the list; it always applies last.
    """
    default = await ensure_default(session, org_id=org_id)
    rules, _ = await ordered_rules(session, org_id=org_id)
    wanted = list(ids[:-1]) if ids and ids[-1] == default.id else list(ids)
    if default.id in wanted:
        raise invalid("ids", "the default rule always applies last", RULE)
    if len(set(wanted)) != len(wanted):
        raise invalid("ids", "each rule must appear once", RULE)
    by_id = {row.id: row for row in rules}
    if set(wanted) != set(by_id):
        raise invalid("ids", "list every rule of the organization exactly once", RULE)
    await save_order(session, [by_id[i] for i in wanted])
