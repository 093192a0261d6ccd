"""Flows (dial plans) as configuration: stored graphs refused on save when invalid (R-Q-5).

The graph goes through `guichet.flows.flow_from_dict` (format) and `validate_flow` (rules,
with the organization's queue ids) before anything is written; every problem is reported at
once with its path from the request body (`/graph/nodes/<node id>/<edge>`). The stored graph is
the normalised `flow_to_dict` output whose `id` is the row id and `name` the flow's name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from guichet.actions.common import commit_or_conflict
from guichet.actions.live_refs import check_flow_free
from guichet.actions.text import clean_name
from guichet.errors import FieldProblem, Invalid, conflict, invalid
from guichet.flows import Flow, FlowFormatError, flow_from_dict, flow_to_dict, validate_flow
from guichet.persistence.models import FlowRow, Queue, QueueMember
from guichet.queries.lookups import get_in_org, name_key

RULE = "R-Q-5"
MAX_NAME = 100
MAX_DESCRIPTION = 2000
MAX_NODES = 500
MAX_GRAPH_BYTES = 256 * 1024
GRAPH = "/graph"


async def queue_ids_in_scope(
    session: AsyncSession, *, org_id: int, supervisor_id: int | None = None
) -> set[str]:
    """Engine ids of the queues a flow may name: the organization's (supervised ones, R-P-2)."""
    stmt = select(Queue.id).where(Queue.org_id == org_id)
    if supervisor_id is not None:
        stmt = stmt.join(QueueMember, QueueMember.queue_id == Queue.id).where(
            QueueMember.user_id == supervisor_id, QueueMember.role == "supervisor"
        )
    return {str(i) for i in await session.scalars(stmt)}


def graph_problems(graph: Mapping[str, Any], known_queue_ids: set[str]) -> list[FieldProblem]:
    """Every reason `graph` cannot be saved, paths from the body root (R-Q-5, R-W-7)."""
    try:
        size = len(json.dumps(graph, separators=(",", ":")))
    except (TypeError, ValueError):
        return [FieldProblem(GRAPH, "the graph is not JSON", RULE, "bad_format")]
    if size > MAX_GRAPH_BYTES:
        return [FieldProblem(GRAPH, f"at most {MAX_GRAPH_BYTES} bytes", RULE, "too_large")]
    nodes = graph.get("nodes")
    if isinstance(nodes, list) and len(nodes) > MAX_NODES:
        return [FieldProblem(f"{GRAPH}/nodes", f"at most {MAX_NODES} nodes", RULE, "too_large")]
    try:
        flow = flow_from_dict(graph)
    except FlowFormatError as exc:
        return [FieldProblem(GRAPH + exc.path.rstrip("/"), exc.message, exc.rule_id, exc.code)]
    return [
        FieldProblem(GRAPH + p.path, p.message, p.rule_id, p.code)
        for p in validate_flow(flow, known_queue_ids=known_queue_ids)
    ]


async def check_graph(
    session: AsyncSession,
    *,
    org_id: int,
    graph: Mapping[str, Any],
    supervisor_id: int | None = None,
) -> Flow:
    """The graph as a valid `Flow`, or 422 listing every problem in `errors[]` (R-Q-5)."""
    known = await queue_ids_in_scope(session, org_id=org_id, supervisor_id=supervisor_id)
    problems = graph_problems(graph, known)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise Invalid(
            f"the flow cannot be saved ({count}): {problems[0].message}",
            problems=problems,
            code="invalid_flow",
        )
    return flow_from_dict(graph)


def _stored_graph(flow: Flow, row: FlowRow) -> dict[str, Any]:
    return flow_to_dict(Flow(str(row.id), row.name, flow.nodes))


async def list_flows(session: AsyncSession, *, org_id: int) -> Sequence[FlowRow]:
    """The organization's flows by name."""
    stmt = select(FlowRow).where(FlowRow.org_id == org_id)
    return (await session.scalars(stmt.order_by(FlowRow.name_key, FlowRow.id))).all()


async def get_flow(session: AsyncSession, *, org_id: int, flow_id: int) -> FlowRow:
    """One flow of the organization (404 otherwise)."""
    return await get_in_org(session, FlowRow, flow_id, org_id)


async def _check_fields(
    session: AsyncSession, *, org_id: int, values: Mapping[str, Any], flow_id: int | None
) -> dict[str, Any]:
    out = dict(values)
    if "name" in out:
        out["name"] = clean_name(out["name"], field="name", rule=RULE, max_length=MAX_NAME)
        others = select(FlowRow.id).where(
            FlowRow.org_id == org_id, FlowRow.name_key == name_key(out["name"])
        )
        if flow_id is not None:
            others = others.where(FlowRow.id != flow_id)
        if await session.scalar(others.limit(1)) is not None:
            raise conflict("name", f"a flow named {out['name']!r} exists", RULE)
    if len(out.get("description") or "") > MAX_DESCRIPTION:
        raise invalid("description", f"at most {MAX_DESCRIPTION} characters", RULE)
    return out


async def do_create_flow(
    session: AsyncSession,
    *,
    org_id: int,
    values: Mapping[str, Any],
    supervisor_id: int | None = None,
) -> FlowRow:
    """Save a new flow once its graph passes the engine's validation (R-Q-5)."""
    state = await _check_fields(session, org_id=org_id, values=values, flow_id=None)
    flow = await check_graph(
        session, org_id=org_id, graph=state["graph"], supervisor_id=supervisor_id
    )
    row = FlowRow(
        org_id=org_id,
        name=state["name"],
        name_key=name_key(state["name"]),
        description=state.get("description") or "",
        enabled=state.get("enabled", True),
        graph={},
    )
    session.add(row)
    await session.flush()
    row.graph = _stored_graph(flow, row)
    await commit_or_conflict(session, field="name", message="name already used", rule=RULE)
    return row


async def do_update_flow(
    session: AsyncSession,
    *,
    row: FlowRow,
    changes: Mapping[str, Any],
    supervisor_id: int | None = None,
) -> FlowRow:
    """Change the fields sent (PATCH); a new graph is validated like on creation (R-Q-5).

    `version`, when sent, must be the stored one (409 otherwise: someone saved meanwhile).
    """
    expected = changes.get("version")
    if expected is not None and expected != row.version:
        raise conflict(
            "version", f"the flow is at version {row.version}; reload it", RULE, "stale_version"
        )
    state = await _check_fields(session, org_id=row.org_id, values=changes, flow_id=row.id)
    # The stored graph is checked again too: a queue it names may have gone since.
    flow = await check_graph(
        session,
        org_id=row.org_id,
        graph=state.get("graph") or row.graph,
        supervisor_id=supervisor_id,
    )
    if "name" in state:
        row.name, row.name_key = state["name"], name_key(state["name"])
    if state.get("description") is not None:
        row.description = state["description"]
    if state.get("enabled") is not None:
        row.enabled = state["enabled"]
    row.graph = _stored_graph(flow, row)
    row.version += 1
    try:
        await commit_or_conflict(session, field="name", message="name already used", rule=RULE)
    except StaleDataError as exc:
        await session.rollback()
        raise conflict(
            "version", "the flow changed meanwhile; reload it", RULE, "stale_version"
        ) from exc
    return row


async def do_delete_flow(session: AsyncSession, *, row: FlowRow) -> None:
    """Delete a flow; refused (409) while live interactions entered it (R-Q-5)."""
    await check_flow_free(session, org_id=row.org_id, flow_id=row.id)
    await session.delete(row)
    await session.commit()
