"""Routes of routing configuration: targeting rules (R-TR-1) and flows (R-Q-5).

Reading needs the queue-settings view permission, changing needs queue-settings management
(R-P-2). A supervisor limited to assigned queues may only route to the queues they supervise.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions import flows_config as flows
from guichet.actions import targeting_rules as rules
from guichet.actions.queue_rules import limited_supervisor
from guichet.actions.routing_config import dry_run_targeting
from guichet.api.deps import Principal, Require, SessionDep, WriterSessionDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.routing_config import (
    ActionRead,
    ConditionRead,
    FlowCheck,
    FlowCreate,
    FlowRead,
    FlowUpdate,
    FlowValidation,
    GraphProblem,
    RuleOrder,
    TargetingRuleCreate,
    TargetingRuleRead,
    TargetingRuleUpdate,
    TargetingTest,
    TargetingTestResult,
)
from guichet.authz import Permission
from guichet.persistence.models import utcnow

router = APIRouter(tags=["routing configuration"], responses=CLIENT_ERRORS)

Viewer = Annotated[Principal, Require(Permission.QUEUES_VIEW)]
Manager = Annotated[Principal, Require(Permission.QUEUES_MANAGE)]
RULES = "/targeting-rules"
FLOWS = "/flows"


def _scope(principal: Principal) -> int | None:
    """R-P-2: the supervisor whose queues bound the queues a change may name, if any."""
    user = principal.user
    return limited_supervisor(roles=user.roles, perms=principal.permissions, user_id=user.id)


async def _rule_list(principal: Principal, session: AsyncSession) -> list[TargetingRuleRead]:
    rows = await rules.list_rules(session, org_id=principal.org_id)
    return [TargetingRuleRead.of(row) for row in rows]


@router.get(RULES, response_model=list[TargetingRuleRead])
async def list_rules(principal: Viewer, session: WriterSessionDep) -> list[TargetingRuleRead]:
    """The rules in evaluation order, the default rule last (R-TR-1; created on first read)."""
    return await _rule_list(principal, session)


@router.post(RULES, response_model=TargetingRuleRead, status_code=status.HTTP_201_CREATED)
async def create_rule(
    body: TargetingRuleCreate, principal: Manager, session: SessionDep
) -> TargetingRuleRead:
    """Add a rule, last before the default unless `position` says where (R-TR-1)."""
    row = await rules.do_create_rule(
        session,
        org_id=principal.org_id,
        values=body.model_dump(mode="json"),
        supervisor_id=_scope(principal),
    )
    return TargetingRuleRead.of(row)


@router.post(f"{RULES}/order", response_model=list[TargetingRuleRead])
async def order_rules(
    body: RuleOrder, principal: Manager, session: SessionDep
) -> list[TargetingRuleRead]:
    """Reorder every rule at once; answers the new list (R-TR-1)."""
    await rules.do_reorder(session, org_id=principal.org_id, ids=body.ids)
    return await _rule_list(principal, session)


@router.post(f"{RULES}/test", response_model=TargetingTestResult)
async def test_rules(
    body: TargetingTest, principal: Viewer, session: SessionDep
) -> TargetingTestResult:
    """Dry run: the rule that would route this contact, and why (R-TR-1, R-X-3)."""
    context = body.context.model_dump(exclude_none=True)
    result, rule_id = await dry_run_targeting(
        session,
        org_id=principal.org_id,
        context=context,
        channel=body.channel.value,
        at=body.at or utcnow(),
    )
    action = result.action
    return TargetingTestResult(
        rule_id=rule_id,
        rule_name=result.rule_name,
        is_default=result.is_default,
        action=None
        if action is None
        else ActionRead(
            skill_id=None if action.skill_id is None else int(action.skill_id),
            queue_id=None if action.queue_id is None else int(action.queue_id),
            priority=action.priority,
        ),
        matched=[
            ConditionRead(
                field=c.field,
                operator=c.operator,
                value=c.value if isinstance(c.value, str) else list(c.value),
            )
            for c in result.matched
        ],
        rules_checked=result.rules_checked,
        explanation=result.explain(),
    )


@router.get(RULES + "/{rule_id}", response_model=TargetingRuleRead)
async def read_rule(rule_id: int, principal: Viewer, session: SessionDep) -> TargetingRuleRead:
    """One rule."""
    return TargetingRuleRead.of(
        await rules.get_rule(session, org_id=principal.org_id, rule_id=rule_id)
    )


@router.patch(RULES + "/{rule_id}", response_model=TargetingRuleRead)
async def update_rule(
    rule_id: int, body: TargetingRuleUpdate, principal: Manager, session: SessionDep
) -> TargetingRuleRead:
    """Change the fields sent; the default rule keeps no conditions and stays on (R-TR-1)."""
    row = await rules.get_rule(session, org_id=principal.org_id, rule_id=rule_id)
    changes = body.model_dump(mode="json", exclude_unset=True)
    row = await rules.do_update_rule(
        session, row=row, changes=changes, supervisor_id=_scope(principal)
    )
    return TargetingRuleRead.of(row)


@router.delete(RULES + "/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(rule_id: int, principal: Manager, session: SessionDep) -> None:
    """Delete a rule; the default rule cannot be deleted (409, R-TR-1)."""
    row = await rules.get_rule(session, org_id=principal.org_id, rule_id=rule_id)
    await rules.do_delete_rule(session, row=row)


@router.get(FLOWS, response_model=list[FlowRead])
async def list_flows(principal: Viewer, session: SessionDep) -> list[FlowRead]:
    """The organization's flows by name (R-Q-5)."""
    rows = await flows.list_flows(session, org_id=principal.org_id)
    return [FlowRead.model_validate(row) for row in rows]


@router.post(FLOWS, response_model=FlowRead, status_code=status.HTTP_201_CREATED)
async def create_flow(body: FlowCreate, principal: Manager, session: SessionDep) -> FlowRead:
    """Save a flow; a graph the engine refuses answers 422 with every problem (R-Q-5)."""
    row = await flows.do_create_flow(
        session,
        org_id=principal.org_id,
        values=body.model_dump(mode="json"),
        supervisor_id=_scope(principal),
    )
    return FlowRead.model_validate(row)


@router.post(f"{FLOWS}/validate", response_model=FlowValidation)
async def validate_flow(body: FlowCheck, principal: Viewer, session: SessionDep) -> FlowValidation:
    """Dry run: every problem of a graph, nothing saved (R-Q-5)."""
    known = await flows.queue_ids_in_scope(
        session, org_id=principal.org_id, supervisor_id=_scope(principal)
    )
    problems = flows.graph_problems(body.graph, known)
    errors = [
        GraphProblem(field=p.field, message=p.message, rule=p.rule, code=p.code) for p in problems
    ]
    return FlowValidation(valid=not problems, errors=errors)


@router.get(FLOWS + "/{flow_id}", response_model=FlowRead)
async def read_flow(flow_id: int, principal: Viewer, session: SessionDep) -> FlowRead:
    """One flow with its graph."""
    return FlowRead.model_validate(
        await flows.get_flow(session, org_id=principal.org_id, flow_id=flow_id)
    )


@router.patch(FLOWS + "/{flow_id}", response_model=FlowRead)
async def update_flow(
    flow_id: int, body: FlowUpdate, principal: Manager, session: SessionDep
) -> FlowRead:
    """Change the fields sent; a new graph is validated like on creation (R-Q-5)."""
    row = await flows.get_flow(session, org_id=principal.org_id, flow_id=flow_id)
    row = await flows.do_update_flow(
        session,
        row=row,
        changes=body.model_dump(mode="json", exclude_unset=True),
        supervisor_id=_scope(principal),
    )
    return FlowRead.model_validate(row)


@router.delete(FLOWS + "/{flow_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_flow(flow_id: int, principal: Manager, session: SessionDep) -> None:
    """Delete a flow."""
    row = await flows.get_flow(session, org_id=principal.org_id, flow_id=flow_id)
    await flows.do_delete_flow(session, row=row)
