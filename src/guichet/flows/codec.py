"""Flows to and from plain JSON-ready dicts, for storage and the editor (R-Q-5).

The format (docs/flows.md) lists nodes in order, each with its `kind`; edges are the node's
fields holding target ids. Input is allowlisted: unknown keys and wrong types raise
`FlowFormatError` with a path, so nothing unexpected reaches the graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from .hours import WeeklySchedule
from .model import (
    BusinessHoursNode,
    CallbackNode,
    ChatbotNode,
    EntryNode,
    EntryType,
    Flow,
    HangupNode,
    MenuNode,
    MessageNode,
    Node,
    NodeKind,
    Question,
    QueueNode,
    VoicemailNode,
)

RULE_ID = "R-Q-5"
T = TypeVar("T")
_COMMON = ("id", "kind", "label", "position")
_TEXT = {"label", "address", "prompt", "text", "greeting", "mailbox", "message", "queue_id"}
_EDGES = {"next", "invalid", "no_input", "open", "closed", "on_timeout", "on_exit"}
_EDGES |= {"accepted", "declined"}
_NUMBERS = {"input_timeout_s", "wait_timeout_s"}
_CLASSES: dict[NodeKind, type[Node]] = {
    NodeKind.ENTRY: EntryNode,
    NodeKind.MENU: MenuNode,
    NodeKind.MESSAGE: MessageNode,
    NodeKind.BUSINESS_HOURS: BusinessHoursNode,
    NodeKind.QUEUE: QueueNode,
    NodeKind.VOICEMAIL: VoicemailNode,
    NodeKind.CALLBACK: CallbackNode,
    NodeKind.CHATBOT: ChatbotNode,
    NodeKind.HANGUP: HangupNode,
}


class FlowFormatError(ValueError):
    """Stored or submitted flow data that is not a flow: wrong shape, key or type (R-Q-5)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
        self.code = "bad_format"
        self.rule_id = RULE_ID


def flow_to_dict(flow: Flow) -> dict[str, Any]:
    """The flow as a JSON-ready dict (R-Q-5)."""
    return {
        "id": flow.id,
        "name": flow.name,
        "nodes": [node_to_dict(n) for n in flow.nodes.values()],
    }


def node_to_dict(node: Node) -> dict[str, Any]:
    """One node as a JSON-ready dict, with its `kind`."""
    out: dict[str, Any] = {"id": node.id, "kind": node.kind.value}
    for name in type(node).__dataclass_fields__:
        if name in ("id", "kind"):
            continue
        value = getattr(node, name)
        if name == "position":
            value = list(value) if value is not None else None
        elif name == "entry_type":
            value = value.value
        elif name == "choices":
            value = dict(value)
        elif name == "schedule":
            value = _schedule_to_dict(value)
        elif name == "questions":
            value = [_question_to_dict(q) for q in value]
        out[name] = value
    return out


def _schedule_to_dict(s: WeeklySchedule) -> dict[str, Any]:
    days = {day: [list(pair) for pair in spans] for day, spans in s.days.items()}
    return {
        "time_zone": s.time_zone,
        "days": days,
        "holidays": sorted(d.isoformat() for d in s.holidays),
    }


def _question_to_dict(q: Question) -> dict[str, Any]:
    return {"key": q.key, "prompt": q.prompt, "choices": list(q.choices), "required": q.required}


def flow_from_dict(data: Mapping[str, Any]) -> Flow:
    """A flow from its dict form; raises `FlowFormatError` on malformed input (R-Q-5)."""
    _only(data, {"id", "name", "nodes"}, "")
    nodes_data = data.get("nodes")
    if not isinstance(nodes_data, list):
        raise FlowFormatError("/nodes", "nodes must be a list")
    nodes: dict[str, Node] = {}
    for index, raw in enumerate(nodes_data):
        node = node_from_dict(raw, f"/nodes/{index}")
        if node.id in nodes:
            raise FlowFormatError(f"/nodes/{index}/id", f"duplicate node id {node.id!r}")
        nodes[node.id] = node
    return Flow(_text(data, "id", ""), _text(data, "name", ""), nodes)


def node_from_dict(raw: Any, path: str) -> Node:
    """One node from its dict form; `path` prefixes error paths."""
    if not isinstance(raw, Mapping):
        raise FlowFormatError(path, "node must be an object")
    try:
        kind = NodeKind(str(raw.get("kind")))
    except ValueError:
        raise FlowFormatError(f"{path}/kind", f"unknown node kind {raw.get('kind')!r}") from None
    cls = _CLASSES[kind]
    names = set(cls.__dataclass_fields__) - {"kind"}
    _only(raw, names | {"kind"}, path)
    if not isinstance(raw.get("id"), str) or not raw["id"]:
        raise FlowFormatError(f"{path}/id", "node id must be a non-empty string")
    kwargs: dict[str, Any] = {}
    for name in names & set(raw):
        kwargs[name] = _field(name, raw[name], f"{path}/{name}")
    return cls(**kwargs)


def _field(name: str, value: Any, path: str) -> Any:
    if name == "id" or name in _TEXT:
        return _expect(value, str, path)
    if name in _EDGES:
        return None if value is None else _expect(value, str, path)
    if name in _NUMBERS:
        return _number(value, path)
    if name == "position":
        if value is None:
            return None
        if not (isinstance(value, list) and len(value) == 2):
            raise FlowFormatError(path, "position is [x, y]")
        return (_number(value[0], path), _number(value[1], path))
    if name == "entry_type":
        try:
            return EntryType(value)
        except ValueError:
            raise FlowFormatError(path, f"unknown entry type {value!r}") from None
    if name == "choices":
        choices = _expect(value, dict, path)
        for key, target in choices.items():
            if target is not None:
                _expect(target, str, f"{path}/{key}")
        return dict(choices)
    if name == "schedule":
        return _schedule(value, path)
    return tuple(_question(q, f"{path}/{i}") for i, q in enumerate(_expect(value, list, path)))


def _schedule(value: Any, path: str) -> WeeklySchedule:
    data = _expect(value, dict, path)
    _only(data, {"time_zone", "days", "holidays"}, path)
    days: dict[str, tuple[tuple[str, str], ...]] = {}
    for day, spans in _expect(data.get("days", {}), dict, f"{path}/days").items():
        pairs = []
        for i, pair in enumerate(_expect(spans, list, f"{path}/days/{day}")):
            where = f"{path}/days/{day}/{i}"
            if not (isinstance(pair, list) and len(pair) == 2):
                raise FlowFormatError(where, "interval is [start, end]")
            pairs.append((_expect(pair[0], str, where), _expect(pair[1], str, where)))
        days[day] = tuple(pairs)
    holidays = set()
    for i, text in enumerate(_expect(data.get("holidays", []), list, f"{path}/holidays")):
        try:
            holidays.add(date.fromisoformat(_expect(text, str, f"{path}/holidays/{i}")))
        except ValueError:
            raise FlowFormatError(f"{path}/holidays/{i}", "holiday is YYYY-MM-DD") from None
    tz = _expect(data.get("time_zone", "UTC"), str, f"{path}/time_zone")
    return WeeklySchedule(tz, days, frozenset(holidays))


def _question(value: Any, path: str) -> Question:
    data = _expect(value, dict, path)
    _only(data, {"key", "prompt", "choices", "required"}, path)
    choices = _expect(data.get("choices", []), list, f"{path}/choices")
    return Question(
        key=_expect(data.get("key"), str, f"{path}/key"),
        prompt=_expect(data.get("prompt", ""), str, f"{path}/prompt"),
        choices=tuple(_expect(c, str, f"{path}/choices") for c in choices),
        required=_expect(data.get("required", True), bool, f"{path}/required"),
    )


def _only(data: Any, allowed: set[str], path: str) -> None:
    if not isinstance(data, Mapping):
        raise FlowFormatError(path or "/", "expected an object")
    extra = sorted(set(data) - allowed)
    if extra:
        raise FlowFormatError(f"{path}/{extra[0]}", f"unknown key {extra[0]!r}")


def _text(data: Mapping[str, Any], key: str, default: str) -> str:
    return _expect(data.get(key, default), str, f"/{key}")


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FlowFormatError(path, "expected a number")
    return float(value)


def _expect(value: Any, kind: type[T], path: str) -> T:
    if not isinstance(value, kind):
        raise FlowFormatError(path, f"expected {kind.__name__}")
    return value
