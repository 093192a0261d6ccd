"""Properties of flows (R-Q-5): validated graphs never lose a call; storage round-trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from guichet.flows import (
    ERROR_REASONS,
    Arrived,
    BusinessHoursNode,
    CallbackAnswered,
    CallbackNode,
    CallerLeftQueue,
    ChatbotAnswered,
    ChatbotNode,
    EntryNode,
    Flow,
    HangUp,
    HangupNode,
    KeyPressed,
    MenuNode,
    MessageNode,
    NoInput,
    Question,
    QueueNode,
    QueueTimedOut,
    VoicemailNode,
    VoicemailTaken,
    WeeklySchedule,
    flow_from_dict,
    flow_to_dict,
    outputs,
    step,
    validate_flow,
)

KINDS = ("menu", "message", "hours", "queue", "voicemail", "callback", "chatbot", "hangup")
SCHEDULE = WeeklySchedule("Europe/Paris", {"mon": (("09:00", "17:00"),)}, frozenset())


@st.composite
def flows(draw: st.DrawFn) -> Flow:
    """Random graphs, half of them fully wired, pruned to what the entry reaches (so that
    many pass validation and the walker is exercised on them)."""
    count = draw(st.integers(min_value=1, max_value=10))
    ids = [f"n{i}" for i in range(1, count + 1)]
    wired = st.sampled_from(ids)
    broken = draw(st.booleans())
    target = st.one_of(wired, wired, st.just(None), st.just("x")) if broken else wired

    def t() -> str | None:
        return draw(target)

    nodes: dict[str, Any] = {"n0": EntryNode(id="n0", address="+331", next=t())}
    for node_id in ids:
        kind = draw(st.sampled_from(KINDS))
        if kind == "menu":
            keys = draw(st.lists(st.sampled_from("123*#"), min_size=1, max_size=3, unique=True))
            node: Any = MenuNode(
                id=node_id, choices={k: t() for k in keys}, invalid=t(), no_input=t()
            )
        elif kind == "message":
            node = MessageNode(id=node_id, text="hi", next=t())
        elif kind == "hours":
            node = BusinessHoursNode(id=node_id, schedule=SCHEDULE, open=t(), closed=t())
        elif kind == "queue":
            node = QueueNode(id=node_id, queue_id="q", on_timeout=t(), on_exit=t())
        elif kind == "voicemail":
            node = VoicemailNode(id=node_id, next=t())
        elif kind == "callback":
            node = CallbackNode(id=node_id, queue_id="q", accepted=t(), declined=t())
        elif kind == "chatbot":
            node = ChatbotNode(id=node_id, questions=(Question("topic", "?"),), next=t())
        else:
            node = HangupNode(id=node_id)
        nodes[node_id] = node
    if draw(st.booleans()):
        seen, stack = {"n0"}, ["n0"]
        while stack:
            for _, nxt in outputs(nodes[stack.pop()]):
                if nxt in nodes and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        nodes = {k: v for k, v in nodes.items() if k in seen}
    return Flow("f", "f", nodes)


inputs = st.lists(
    st.sampled_from(
        [
            KeyPressed("1"),
            KeyPressed("2"),
            KeyPressed("*"),
            KeyPressed("#"),
            NoInput(),
            QueueTimedOut(),
            CallerLeftQueue(),
            VoicemailTaken(),
            CallbackAnswered(True),
            CallbackAnswered(False),
            ChatbotAnswered({"topic": "x"}),
        ]
    ),
    max_size=25,
)
times = st.integers(min_value=0, max_value=7 * 24 * 60).map(
    lambda m: datetime(2026, 11, 23, tzinfo=UTC) + timedelta(minutes=m)
)


@settings(max_examples=300, deadline=None)
@given(flows(), inputs, times)
def test_r_q_5_validated_flow_never_reaches_a_dangling_edge(
    flow: Flow, events: list[Any], now: datetime
) -> None:
    """R-Q-5 (property): a graph that passes validation never makes the walker fail; a
    walker failure always comes with a validation problem."""
    valid = validate_flow(flow) == []
    event("valid" if valid else "invalid")
    result = step(flow, None, Arrived(), now=now)
    failures = [a for a in result.actions if isinstance(a, HangUp) and a.reason in ERROR_REASONS]
    for item in events:
        if result.node_id is None:
            break
        assert result.node_id in flow.nodes
        result = step(flow, result.node_id, item, now=now)
        failures += [
            a for a in result.actions if isinstance(a, HangUp) and a.reason in ERROR_REASONS
        ]
    if valid:
        assert failures == []
    if failures:
        assert not valid


@given(flows())
def test_r_q_5_storage_round_trip(flow: Flow) -> None:
    """R-Q-5 (property): flow -> dict -> flow is the identity, valid or not."""
    assert flow_from_dict(flow_to_dict(flow)) == flow
