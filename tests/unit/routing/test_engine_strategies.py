"""Distribution strategies, offer timeout and no-answer pause (R-Q-4)."""

from __future__ import annotations

import pytest
from engine_kit import CHAT, agent, arrive, engine, offers, only

from guichet.domain.enums import AgentState, Strategy
from guichet.domain.routing import SYSTEM_NO_ANSWER_REASON, InteractionStatus, WithdrawReason
from guichet.routing import (
    AgentStateChanged,
    AssignInteraction,
    Decision,
    InteractionEnded,
    OfferAccepted,
    OfferRejected,
    PauseAgent,
    QueueConfig,
    RequeueInteraction,
    RoutingEngine,
    WithdrawOffer,
)


def _q(strategy: Strategy, **kw: object) -> tuple[QueueConfig, ...]:
    return (QueueConfig("q", strategy=strategy, auto_accept=True, **kw),)  # type: ignore[arg-type]


def _up(e: RoutingEngine, aid: str, now: float) -> list[Decision]:
    return e.handle(AgentStateChanged(aid, AgentState.AVAILABLE), now)


def _taken(decisions: list) -> str:  # type: ignore[type-arg]
    (d,) = only(decisions, AssignInteraction)
    return d.agent_id  # type: ignore[no-any-return]


def test_r_q_4_longest_idle() -> None:
    """R-Q-4 longest idle: the agent idle for the longest time first."""
    e = engine([agent("a"), agent("b"), agent("c")], _q(Strategy.LONGEST_IDLE), available=[])
    _up(e, "b", 0.0)
    _up(e, "c", 1.0)
    _up(e, "a", 2.0)
    assert [_taken(arrive(e, f"i{n}", 10.0 + n)) for n in range(3)] == ["b", "c", "a"]


def test_r_q_4_fewest_today() -> None:
    """R-Q-4 fewest today: the agent who handled the fewest interactions first."""
    e = engine(
        [agent("a"), agent("b"), agent("c")], _q(Strategy.FEWEST_TODAY), available=["a", "b"]
    )
    for n, t in enumerate((1.0, 3.0, 5.0)):
        arrive(e, f"w{n}", t)
        e.handle(InteractionEnded(f"w{n}"), t + 1)
    # a handled 2, b 1; c arrives last but has handled none.
    _up(e, "c", 10.0)
    assert [_taken(arrive(e, f"i{n}", 20.0 + n)) for n in range(3)] == ["c", "b", "a"]


def test_r_q_4_least_occupied() -> None:
    """R-Q-4 least occupied: the agent with the lowest load first."""
    e = engine([agent("a"), agent("b"), agent("c")], _q(Strategy.LEAST_OCCUPIED), available=["a"])
    arrive(e, "x1", 1.0, channel=CHAT)
    arrive(e, "x2", 2.0, channel=CHAT)
    _up(e, "b", 3.0)
    _up(e, "c", 4.0)
    got = [_taken(arrive(e, f"i{n}", 10.0 + n, channel=CHAT)) for n in range(5)]
    # b and c start empty (ties to the longer idle, b); a, holding two, comes last.
    assert got == ["b", "c", "b", "c", "a"]


def test_r_q_4_round_robin_differs_from_longest_idle() -> None:
    """R-Q-4 round robin: least recently offered first, whatever the idle time."""
    results = {}
    for strategy in (Strategy.ROUND_ROBIN, Strategy.LONGEST_IDLE):
        e = engine([agent("a"), agent("b")], _q(strategy))
        arrive(e, "i1", 1.0)  # -> a
        arrive(e, "i2", 2.0)  # -> b
        e.handle(InteractionEnded("i2"), 3.0)
        e.handle(InteractionEnded("i1"), 10.0)
        results[strategy] = _taken(arrive(e, "i3", 11.0))
    assert results == {Strategy.ROUND_ROBIN: "a", Strategy.LONGEST_IDLE: "b"}


def test_r_q_4_top_down() -> None:
    """R-Q-4 top-down: the fixed order, first available agent in it."""
    e = engine(
        [agent("a"), agent("b"), agent("c")], _q(Strategy.TOP_DOWN, agent_order=("c", "a", "b"))
    )
    assert _taken(arrive(e, "i1", 1.0)) == "c"
    assert _taken(arrive(e, "i2", 2.0)) == "a"
    e.handle(InteractionEnded("i1"), 3.0)
    assert _taken(arrive(e, "i3", 4.0)) == "c"


def test_r_q_4_random_is_seeded() -> None:
    """R-Q-4 random: the same seed gives the same picks; seeds spread over the agents."""

    def picks(seed: int) -> list[str]:
        e = engine([agent(x) for x in "abcde"], _q(Strategy.RANDOM), seed=seed)
        got = []
        for n in range(5):
            got.append(_taken(arrive(e, f"i{n}", float(n))))
            e.handle(InteractionEnded(f"i{n}"), n + 0.5)
        return got

    assert picks(7) == picks(7)
    firsts = {picks(seed)[0] for seed in range(40)}
    assert len(firsts) >= 4


def test_r_q_4_ring_all_first_accept_wins() -> None:
    """R-Q-4 ring all: offered to every eligible agent; first accept wins, others withdrawn."""
    e = engine(
        [agent("a"), agent("b"), agent("c")], (QueueConfig("q", strategy=Strategy.RING_ALL),)
    )
    assert offers(arrive(e, "i", 1.0)) == [("i", ("a", "b", "c"))]
    got = e.handle(OfferAccepted("i", "b"), 2.0)
    assert only(got, AssignInteraction)[0].agent_id == "b"
    (w,) = only(got, WithdrawOffer)
    assert w.agent_ids == ("a", "c") and w.reason is WithdrawReason.ANSWERED_ELSEWHERE
    assert e.handle(OfferAccepted("i", "a"), 3.0)[0].code == "not_offered"
    assert offers(arrive(e, "j", 4.0)) == [("j", ("a", "c"))]


def test_r_q_4_offer_timeout_goes_to_next_agent() -> None:
    """R-Q-4: an offer expires after the queue's timeout and goes to the next agent."""
    e = engine([agent("a"), agent("b")], (QueueConfig("q", offer_timeout_s=15),), available=["a"])
    assert offers(arrive(e, "i", 0.0)) == [("i", ("a",))]
    _up(e, "b", 1.0)
    got = e.advance(15.0)
    assert only(got, RequeueInteraction)[0].reason == "expired"
    assert offers(got) == [("i", ("b",))]
    assert e.agent_view("a").state is AgentState.AVAILABLE  # type: ignore[union-attr]


def test_r_q_4_reject_goes_to_next_agent() -> None:
    """R-Q-4: a rejected offer goes to the next agent, not back to the one who declined."""
    e = engine([agent("a"), agent("b")], (QueueConfig("q"),))
    arrive(e, "i", 0.0)
    got = e.handle(OfferRejected("i", "a"), 1.0)
    assert offers(got) == [("i", ("b",))]
    assert e.interaction_status("i") is InteractionStatus.OFFERED


@pytest.mark.parametrize(("limit", "paused_after"), [(1, 1), (2, 2), (3, 3)])
def test_r_q_4_max_no_answer_pauses_agent(limit: int, paused_after: int) -> None:
    """R-Q-4: `max_no_answer` expiries in a row pause the agent with a system reason."""
    e = engine([agent("a")], (QueueConfig("q", offer_timeout_s=10, max_no_answer=limit),))
    pauses = []
    for n in range(3):
        arrive(e, f"i{n}", 100.0 * n)
        pauses += only(e.advance(100.0 * n + 10), PauseAgent)
        if pauses:
            break
    assert len(pauses) == 1 and pauses[0].no_answer == paused_after
    view = e.agent_view("a")
    assert view is not None and view.state is AgentState.PAUSED
    assert view.reason == SYSTEM_NO_ANSWER_REASON


def test_r_q_4_accept_resets_no_answer_streak() -> None:
    """R-Q-4: only expiries *in a row* count; an accept resets the streak."""
    e = engine([agent("a")], (QueueConfig("q", offer_timeout_s=10, max_no_answer=2),))
    arrive(e, "i0", 0.0)
    e.advance(10.0)  # expiry 1; i0 waits (a declined it)
    arrive(e, "i1", 20.0)
    e.handle(OfferAccepted("i1", "a"), 21.0)
    e.handle(InteractionEnded("i1"), 22.0)
    arrive(e, "i2", 30.0)
    assert only(e.advance(40.0), PauseAgent) == []


def test_r_q_4_declined_until_the_agent_comes_back() -> None:
    """R-Q-4, R-X-10: an agent who let an offer expire is not offered it again at once,
    but after a pause (here the no-answer pause) it is, so nothing waits forever."""
    e = engine([agent("a")], (QueueConfig("q", offer_timeout_s=10, max_no_answer=1),))
    arrive(e, "i", 0.0)
    got = e.advance(10.0)
    assert only(got, PauseAgent) and offers(got) == []
    assert offers(_up(e, "a", 20.0)) == [("i", ("a",))]


def test_r_q_4_fewest_today_counts_restart_at_midnight() -> None:
    """R-Q-4 fewest today: the counts start again at the organization's local midnight."""
    e = engine([agent("a"), agent("b")], _q(Strategy.FEWEST_TODAY))
    assert _taken(arrive(e, "i1", 1.0)) == "a"
    assert _taken(arrive(e, "i2", 2.0)) == "b"
    e.handle(InteractionEnded("i1"), 3.0)
    assert _taken(arrive(e, "i3", 4.0)) == "a"
    e.handle(InteractionEnded("i3"), 5.0)
    e.handle(InteractionEnded("i2"), 6.0)
    assert e.agent_view("a").handled == 2  # type: ignore[union-attr]
    # The same day b (1 handled) would come before a (2). The next day (POSIX seconds, UTC)
    # both start at 0, so the longer idle one (a, since 5 s; b since 6 s) goes first.
    assert _taken(arrive(e, "next-day", 86_400.0 + 10)) == "a"
    assert e.agent_view("b").handled == 0  # type: ignore[union-attr]
