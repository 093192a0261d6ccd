"""The flow walker (R-Q-5, R-W-7): inputs in, next node and actions out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from guichet.flows import (
    Arrived,
    AskQuestions,
    CallbackAnswered,
    CallerLeftQueue,
    ChatbotAnswered,
    Enqueue,
    EntryNode,
    Flow,
    HangUp,
    KeyPressed,
    MessageNode,
    NoInput,
    OfferCallback,
    PlayMessage,
    PromptMenu,
    QueueTimedOut,
    TakeVoicemail,
    VoicemailTaken,
    flow_from_dict,
    step,
)

# Wednesday 25 Nov 2026: 10:00 in Paris is 09:00 UTC; 20:00 in Paris is closed.
OPEN = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LUNCH = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # 13:00 in Paris, between the intervals
CLOSED = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)
CHRISTMAS = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def flow(flow_dict: dict[str, Any]) -> Flow:
    return flow_from_dict(flow_dict)


def test_r_q_5_arrival_in_hours_plays_welcome_and_prompts_menu(flow: Flow) -> None:
    """R-Q-5: entry -> business hours (open) -> message -> menu, which waits for a key."""
    result = step(flow, None, Arrived(), now=OPEN)
    assert result.node_id == "menu"
    assert result.actions == (
        PlayMessage("Welcome."),
        PromptMenu("1 sales, 2 support", ("1", "2"), 5.0),
    )
    assert result.visited == ("in", "hours", "welcome", "menu")


@pytest.mark.parametrize("now", [LUNCH, CLOSED, CHRISTMAS])
def test_r_q_5_closed_hours_and_holidays_go_to_voicemail(flow: Flow, now: datetime) -> None:
    """R-Q-5: outside the schedule (in its time zone) or on a holiday, the closed edge."""
    result = step(flow, None, Arrived(), now=now)
    assert result.node_id == "vm"
    assert result.actions == (
        PlayMessage("We are closed."),
        TakeVoicemail("Leave a message.", "sales"),
    )
    done = step(flow, "vm", VoicemailTaken(), now=now)
    assert done.finished and done.actions == (HangUp("flow_end", "Goodbye."),)


@pytest.mark.parametrize(
    ("event", "node_id", "action"),
    [
        (KeyPressed("1"), "sales_q", Enqueue("sales", 120.0)),
        (NoInput(), "sales_q", Enqueue("sales", 120.0)),
        (KeyPressed("9"), "menu", PromptMenu("1 sales, 2 support", ("1", "2"), 5.0)),
        (KeyPressed("2"), "bot", AskQuestions),
    ],
)
def test_r_q_5_menu_branches_on_key_invalid_and_no_input(
    flow: Flow, event: Any, node_id: str, action: Any
) -> None:
    """R-Q-5: a key follows its choice; an unknown key the invalid edge; silence no-input."""
    result = step(flow, "menu", event, now=OPEN)
    assert result.node_id == node_id
    last = result.actions[-1]
    assert isinstance(last, action) if isinstance(action, type) else last == action


def test_r_q_5_queue_timeout_star_and_other_keys(flow: Flow) -> None:
    """R-Q-5: on timeout -> callback offer; `*` -> on-exit edge; other keys are ignored."""
    timed_out = step(flow, "sales_q", QueueTimedOut(), now=OPEN)
    assert (timed_out.node_id, timed_out.actions) == (
        "cb",
        (OfferCallback("sales", "Press # for a callback"),),
    )
    for leave in (KeyPressed("*"), CallerLeftQueue()):
        assert step(flow, "sales_q", leave, now=OPEN).node_id == "vm"
    ignored = step(flow, "sales_q", KeyPressed("5"), now=OPEN)
    assert (ignored.node_id, ignored.actions) == ("sales_q", ())


def test_r_q_5_callback_node_accept_with_hash_or_decline(flow: Flow) -> None:
    """R-Q-5, R-Q-6: `#` accepts the callback; declining goes back to the queue."""
    accepted = step(flow, "cb", KeyPressed("#"), now=OPEN)
    assert accepted.finished
    assert accepted.actions == (HangUp("flow_end", "We will call you back."),)
    assert step(flow, "cb", CallbackAnswered(accepted=True), now=OPEN).finished
    declined = step(flow, "cb", CallbackAnswered(accepted=False), now=OPEN)
    assert declined.actions == (Enqueue("sales", 120.0),)


def test_r_w_7_chatbot_fills_context_with_allowed_answers(flow: Flow) -> None:
    """R-W-7: answers fill context keys; answers outside the choices and unknown keys drop."""
    result = step(
        flow,
        "bot",
        ChatbotAnswered({"topic": "billing", "order_ref": " A-12 ", "evil": "x"}),
        now=OPEN,
    )
    assert result.context == {"topic": "billing", "order_ref": "A-12"}
    assert result.actions == (Enqueue("support", 300.0),)
    bad = step(flow, "bot", ChatbotAnswered({"topic": "weather"}), now=OPEN)
    assert bad.context == {}


def test_r_q_5_unexpected_inputs_leave_the_interaction_in_place(flow: Flow) -> None:
    """R-Q-5: an input a node does not expect changes nothing; before arrival, nothing."""
    assert step(flow, "vm", QueueTimedOut(), now=OPEN).node_id == "vm"
    assert step(flow, "bot", KeyPressed("1"), now=OPEN).node_id == "bot"
    assert step(flow, None, KeyPressed("1"), now=OPEN).actions == ()


def test_r_q_5_unvalidated_cycle_of_messages_is_bounded() -> None:
    """R-Q-5: even a cyclic graph of messages stops after max_steps with loop_limit."""
    flow = Flow(
        "loop",
        "loop",
        {
            "in": EntryNode(id="in", next="a"),
            "a": MessageNode(id="a", text="A", next="b"),
            "b": MessageNode(id="b", text="B", next="a"),
        },
    )
    result = step(flow, None, Arrived(), now=OPEN, max_steps=10)
    assert result.finished
    assert len(result.visited) == 10
    assert result.actions[-1] == HangUp("loop_limit")


def test_r_q_5_dangling_edge_in_unvalidated_graph_hangs_up_not_lost() -> None:
    """R-Q-5: a dangling edge (refused on save) would end the call with a reason."""
    flow = Flow("d", "d", {"in": EntryNode(id="in", next="gone")})
    assert step(flow, None, Arrived(), now=OPEN).actions == (HangUp("dangling_edge"),)
    assert step(Flow("e", "e", {}), None, Arrived(), now=OPEN).actions == (HangUp("no_entry"),)


def test_r_q_5_business_hours_need_an_aware_time(flow: Flow) -> None:
    """R-Q-5: time is UTC-aware everywhere; a naive datetime is refused."""
    with pytest.raises(ValueError):
        step(flow, None, Arrived(), now=datetime(2026, 11, 25, 9, 0))
