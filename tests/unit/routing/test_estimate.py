"""Estimated wait time and queue position (R-X-6)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.routing.estimate import Confidence, announce_minutes, estimate_wait


def test_r_x_6_position_times_aht_over_serving_agents() -> None:
    """R-X-6: 4 ahead, 5 busy agents, AHT 300 s: 5 x 300 / 5 = 300 s, position 5."""
    est = estimate_wait(ahead=4, serving_agents=5, aht_s=300.0, aht_samples=50)
    assert est.position == 5
    assert est.wait_s == pytest.approx(300.0)
    assert est.basis == "handle_time"


def test_r_x_6_idle_agents_take_the_first_contacts_at_once() -> None:
    """R-X-6: with 2 idle agents, the 2 first contacts wait 0; the third waits one slot."""
    assert estimate_wait(ahead=1, serving_agents=4, idle_agents=2, aht_s=200.0).wait_s == 0.0
    third = estimate_wait(ahead=2, serving_agents=4, idle_agents=2, aht_s=200.0)
    assert third.wait_s == pytest.approx(50.0)


def test_r_x_6_no_serving_agent_gives_no_estimate() -> None:
    """R-X-6: nobody serves the queue: position known, wait unknown, confidence none."""
    est = estimate_wait(ahead=3, serving_agents=0, aht_s=120.0)
    assert (est.position, est.wait_s, est.confidence) == (4, None, Confidence.NONE)
    assert announce_minutes(est) is None


def test_r_x_6_answer_rate_blends_in_with_enough_answers() -> None:
    """R-X-6: 30 answers in 900 s (1 per 30 s) fully replace the handle-time rate."""
    est = estimate_wait(ahead=9, serving_agents=2, aht_s=600.0, aht_samples=30, answered_recent=30)
    assert est.wait_s == pytest.approx(10 * 30.0)
    assert est.basis == "blended"
    assert est.confidence is Confidence.HIGH


@pytest.mark.parametrize(
    ("aht_s", "aht_samples", "answers", "confidence"),
    [
        (None, 0, 0, Confidence.LOW),
        (120.0, 2, 3, Confidence.LOW),
        (120.0, 10, 0, Confidence.MEDIUM),
        (120.0, 25, 25, Confidence.HIGH),
    ],
)
def test_r_x_6_confidence_flags_thin_data(
    aht_s: float | None, aht_samples: int, answers: int, confidence: Confidence
) -> None:
    """R-X-6: thin data (no measured handle time, few answers) lowers the confidence."""
    est = estimate_wait(
        ahead=2, serving_agents=1, aht_s=aht_s, aht_samples=aht_samples, answered_recent=answers
    )
    assert est.confidence is confidence


def test_r_x_6_announced_minutes_round_up() -> None:
    """R-X-6: 61 s is announced as 2 minutes; no wait as 0."""
    assert announce_minutes(estimate_wait(ahead=0, serving_agents=1, aht_s=61.0)) == 2
    assert announce_minutes(estimate_wait(ahead=0, serving_agents=1, idle_agents=1)) == 0


@given(
    ahead=st.integers(min_value=-5, max_value=10_000),
    serving=st.integers(min_value=1, max_value=500),
    idle=st.integers(min_value=-5, max_value=600),
    aht=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    answers=st.integers(min_value=-5, max_value=10_000),
)
def test_r_x_6_never_negative_and_monotonic_in_position(
    ahead: int, serving: int, idle: int, aht: float | None, answers: int
) -> None:
    """R-X-6 (property): the estimate is never negative and grows with the position."""
    first = estimate_wait(
        ahead=ahead, serving_agents=serving, idle_agents=idle, aht_s=aht, answered_recent=answers
    )
    later = estimate_wait(
        ahead=max(0, ahead) + 1,
        serving_agents=serving,
        idle_agents=idle,
        aht_s=aht,
        answered_recent=answers,
    )
    assert first.wait_s is not None and later.wait_s is not None
    assert 0.0 <= first.wait_s <= later.wait_s
