"""Flow validation on save (R-Q-5): no dangling edge, "so calls cannot get lost".

Each problem has a JSON-pointer-like path (`/nodes/<node id>/<edge or field>`), a message, a
stable code and the rule id. Rules, in docs/flows.md: exactly one entry; every output wired to
an existing node; nothing points back at the entry; every node reachable from the entry (a
queue node that is not is an orphan); valid menu keys, timeouts, schedules, questions; and no
cycle made only of nodes that never wait (entry, message, business hours), which would spin.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator
from typing import NamedTuple

from .hours import schedule_problems
from .model import (
    MENU_KEYS,
    BusinessHoursNode,
    CallbackNode,
    ChatbotNode,
    EntryNode,
    EntryType,
    Flow,
    MenuNode,
    MessageNode,
    Node,
    QueueNode,
    outputs,
)

RULE_ID = "R-Q-5"
#: Longest wait a queue node may set: one day.
MAX_WAIT_S = 86_400.0
# re.ASCII: a digit is 0-9, never another script's digit (issue 12 finding 7).
_PHONE = re.compile(r"^\+?\d[\d .\-()]{1,24}$", re.ASCII)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTEXT_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,63}$")


class FlowProblem(NamedTuple):
    """One reason a flow cannot be saved."""

    path: str
    message: str
    code: str
    rule_id: str = RULE_ID


def validate_flow(
    flow: Flow, *, known_queue_ids: Collection[str] | None = None
) -> list[FlowProblem]:
    """Every problem that keeps `flow` from being saved; empty when valid (R-Q-5, R-W-7)."""
    problems: list[FlowProblem] = []
    entries = [node for node in flow.nodes.values() if isinstance(node, EntryNode)]
    if not entries:
        problems.append(FlowProblem("/nodes", "the flow has no entry node", "no_entry"))
    for extra in entries[1:]:
        problems.append(
            FlowProblem(
                f"/nodes/{extra.id}", "a flow has exactly one entry node", "several_entries"
            )
        )
    for key, node in flow.nodes.items():
        base = f"/nodes/{key}"
        if key != node.id:
            problems.append(
                FlowProblem(f"{base}/id", "node id differs from its key", "id_mismatch")
            )
        problems.extend(_edge_problems(flow, node, base))
        problems.extend(_node_problems(node, base, known_queue_ids))
    if len(entries) == 1:
        problems.extend(_reach_problems(flow, entries[0]))
    problems.extend(_spin_problems(flow))
    return problems


def _edge_problems(flow: Flow, node: Node, base: str) -> Iterator[FlowProblem]:
    for port, target in outputs(node):
        path = f"{base}/{port}"
        if target is None or target == "":
            yield FlowProblem(path, "this output leads nowhere; connect it", "dangling_edge")
        elif target not in flow.nodes:
            yield FlowProblem(path, f"points at missing node {target!r}", "unknown_target")
        elif isinstance(flow.nodes[target], EntryNode):
            yield FlowProblem(path, "an edge cannot lead back to the entry", "edge_to_entry")


def _node_problems(
    node: Node, base: str, known_queue_ids: Collection[str] | None
) -> Iterator[FlowProblem]:
    if isinstance(node, EntryNode):
        ok = {
            EntryType.PHONE: _PHONE.match(node.address) is not None,
            EntryType.EMAIL: _EMAIL.match(node.address) is not None,
            EntryType.WIDGET: bool(node.address.strip()),
        }[node.entry_type]
        if not ok:
            yield FlowProblem(
                f"{base}/address", f"not a valid {node.entry_type} address", "bad_entry"
            )
    elif isinstance(node, MenuNode):
        if not node.choices:
            yield FlowProblem(f"{base}/choices", "a menu needs one choice at least", "empty_menu")
        for key in node.choices:
            if key not in MENU_KEYS:
                yield FlowProblem(
                    f"{base}/choices/{key}", "menu keys are 0-9, * or #", "bad_menu_key"
                )
        if not _positive(node.input_timeout_s, 300.0):
            yield FlowProblem(f"{base}/input_timeout_s", "must be > 0 and <= 300", "bad_timeout")
    elif isinstance(node, QueueNode | CallbackNode):
        yield from _queue_ref(node.queue_id, f"{base}/queue_id", known_queue_ids)
        if isinstance(node, QueueNode) and not _positive(node.wait_timeout_s, MAX_WAIT_S):
            yield FlowProblem(
                f"{base}/wait_timeout_s", "wait timeout must be > 0 s and <= 1 day", "bad_timeout"
            )
    elif isinstance(node, BusinessHoursNode):
        for where, message in schedule_problems(node.schedule):
            yield FlowProblem(f"{base}/schedule/{where}", message, "bad_schedule")
    elif isinstance(node, ChatbotNode):
        yield from _chatbot_problems(node, base)
    elif isinstance(node, MessageNode) and not node.text.strip():
        yield FlowProblem(f"{base}/text", "the message is empty", "empty_text")


def _queue_ref(queue_id: str, path: str, known: Collection[str] | None) -> Iterator[FlowProblem]:
    if not queue_id:
        yield FlowProblem(path, "choose a queue", "missing_queue")
    elif known is not None and queue_id not in known:
        yield FlowProblem(path, f"unknown queue {queue_id!r}", "unknown_queue")


def _chatbot_problems(node: ChatbotNode, base: str) -> Iterator[FlowProblem]:
    if not node.questions:
        yield FlowProblem(
            f"{base}/questions", "ask one question at least", "empty_chatbot", "R-W-7"
        )
    seen: set[str] = set()
    for index, question in enumerate(node.questions):
        path = f"{base}/questions/{index}/key"
        if not _CONTEXT_KEY.match(question.key):
            yield FlowProblem(
                path, "key is a letter then letters, digits, _ or .", "bad_key", "R-W-7"
            )
        elif question.key in seen:
            yield FlowProblem(path, f"key {question.key!r} asked twice", "duplicate_key", "R-W-7")
        seen.add(question.key)


def _positive(value: float, limit: float) -> bool:
    return math.isfinite(value) and 0 < value <= limit


def _reach_problems(flow: Flow, entry: EntryNode) -> Iterator[FlowProblem]:
    seen = {entry.id}
    stack = [entry.id]
    while stack:
        for _, target in outputs(flow.nodes[stack.pop()]):
            if target is not None and target in flow.nodes and target not in seen:
                seen.add(target)
                stack.append(target)
    for key, node in flow.nodes.items():
        if key in seen:
            continue
        if isinstance(node, QueueNode):
            yield FlowProblem(f"/nodes/{key}", "no path leads to this queue node", "orphan_queue")
        else:
            yield FlowProblem(f"/nodes/{key}", "no path from the entry reaches it", "unreachable")


def _spin_problems(flow: Flow) -> Iterator[FlowProblem]:
    """Cycles through nodes that never wait for input would loop without end."""
    order = [
        k
        for k, n in flow.nodes.items()
        if isinstance(n, EntryNode | MessageNode | BusinessHoursNode)
    ]
    passing = set(order)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    reported: set[str] = set()
    for start in order:
        if start in state:
            continue
        stack: list[tuple[str, Iterator[tuple[str, str | None]]]] = [
            (start, iter(outputs(flow.nodes[start])))
        ]
        state[start] = 1
        while stack:
            key, edges = stack[-1]
            for _, target in edges:
                if target not in passing:
                    continue
                if state.get(target) == 1 and target not in reported:
                    reported.add(target)
                    yield FlowProblem(
                        f"/nodes/{target}",
                        "these nodes loop without waiting for the caller; add a menu or a queue",
                        "endless_loop",
                    )
                elif target not in state:
                    state[target] = 1
                    stack.append((target, iter(outputs(flow.nodes[target]))))
                    break
            else:
                state[key] = 2
                stack.pop()
