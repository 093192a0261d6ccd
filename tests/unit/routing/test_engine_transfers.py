"""Transfers and personal queues (R-W-5); asynchronous conversations (R-W-6)."""

from __future__ import annotations

import pytest
from engine_kit import CHAT, agent, arrive, engine, offers, only

from guichet.domain.enums import AgentState, Channel
from guichet.domain.routing import InteractionStatus, RefusalCode, RequeueReason
from guichet.routing import (
    AgentStateChanged,
    ConversationPaused,
    ConversationResumed,
    InteractionEnded,
    InteractionTransferred,
    QueueConfig,
    QueueInteraction,
    RefuseEvent,
    RequeueInteraction,
    SkillConfig,
)

AUTO = (QueueConfig("q", auto_accept=True, channels=(Channel.VOICE, CHAT, Channel.MESSAGING)),)


def _busy_target(e, state: str) -> None:  # type: ignore[no-untyped-def]
    """Put agent t in the given state: on_interaction, wrap_up, paused, offline, available."""
    if state in ("on_interaction", "wrap_up"):
        arrive(e, "t-call", 0.5)  # a is busy with i, so t takes this one
        if state == "wrap_up":
            e.handle(InteractionEnded("t-call"), 0.6)
    elif state in ("paused", "offline"):
        e.handle(AgentStateChanged("t", AgentState(state), "lunch"), 0.5)


@pytest.mark.parametrize(
    ("target_state", "consulted", "result"),
    [
        ("on_interaction", False, RefusalCode.TARGET_BUSY),  # no cold transfer
        ("on_interaction", True, RefusalCode.TARGET_BUSY),
        ("wrap_up", False, RefusalCode.TARGET_BUSY),
        ("paused", False, "personal_queue"),  # cold transfer to an unavailable agent
        ("offline", False, "personal_queue"),
        ("available", True, "offered"),  # warm transfer
        ("paused", True, RefusalCode.WRONG_STATE),  # warm needs the target available
    ],
)
def test_r_w_5_transfer_by_target_state(target_state: str, consulted: bool, result: object) -> None:
    """R-W-5: what a transfer does depends on the target agent's state."""
    q = (QueueConfig("q", auto_accept=True, wrap_up_s=30),)
    e = engine([agent("a"), agent("t")], q)
    arrive(e, "i", 0.0)  # -> a (longest idle)
    _busy_target(e, target_state)
    got = e.handle(InteractionTransferred("i", to_agent_id="t", consulted=consulted), 1.0)
    if isinstance(result, RefusalCode):
        assert got == [RefuseEvent("interaction_transferred", result, "i")]
        assert e.interaction_view("i").agent_id == "a"  # type: ignore[union-attr]
    elif result == "personal_queue":
        (qd,) = only(got, QueueInteraction)
        assert qd.personal_agent_id == "t" and qd.explanation.rule == "R-W-5"
        assert e.interaction_status("i") is InteractionStatus.WAITING
        assert e.agent_view("t").personal_queue == ("i",)  # type: ignore[union-attr]
        got = e.handle(AgentStateChanged("t", AgentState.AVAILABLE), 2.0)
        assert [d.agent_id for d in got if hasattr(d, "agent_id")] == ["t"]
    else:
        assert e.interaction_view("i").agent_id == "t"  # type: ignore[union-attr]


def test_r_w_5_personal_queue_is_fifo_and_first() -> None:
    """R-W-5, R-Q-8: the target receives what was already in its personal queue first,
    and personal work comes before the queues."""
    e = engine([agent("a"), agent("b"), agent("t")], AUTO, available=["a", "b"])
    e.handle(AgentStateChanged("t", AgentState.PAUSED, "lunch"), 0.0)
    arrive(e, "x", 1.0)  # -> a
    arrive(e, "y", 2.0)  # -> b
    e.handle(InteractionTransferred("x", to_agent_id="t"), 3.0)
    e.handle(InteractionTransferred("y", to_agent_id="t"), 4.0)
    e.handle(AgentStateChanged("a", AgentState.PAUSED, "break"), 4.1)
    e.handle(AgentStateChanged("b", AgentState.PAUSED, "break"), 4.1)
    arrive(e, "queued", 4.5)
    got = e.handle(AgentStateChanged("t", AgentState.AVAILABLE), 5.0)
    assert [d.interaction_id for d in got] == ["x"]
    got = e.handle(InteractionEnded("x"), 6.0)
    assert [d.interaction_id for d in got] == ["y"]
    assert e.interaction_status("queued") is InteractionStatus.WAITING


def test_r_w_5_transfer_to_queue_or_skill() -> None:
    """R-W-5: transfers to a queue or a skill route the interaction again."""
    q = (*AUTO, QueueConfig("other", auto_accept=True))
    e = engine(
        [agent("a"), agent("b", "other"), agent("c", skills={"fr": 3})],
        q,
        skills=(SkillConfig("fr", overflow_out=False),),
    )
    arrive(e, "i", 0.0)
    got = e.handle(InteractionTransferred("i", to_queue_id="other"), 1.0)
    assert e.interaction_view("i").agent_id == "b"  # type: ignore[union-attr]
    got = e.handle(InteractionTransferred("i", to_queue_id="q", to_skill="fr"), 2.0)
    assert got[0].agent_id == "c"  # type: ignore[union-attr]


def test_r_w_6_pause_frees_capacity_within_slots() -> None:
    """R-W-6: pausing a messaging conversation frees its slot; slots per rule bound it."""
    q = (QueueConfig("q", auto_accept=True, channels=(Channel.MESSAGING,), async_slots=1),)
    e = engine([agent("a", capacity={Channel.MESSAGING: 1})], q)
    arrive(e, "m1", 0.0, channel=Channel.MESSAGING)
    assert only(arrive(e, "m2", 1.0, channel=Channel.MESSAGING), QueueInteraction)
    got = e.handle(ConversationPaused("m1"), 2.0)
    assert [d.interaction_id for d in got] == ["m2"]  # capacity freed at once
    assert e.interaction_status("m1") is InteractionStatus.PAUSED
    assert e.handle(ConversationPaused("m2"), 3.0) == [
        RefuseEvent("conversation_paused", RefusalCode.SLOTS_FULL, "m2")
    ]


def test_r_w_6_resume_goes_back_to_the_agent() -> None:
    """R-W-6: when the contact writes again the conversation returns to its agent."""
    q = (QueueConfig("q", auto_accept=True, channels=(Channel.MESSAGING,)),)
    e = engine([agent("a", capacity={Channel.MESSAGING: 1}), agent("b")], q, available=["a"])
    arrive(e, "m1", 0.0, channel=Channel.MESSAGING)
    e.handle(ConversationPaused("m1"), 1.0)
    arrive(e, "m2", 2.0, channel=Channel.MESSAGING)  # a takes m2 in the freed slot
    got = e.handle(ConversationResumed("m1"), 3.0)
    assert only(got, RequeueInteraction)[0].reason is RequeueReason.RESUMED
    assert e.interaction_view("m1").personal_agent_id == "a"  # type: ignore[union-attr]
    got = e.handle(InteractionEnded("m2"), 4.0)
    assert [d.interaction_id for d in got] == ["m1"]
    assert e.agent_view("a").assigned == ("m1",)  # type: ignore[union-attr]


def test_r_w_6_voice_cannot_be_paused() -> None:
    """R-W-6: only asynchronous conversations can be paused."""
    e = engine([agent("a")], AUTO)
    arrive(e, "v", 0.0)
    assert e.handle(ConversationPaused("v"), 1.0)[0].code is RefusalCode.WRONG_STATE  # type: ignore[union-attr]


def test_r_x_8_paused_conversation_keeps_a_small_cost() -> None:
    """R-X-8 with R-W-6: a paused conversation still costs `paused_cost` of the budget."""
    q = (QueueConfig("q", auto_accept=True, channels=(Channel.MESSAGING,)),)
    e = engine([agent("a", budget=100)], q)
    arrive(e, "m1", 0.0, channel=Channel.MESSAGING)
    assert e.agent_view("a").budget_used == 20  # type: ignore[union-attr]
    e.handle(ConversationPaused("m1"), 1.0)
    assert e.agent_view("a").budget_used == 10  # type: ignore[union-attr]
    assert offers(e.handle(InteractionEnded("m1"), 2.0)) == []
    assert e.agent_view("a").budget_used == 0  # type: ignore[union-attr]
