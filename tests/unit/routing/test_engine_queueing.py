"""Priority (R-Q-8), no stale backlog (R-X-10), capacity (R-W-1, R-X-8), wrap-up (R-Q-7)."""

from __future__ import annotations

import pytest
from engine_kit import CHAT, VOICE, agent, arrive, engine, offers, only

from guichet.domain.enums import AgentState, Channel
from guichet.domain.routing import InteractionStatus, RefusalCode
from guichet.routing import (
    AgentCapacityChanged,
    AgentStateChanged,
    AssignInteraction,
    ConfigurationChanged,
    EndWrapUp,
    InteractionEnded,
    OfferAccepted,
    QueueConfig,
    QueueInteraction,
    RefuseEvent,
    RequeueInteraction,
    RoutingConfig,
    StartWrapUp,
    WrapUpEnded,
)


def _up(e, aid: str, now: float) -> list:  # type: ignore[no-untyped-def,type-arg]
    return e.handle(AgentStateChanged(aid, AgentState.AVAILABLE), now)  # type: ignore[no-any-return]


def test_r_q_8_fifo_with_equal_weights() -> None:
    """R-Q-8: with no priority (all weights equal), the oldest waiting goes first."""
    e2 = engine([agent("a", "q1", "q2")], (QueueConfig("q1"), QueueConfig("q2")), available=[])
    arrive(e2, "first", 1.0, queue="q2")
    arrive(e2, "second", 2.0, queue="q1")
    arrive(e2, "third", 3.0, queue="q2")
    assert offers(_up(e2, "a", 10.0)) == [("first", ("a",))]


@pytest.mark.parametrize(
    ("weights", "arrivals", "expected"),
    [
        # weight x seconds waited: 2 x 4 = 8 beats 1 x 6 = 6
        ((1.0, 2.0), (("x", "q1", 0.0), ("y", "q2", 2.0)), "y"),
        # 1 x 10 = 10 beats 2 x 4 = 8
        ((1.0, 2.0), (("x", "q1", -4.0), ("y", "q2", 2.0)), "x"),
        # equal scores (1 x 6 = 2 x 3): the oldest wins
        ((1.0, 2.0), (("x", "q1", 0.0), ("y", "q2", 3.0)), "x"),
    ],
)
def test_r_q_8_weight_times_seconds_waited(
    weights: tuple[float, float], arrivals: tuple[tuple[str, str, float], ...], expected: str
) -> None:
    """R-Q-8: the highest weight x seconds waited wins; equal scores go to the oldest."""
    queues = (QueueConfig("q1", weight=weights[0]), QueueConfig("q2", weight=weights[1]))
    e = engine([agent("a", "q1", "q2")], queues, available=[])
    e.now = -10.0
    for iid, qid, t in arrivals:
        arrive(e, iid, t, queue=qid)
    assert offers(_up(e, "a", 6.0)) == [(expected, ("a",))]


def test_r_q_8_priority_overrides_queue_weight() -> None:
    """R-Q-8 with R-TR-1 priority: an interaction's priority replaces its queue weight."""
    e = engine([agent("a")], available=[])
    arrive(e, "old", 0.0)
    arrive(e, "vip", 5.0, priority=10.0)
    assert offers(_up(e, "a", 6.0)) == [("vip", ("a",))]


def test_r_x_10_agent_freeing_takes_waiting_work_at_once() -> None:
    """R-X-10: available, wrap-up end, capacity freed: waiting work is offered at once."""
    e = engine([agent("a")], (QueueConfig("q", wrap_up_s=10, auto_accept=True),))
    arrive(e, "i1", 0.0)
    assert only(arrive(e, "i2", 1.0), QueueInteraction)
    got = e.handle(InteractionEnded("i1"), 5.0)
    assert only(got, StartWrapUp) and offers(got) == []
    got = e.advance(15.0)
    assert [type(d).__name__ for d in got] == ["EndWrapUp", "AssignInteraction"]


def test_r_x_10_unanswered_offer_returns_to_queue_head() -> None:
    """R-X-10: an offer nobody answers goes back to the head of the queue, never lost."""
    e = engine([agent("a"), agent("b")], (QueueConfig("q", offer_timeout_s=10),), available=["a"])
    arrive(e, "i1", 0.0)
    arrive(e, "i2", 1.0)
    arrive(e, "i3", 2.0)
    got = e.advance(10.0)
    assert only(got, RequeueInteraction)[0].interaction_id == "i1"
    # a let i1 expire, so a gets i2; i1 is back at the head, before i3.
    assert offers(got) == [("i2", ("a",))]
    assert e.waiting_ids("q") == ["i1", "i3"]
    assert offers(_up(e, "b", 11.0)) == [("i1", ("b",))]


@pytest.mark.parametrize(
    ("capacity", "channels", "taken"),
    [
        ({Channel.CHAT: 2}, [CHAT, CHAT, CHAT], 2),
        ({Channel.CHAT: 3}, [CHAT, CHAT, CHAT], 3),
        ({Channel.VOICE: 1, Channel.CHAT: 3}, [VOICE, CHAT], 1),  # a call blocks chats
        ({Channel.VOICE: 1, Channel.CHAT: 3}, [CHAT, VOICE], 1),  # no mixing either way
    ],
)
def test_r_w_1_capacity_per_channel(capacity: dict, channels: list, taken: int) -> None:  # type: ignore[type-arg]
    """R-W-1: capacity per channel; a call blocks chats unless mixing is allowed."""
    q = QueueConfig("q", channels=(VOICE, CHAT), auto_accept=True)
    e = engine([agent("a", capacity=capacity)], (q,))
    got = [
        only(arrive(e, f"i{n}", float(n), channel=ch), QueueInteraction)
        for n, ch in enumerate(channels)
    ]
    assert sum(1 for g in got if not g) == taken


def test_r_w_1_mixing_allowed() -> None:
    """R-W-1: with mixing allowed, a call and chats run together."""
    q = QueueConfig("q", channels=(VOICE, CHAT), auto_accept=True)
    e = engine([agent("a")], (q,), allow_mixing=True)
    assert not only(arrive(e, "v", 0.0, channel=VOICE), QueueInteraction)
    assert not only(arrive(e, "c", 1.0, channel=CHAT), QueueInteraction)


def test_r_x_8_weighted_budget() -> None:
    """R-X-8: a budget of 100 with chats at 34 holds two chats, not three."""
    q = QueueConfig("q", channels=(CHAT,), auto_accept=True)
    e = engine([agent("a", budget=100, capacity={Channel.CHAT: 5})], (q,))
    got = [
        bool(only(arrive(e, f"i{n}", float(n), channel=CHAT), QueueInteraction)) for n in range(3)
    ]
    assert got == [False, False, True]
    view = e.agent_view("a")
    assert view is not None and view.budget_used == 68


def test_r_x_8_new_costs_reprice_held_work_at_once() -> None:
    """R-X-8 with R-X-10: when the costs change, the work agents hold counts at the new costs
    (not at the costs it was taken at), and waiting work that now fits is offered at once."""
    q = QueueConfig("q", channels=(CHAT,), auto_accept=True)
    a = agent("a", budget=100, capacity={Channel.CHAT: 5})
    e = engine([a], (q,), costs={Channel.CHAT: 50})
    got = [
        bool(only(arrive(e, f"i{n}", float(n), channel=CHAT), QueueInteraction)) for n in range(3)
    ]
    assert got == [False, False, True]
    cheaper = RoutingConfig(agents=(a,), queues=(q,), costs={Channel.CHAT: 30})
    decisions = e.handle(ConfigurationChanged(cheaper), 3.0)
    assert [d.interaction_id for d in only(decisions, AssignInteraction)] == ["i2"]
    view = e.agent_view("a")
    assert view is not None and view.budget_used == 90
    e.handle(InteractionEnded("i0"), 4.0)
    view = e.agent_view("a")
    assert view is not None and view.budget_used == 60


def test_r_w_1_capacity_change_applies_at_once() -> None:
    """R-W-1 with R-X-10: raising capacity offers waiting work at once."""
    q = QueueConfig("q", channels=(CHAT,), auto_accept=True)
    e = engine([agent("a", capacity={Channel.CHAT: 1})], (q,))
    arrive(e, "i1", 0.0, channel=CHAT)
    arrive(e, "i2", 1.0, channel=CHAT)
    got = e.handle(AgentCapacityChanged("a", {Channel.CHAT: 2}), 2.0)
    assert [d.interaction_id for d in got] == ["i2"]


@pytest.mark.parametrize(
    ("may_end", "by_supervisor", "ended"),
    [(True, False, True), (False, False, False), (False, True, True), (True, True, True)],
)
def test_r_q_7_who_may_end_wrap_up(may_end: bool, by_supervisor: bool, ended: bool) -> None:
    """R-Q-7: agents end wrap-up only if the queue allows it; supervisors always may."""
    q = QueueConfig("q", wrap_up_s=60, agents_may_end_wrap_up=may_end, auto_accept=True)
    e = engine([agent("a")], (q,))
    arrive(e, "i", 0.0)
    e.handle(InteractionEnded("i"), 5.0)
    assert e.agent_view("a").state is AgentState.WRAP_UP  # type: ignore[union-attr]
    got = e.handle(WrapUpEnded("a", by_supervisor=by_supervisor), 6.0)
    if ended:
        assert only(got, EndWrapUp)
        assert e.agent_view("a").state is AgentState.AVAILABLE  # type: ignore[union-attr]
    else:
        assert got == [RefuseEvent("wrap_up_ended", RefusalCode.WRAP_UP_END_NOT_ALLOWED, "a")]


def test_r_q_7_no_offer_during_wrap_up() -> None:
    """R-Q-7: an agent in wrap-up gets no offer; the wrap-up ends on its timer."""
    e = engine([agent("a")], (QueueConfig("q", wrap_up_s=30),))
    arrive(e, "i", 0.0)
    e.handle(OfferAccepted("i", "a"), 1.0)
    got = e.handle(InteractionEnded("i"), 2.0)
    assert only(got, StartWrapUp)[0].until == 32.0
    assert offers(arrive(e, "j", 3.0)) == []
    assert e.interaction_status("j") is InteractionStatus.WAITING
    assert offers(e.advance(32.0)) == [("j", ("a",))]


def test_abandon_while_waiting_and_offered() -> None:
    """R-AN-1: ending an unanswered interaction abandons it; an offer is withdrawn."""
    e = engine([agent("a")])
    arrive(e, "i", 0.0)
    arrive(e, "j", 1.0)
    assert [type(d).__name__ for d in e.handle(InteractionEnded("j"), 3.0)] == [
        "AbandonInteraction"
    ]
    got = e.handle(InteractionEnded("i"), 4.0)
    assert [type(d).__name__ for d in got] == ["WithdrawOffer", "AbandonInteraction"]
    assert e.interaction_status("i") is InteractionStatus.ABANDONED
    assert e.agent_view("a").state is AgentState.AVAILABLE  # type: ignore[union-attr]


def test_r_q_2_queue_accepts_only_its_channels() -> None:
    """R-Q-2: a queue takes only the channel types it accepts; others are refused."""
    e = engine([agent("a")], (QueueConfig("q", channels=(CHAT,)),))
    assert arrive(e, "v", 1.0) == [
        RefuseEvent("interaction_arrived", RefusalCode.CHANNEL_NOT_ACCEPTED, "v")
    ]
    assert offers(arrive(e, "c", 2.0, channel=CHAT)) == [("c", ("a",))]
