"""Skills in routing: descendants (R-SK-2), overflow (R-SK-4), steps and proficiency (R-X-7)."""

from __future__ import annotations

import pytest
from engine_kit import agent, arrive, engine, offers, only

from guichet.domain.enums import AgentState
from guichet.routing import (
    AgentStateChanged,
    InteractionEnded,
    InteractionTransferred,
    OfferAccepted,
    OverflowInteraction,
    QueueConfig,
    RoutingConfig,
    RoutingEngine,
    RoutingStep,
    SkillConfig,
    SkillCycleError,
    WidenStep,
)

TREE = (
    SkillConfig("sales"),
    SkillConfig("sales-fr", parent="sales"),
    SkillConfig("sales-fr-pro", parent="sales-fr"),
    SkillConfig("billing"),
)


@pytest.mark.parametrize(
    ("held", "target", "qualifies"),
    [
        ("sales", "sales", True),
        ("sales-fr", "sales", True),  # child serves parent
        ("sales-fr-pro", "sales", True),  # grandchild too
        ("sales", "sales-fr", False),  # a parent does not serve its child
        ("billing", "sales", False),
    ],
)
def test_r_sk_2_descendants_qualify(held: str, target: str, qualifies: bool) -> None:
    """R-SK-2: an interaction targeted at S can be served by holders of S or a descendant."""
    skills = tuple(SkillConfig(s.id, s.parent, overflow_out=False) for s in TREE)
    e = engine([agent("a", skills={held: 3})], skills=skills)
    got = offers(arrive(e, "i", 1.0, skill=target))
    assert got == ([("i", ("a",))] if qualifies else [])


def test_queue_default_skill_routes_interactions_without_one() -> None:
    """A queue's default skill: an arrival without a skill needs it (R-SK-2: a descendant
    serves); one with its own skill keeps that; moved to a queue without a default, it needs
    no skill any more (the default belongs to the queue, not to the interaction)."""
    skills = tuple(SkillConfig(s.id, s.parent, overflow_out=False) for s in TREE)
    e = engine(
        [
            agent("plain", "q", "p", skills={"billing": 3}),
            agent("seller", "q", skills={"sales-fr": 3}),
        ],
        (QueueConfig("q", skill="sales"), QueueConfig("p")),
        skills,
        available=["plain"],
    )
    assert offers(arrive(e, "i", 1.0)) == []  # needs sales: "plain" does not qualify
    assert offers(arrive(e, "j", 2.0, skill="billing")) == [("j", ("plain",))]
    e.handle(OfferAccepted("j", "plain"), 3.0)
    assert offers(e.handle(InteractionEnded("j"), 4.0)) == []  # i still needs sales
    got = e.handle(AgentStateChanged("seller", AgentState.AVAILABLE), 5.0)
    assert offers(got) == [("i", ("seller",))]
    e.handle(OfferAccepted("i", "seller"), 6.0)
    moved = e.handle(InteractionTransferred("i", to_queue_id="p"), 7.0)
    assert offers(moved) == [("i", ("plain",))]


def test_r_sk_2_cycle_refused() -> None:
    """R-SK-2: a parent link that makes a cycle is refused."""
    cyc = (SkillConfig("a", parent="b"), SkillConfig("b", parent="a"))
    with pytest.raises(SkillCycleError):
        RoutingEngine(RoutingConfig(skills=cyc), seed=0)


@pytest.mark.parametrize(
    ("overflow_out", "receiver_skills", "receiver_in", "overflows"),
    [
        (True, {}, True, True),  # no skill at all: receives overflow
        (True, {"billing": 3}, True, True),  # holds a skill with overflow_in
        (True, {"billing": 3}, False, False),  # only skills without overflow_in
        (False, {}, True, False),  # the target skill forbids overflow out
    ],
)
def test_r_sk_4_overflow_out_and_in(
    overflow_out: bool, receiver_skills: dict[str, int], receiver_in: bool, overflows: bool
) -> None:
    """R-SK-4: overflow needs S.overflow_out and a receiver with no skill or an overflow_in one."""
    skills = (
        SkillConfig("sales", overflow_out=overflow_out),
        SkillConfig("billing", overflow_in=receiver_in),
    )
    e = engine([agent("r", skills=receiver_skills)], skills=skills)
    got = arrive(e, "i", 1.0, skill="sales")
    assert offers(got) == ([("i", ("r",))] if overflows else [])
    if overflows:
        assert got[0].explanation.overflow and got[0].explanation.rule == "R-SK-4"


def test_r_sk_4_qualified_agent_first() -> None:
    """R-SK-4: overflow only when no qualified agent can take it."""
    e = engine(
        [agent("other"), agent("expert", skills={"sales": 3})], skills=(SkillConfig("sales"),)
    )
    assert offers(arrive(e, "i", 1.0, skill="sales")) == [("i", ("expert",))]
    assert offers(arrive(e, "j", 2.0, skill="sales")) == [("j", ("other",))]


def test_r_sk_4_overflow_after_delay() -> None:
    """R-SK-4: with overflow_after_s, the interaction waits that long for a qualified agent."""
    e = engine([agent("other")], skills=(SkillConfig("sales", overflow_after_s=30),))
    assert offers(arrive(e, "i", 0.0, skill="sales")) == []
    assert e.next_deadline() == 30.0
    assert e.advance(29.0) == []
    got = e.advance(30.0)
    assert [type(d) for d in got] == [OverflowInteraction, type(got[1])]
    assert offers(got) == [("i", ("other",))]


def test_r_sk_4_overflow_delay_cancelled_when_answered() -> None:
    """R-SK-4: a qualified agent freeing up in time takes it; no overflow happens."""
    e = engine(
        [agent("other"), agent("expert", skills={"sales": 3})],
        skills=(SkillConfig("sales", overflow_after_s=30),),
        available=["other"],
    )
    arrive(e, "i", 0.0, skill="sales")
    got = e.handle(AgentStateChanged("expert", AgentState.AVAILABLE), 10.0)
    assert offers(got) == [("i", ("expert",))]
    e.handle(OfferAccepted("i", "expert"), 11.0)
    assert only(e.advance(40.0), OverflowInteraction) == []


def test_r_x_7_minimum_proficiency() -> None:
    """R-X-7: a step's minimum proficiency filters agents; descendants count (R-SK-2)."""
    skills = (SkillConfig("sales", overflow_out=False), SkillConfig("fr", parent="sales"))
    e = engine(
        [agent("junior", skills={"fr": 2}), agent("senior", skills={"fr": 5})], skills=skills
    )
    got = arrive(e, "i", 1.0, steps=(RoutingStep((("sales", 4),)),))
    assert offers(got) == [("i", ("senior",))]


def test_r_x_7_steps_widen_over_time() -> None:
    """R-X-7: when a step expires, the next, wider step applies and is offered at once."""
    skills = (SkillConfig("sales", overflow_out=False),)
    e = engine([agent("junior", skills={"sales": 2})], skills=skills)
    steps = (
        RoutingStep((("sales", 5),), expires_after_s=20),
        RoutingStep((("sales", 3),), expires_after_s=20),
        RoutingStep((("sales", 1),)),
    )
    assert offers(arrive(e, "i", 0.0, steps=steps)) == []
    first = e.advance(20.0)
    assert [d.step for d in only(first, WidenStep)] == [1]
    assert offers(first) == []
    second = e.advance(40.0)
    assert [d.step for d in only(second, WidenStep)] == [2]
    assert offers(second) == [("i", ("junior",))]
    assert second[-1].explanation.step == 2


def test_r_q_4_best_proficiency_strategy() -> None:
    """R-Q-4 best proficiency: the most proficient qualified agent first."""
    q = QueueConfig("q", strategy="best_proficiency")  # type: ignore[arg-type]
    e = engine(
        [agent("b", skills={"s": 2}), agent("a", skills={"s": 5}), agent("c", skills={"s": 4})],
        queues=(q,),
        skills=(SkillConfig("s", overflow_out=False),),
    )
    got = [offers(arrive(e, f"i{n}", float(n), skill="s"))[0][1][0] for n in range(3)]
    assert got == ["a", "c", "b"]
