"""What the contact sees: targeting (R-TR-1), flows (R-Q-5), callback (R-Q-6), return
(R-X-9), estimated wait (R-X-6), and explanations (R-X-3)."""

from __future__ import annotations

from engine_kit import agent, arrive, engine, offers, only

from guichet.domain.enums import AgentState, Channel
from guichet.domain.routing import InteractionStatus, RefusalCode
from guichet.flows.model import EntryNode, Flow, HangupNode, MenuNode, QueueNode, VoicemailNode
from guichet.routing import (
    AgentConfig,
    AgentQueuesChanged,
    AgentStateChanged,
    ConfigurationChanged,
    InteractionArrived,
    InteractionEnded,
    KeepCallback,
    KeyPressed,
    MoveAlongFlow,
    OfferAccepted,
    OfferCallback,
    OfferInteraction,
    QueueConfig,
    QueueInteraction,
    QueueView,
    RefuseEvent,
    RoutingConfig,
    SkillConfig,
)
from guichet.routing.callback import CallbackPolicy
from guichet.routing.targeting import Condition, TargetAction, TargetingRule

MOBILE = "+33612345678"


def test_r_tr_1_first_matching_rule_routes() -> None:
    """R-TR-1: the first matching rule picks queue, skill and priority; else the default."""
    rules = (
        TargetingRule(
            "r-fr", "French", (Condition("language", "equals", "fr"),), TargetAction("fr", "q", 5.0)
        ),
        TargetingRule("r-any", "Any", (), TargetAction(None, "q")),
    )
    e = engine(
        [agent("en"), agent("fr", skills={"fr": 3})],
        skills=(SkillConfig("fr", overflow_out=False),),
        targeting_rules=rules,
    )
    got = e.handle(InteractionArrived("i", Channel.VOICE, context={"language": "fr"}), 1.0)
    (offer,) = only(got, OfferInteraction)
    assert offer.agent_ids == ("fr",)
    assert offer.explanation.rule == "R-TR-1" and offer.explanation.targeting_rule == "r-fr"
    got = e.handle(InteractionArrived("j", Channel.VOICE, context={"language": "de"}), 2.0)
    assert only(got, OfferInteraction)[0].explanation.targeting_rule == "r-any"


def test_r_tr_1_no_rule_and_no_default_is_refused() -> None:
    """R-TR-1: with no matching rule and no default, the arrival is refused, not lost."""
    rules = (
        TargetingRule("r", "r", (Condition("language", "equals", "fr"),), TargetAction(None, "q")),
    )
    e = engine([agent("a")], targeting_rules=rules)
    got = e.handle(InteractionArrived("i", Channel.CHAT, context={}), 1.0)
    assert got == [RefuseEvent("interaction_arrived", RefusalCode.NO_ROUTE, "i")]
    assert e.interaction_status("i") is None


def _flow() -> Flow:
    nodes = {
        "entry": EntryNode(id="entry", next="menu"),
        "menu": MenuNode(
            id="menu", choices={"1": "sales", "2": "bye"}, invalid="bye", no_input="sales"
        ),
        "sales": QueueNode(
            id="sales", queue_id="q", wait_timeout_s=60, on_timeout="vm", on_exit="bye"
        ),
        "vm": VoicemailNode(id="vm", next="bye"),
        "bye": HangupNode(id="bye"),
    }
    return Flow("f", "main", nodes)


def test_r_q_5_flow_menu_queue_and_timeout() -> None:
    """R-Q-5: menu key -> queue node; the wait timeout follows the on-timeout edge."""
    e = engine([agent("a")], available=[], flows={"f": _flow()})
    got = e.handle(InteractionArrived("i", Channel.VOICE, flow_id="f"), 0.0)
    assert [(d.to_node, d.action) for d in only(got, MoveAlongFlow)] == [("menu", "menu")]
    assert e.interaction_status("i") is InteractionStatus.IN_FLOW
    got = e.handle(KeyPressed("i", "1"), 2.0)
    assert [(d.edge, d.to_node) for d in only(got, MoveAlongFlow)] == [("key:1", "sales")]
    assert only(got, QueueInteraction)[0].explanation.rule == "R-Q-5"
    got = e.advance(62.0)
    assert [(d.edge, d.to_node, d.action) for d in got if isinstance(d, MoveAlongFlow)] == [
        ("on_timeout", "vm", "voicemail")
    ]
    assert e.interaction_status("i") is InteractionStatus.IN_FLOW
    assert e.queue_view("q", 62.0).waiting == 0  # type: ignore[union-attr]


def test_r_q_5_star_leaves_queue_by_exit_edge() -> None:
    """R-Q-5: `*` in a queue node follows the on-exit edge (here: hang-up)."""
    e = engine([agent("a")], available=[], flows={"f": _flow()})
    e.handle(InteractionArrived("i", Channel.VOICE, flow_id="f"), 0.0)
    e.advance(5.0)  # menu no-input -> sales queue
    assert e.interaction_status("i") is InteractionStatus.WAITING
    got = e.handle(KeyPressed("i", "*"), 6.0)
    assert [(d.edge, d.to_node, d.action) for d in got] == [("on_exit", "", "hangup")]
    assert e.interaction_status("i") is InteractionStatus.ENDED
    assert offers(e.handle(AgentStateChanged("a", AgentState.AVAILABLE), 7.0)) == []


def test_r_q_5_answered_in_queue_node_ignores_timeout() -> None:
    """R-Q-5: once an agent has it, the queue node's timeout no longer applies."""
    e = engine([agent("a")], (QueueConfig("q", auto_accept=True),), flows={"f": _flow()})
    e.handle(InteractionArrived("i", Channel.VOICE, flow_id="f"), 0.0)
    e.handle(KeyPressed("i", "1"), 1.0)
    assert e.interaction_status("i") is InteractionStatus.ASSIGNED
    assert only(e.advance(100.0), MoveAlongFlow) == []


def _callback_engine() -> object:
    q = QueueConfig("q", auto_accept=True, callback=CallbackPolicy(enabled=True, threshold_s=30))
    e = engine([agent("a")], (q,))
    arrive(e, "c0", 0.0, caller_id=MOBILE)  # a takes it; waited 0
    return e


def test_r_q_6_callback_offered_when_average_wait_high() -> None:
    """R-Q-6: offered when the 15-minute average wait exceeds the threshold, once per call;
    `#` keeps the place; when its turn comes it is offered as an outbound call."""
    e = _callback_engine()
    got = arrive(e, "c1", 10.0, caller_id=MOBILE)  # average so far: c0 = 0 s
    assert only(got, OfferCallback) == []
    got = arrive(e, "c2", 100.0, caller_id=MOBILE)  # average (c0 0 s, c1 90 s) = 45 s > 30
    (cb,) = only(got, OfferCallback)
    assert cb.average_wait_s == 45.0 and cb.estimated_wait_s is not None
    assert only(e.advance(200.0), OfferCallback) == []  # once per call
    assert e.handle(KeyPressed("c2", "#"), 300.0) == [KeepCallback("c2", "q")]
    assert e.interaction_status("c2") is InteractionStatus.CALLBACK
    assert e.queue_view("q", 300.0).callbacks == 1  # type: ignore[union-attr]
    e.handle(InteractionEnded("c2"), 301.0)  # the caller hangs up: the callback stays
    assert e.interaction_status("c2") is InteractionStatus.CALLBACK
    got = e.handle(InteractionEnded("c0"), 400.0)
    assert [d.interaction_id for d in got] == ["c1"]  # c1 keeps its place first
    e2 = engine(
        [agent("a")], (QueueConfig("q", callback=CallbackPolicy(enabled=True, threshold_s=30)),)
    )
    del e2


def test_r_q_6_callback_turn_is_outbound_offer() -> None:
    """R-Q-6: an accepted callback is offered to the agent as an outbound call."""
    q = QueueConfig("q", callback=CallbackPolicy(enabled=True, threshold_s=30))
    e = engine([agent("a")], (q,))
    arrive(e, "c0", 0.0, caller_id=MOBILE)  # offered to a
    e.handle(OfferAccepted("c0", "a"), 0.5)
    arrive(e, "c1", 1.0, caller_id=MOBILE)
    arrive(e, "c2", 100.0, caller_id=MOBILE)
    e.handle(KeyPressed("c2", "#"), 101.0)
    e.handle(InteractionEnded("c1"), 102.0)  # abandoned
    got = e.handle(InteractionEnded("c0"), 103.0)
    (offer,) = only(got, OfferInteraction)
    assert offer.interaction_id == "c2" and offer.outbound


def test_r_q_6_not_offered_without_caller_id_or_with_agents_available() -> None:
    """R-Q-6: no valid caller ID, or agents of the queue available: no callback."""
    policy = CallbackPolicy(enabled=True, threshold_s=30)
    skills = (SkillConfig("fr", overflow_out=False),)
    e = engine(
        [agent("a"), agent("b")],
        (QueueConfig("q", auto_accept=True, callback=policy),),
        skills=skills,
    )
    arrive(e, "c0", 0.0, caller_id=MOBILE)  # a
    arrive(e, "c1", 0.0, caller_id=MOBILE, skill="fr")  # nobody speaks French: waits
    got = arrive(e, "c2", 100.0, caller_id=None, skill="fr")
    assert only(got, OfferCallback) == []  # no caller ID
    got = arrive(e, "c3", 101.0, caller_id=MOBILE, skill="fr")
    assert only(got, OfferCallback) == []  # b is available in the queue


def test_r_x_9_abandon_and_return_gets_place_back() -> None:
    """R-X-9: a contact who abandons and comes back within the window gets its place."""
    e = engine([agent("a")], (QueueConfig("q", return_window_s=60, auto_accept=True),))
    arrive(e, "busy", 0.0)
    arrive(e, "bob1", 1.0, contact_id="bob")
    arrive(e, "x", 5.0)
    e.handle(InteractionEnded("bob1"), 10.0)
    got = arrive(e, "bob2", 30.0, contact_id="bob")
    (queued,) = only(got, QueueInteraction)
    assert queued.returned and queued.explanation.rule == "R-X-9"
    assert e.waiting_ids("q") == ["bob2", "x"]
    e.handle(InteractionEnded("bob2"), 40.0)
    got = arrive(e, "bob3", 200.0, contact_id="bob")  # window over
    assert not only(got, QueueInteraction)[0].returned


def test_r_x_6_estimated_wait_and_position() -> None:
    """R-X-6: position and estimated wait of waiting interactions."""
    e = engine([agent("a")], (QueueConfig("q", auto_accept=True),))
    arrive(e, "busy", 0.0)
    arrive(e, "w1", 1.0)
    arrive(e, "w2", 2.0)
    first, second = e.estimated_wait("w1", 3.0), e.estimated_wait("w2", 3.0)
    assert first is not None and second is not None
    assert (first.position, second.position) == (1, 2)
    assert second.wait_s is not None and first.wait_s is not None and second.wait_s > first.wait_s
    assert e.estimated_wait("busy", 3.0) is None


def test_r_x_3_explanation_renders_candidates_and_scores() -> None:
    """R-X-3: every offer says the rule, step, skill, candidates and their scores."""
    e = engine([agent("a", skills={"s": 3})], skills=(SkillConfig("s"),))
    (offer,) = only(arrive(e, "i", 5.0, skill="s"), OfferInteraction)
    assert offer.explanation.as_dict() == {
        "rule": "R-Q-4",
        "queue_id": "q",
        "step": 0,
        "skill": "s",
        "overflow": False,
        "strategy": "longest_idle",
        "candidates": [{"agent_id": "a", "score": 0.0}],
        "targeting_rule": None,
        "waited_s": 0.0,
    }


def test_r_x_10_configuration_change_offers_waiting_work() -> None:
    """R-X-10: a configuration change that adds an agent to the queue offers at once."""
    base = RoutingConfig(agents=(AgentConfig("a", {}, ("other",)),), queues=(QueueConfig("q"),))
    e = engine(list(base.agents), list(base.queues))
    arrive(e, "i", 1.0)
    moved = RoutingConfig(agents=(AgentConfig("a", {}, ("q",)),), queues=(QueueConfig("q"),))
    assert offers(e.handle(ConfigurationChanged(moved), 2.0)) == [("i", ("a",))]


def test_r_x_3_explanation_lists_the_runner_up() -> None:
    """R-X-3: the candidates considered: the chosen agent and the runner-up, with scores."""
    e = engine([agent("a"), agent("b")], available=[])
    e.handle(AgentStateChanged("b", AgentState.AVAILABLE), 1.0)
    e.handle(AgentStateChanged("a", AgentState.AVAILABLE), 2.0)
    (offer,) = only(arrive(e, "i", 5.0), OfferInteraction)
    assert offer.explanation.candidates == (("b", 1.0), ("a", 2.0))


def test_r_q_12_logging_into_a_queue_takes_its_waiting_work() -> None:
    """R-Q-12 with R-X-10: an agent who logs in to a queue gets its waiting work at once."""
    e = engine([agent("a", "other")], (QueueConfig("q"), QueueConfig("other")))
    arrive(e, "i", 1.0)
    got = e.handle(AgentQueuesChanged("a", ("other", "q")), 2.0)
    assert offers(got) == [("i", ("a",))]
    e.handle(OfferAccepted("i", "a"), 3.0)
    e.handle(InteractionEnded("i"), 4.0)
    e.handle(AgentQueuesChanged("a", ("other",)), 5.0)
    assert offers(arrive(e, "j", 6.0)) == []
    assert e.queue_view("q", 10.0) == (
        QueueView(
            "q", waiting=1, callbacks=0, longest_wait_s=4.0, paused_conversations=0, members=0
        )
    )


def test_r_q_6_not_offered_without_calls_in_the_last_15_minutes() -> None:
    """R-Q-6: no call in the last 15 minutes (only the asking one): no callback, and the
    re-check after the threshold offers it once the average is known and high."""
    q = QueueConfig("q", auto_accept=True, callback=CallbackPolicy(enabled=True, threshold_s=30))
    e = engine([agent("a")], (q,), available=[])
    got = arrive(e, "c1", 0.0, caller_id=MOBILE)
    assert only(got, OfferCallback) == []  # nobody else waited in the window
    arrive(e, "c2", 10.0, caller_id=MOBILE)
    # At 40 s c2's re-check sees c1 waiting 40 s (> 30): offered, once.
    got = e.advance(40.0)
    assert [d.interaction_id for d in only(got, OfferCallback)] == ["c2"]
    assert only(e.advance(2000.0), OfferCallback) == []


def test_r_q_6_hash_accepts_while_an_agent_is_ringing() -> None:
    """R-Q-6: `#` accepts at any time after the offer, even while an agent is offered it;
    if that offer goes unanswered it waits as a callback and comes back outbound."""
    q = QueueConfig("q", offer_timeout_s=10, callback=CallbackPolicy(enabled=True, threshold_s=30))
    e = engine([agent("a"), agent("b")], (q,), available=["a"])
    arrive(e, "c0", 0.0, caller_id=MOBILE)
    e.handle(OfferAccepted("c0", "a"), 1.0)
    arrive(e, "c1", 2.0, caller_id=MOBILE)
    got = arrive(e, "c2", 100.0, caller_id=MOBILE)
    assert only(got, OfferCallback)
    e.handle(InteractionEnded("c1"), 101.0)
    got = e.handle(AgentStateChanged("b", AgentState.AVAILABLE), 102.0)
    assert offers(got) == [("c2", ("b",))]
    assert e.handle(KeyPressed("c2", "#"), 103.0) == [KeepCallback("c2", "q")]
    e.advance(112.0)  # b lets it ring out
    assert e.interaction_status("c2") is InteractionStatus.CALLBACK
    e.handle(AgentStateChanged("b", AgentState.PAUSED, "x"), 113.0)
    got = e.handle(AgentStateChanged("b", AgentState.AVAILABLE), 114.0)
    (offer,) = only(got, OfferInteraction)
    assert offer.interaction_id == "c2" and offer.outbound
