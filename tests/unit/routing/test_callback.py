"""Queue callback (R-Q-6): offer condition, rolling average, caller IDs, threshold parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.routing.callback import (
    CallbackPolicy,
    CallbackReason,
    CallbackSettingError,
    WaitTracker,
    parse_threshold,
    should_offer_callback,
    validate_callback_policy,
)
from guichet.routing.numbers import NumberType, classify_number, is_valid_caller_id

POLICY = CallbackPolicy(enabled=True, threshold_s=60.0, caller_id="+33 1 23 45 67 89")
MOBILE = "06 12 34 56 78"


def tracker_with_waits(*waits: float, at: float = 1000.0) -> WaitTracker:
    tracker = WaitTracker()
    for i, wait in enumerate(waits):
        tracker.record_arrival("q", f"old{i}", at - wait)
        tracker.record_departure("q", f"old{i}", at)
    return tracker


def check(tracker: WaitTracker, **overrides: object) -> tuple[bool, CallbackReason]:
    args: dict[str, object] = {
        "now": 1000.0,
        "available_agents": 0,
        "caller_id": MOBILE,
        "already_offered": False,
    }
    args.update(overrides)
    policy = args.pop("policy", POLICY)
    result = should_offer_callback(policy, tracker, "q", **args)  # type: ignore[arg-type]
    return result.offer, result.reason


def test_r_q_6_offered_when_average_exceeds_threshold() -> None:
    """R-Q-6: average wait 90 s over the last 15 minutes > 60 s: the callback is offered."""
    result = should_offer_callback(
        POLICY,
        tracker_with_waits(80, 100),
        "q",
        now=1000.0,
        available_agents=0,
        caller_id=MOBILE,
        already_offered=False,
    )
    assert result.offer and result.reason is CallbackReason.OFFERED
    assert result.average_wait_s == pytest.approx(90.0)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"policy": CallbackPolicy(enabled=False)}, CallbackReason.DISABLED),
        ({"policy": None}, CallbackReason.DISABLED),
        ({"already_offered": True}, CallbackReason.ALREADY_OFFERED),
        ({"caller_id": "anonymous"}, CallbackReason.INVALID_CALLER_ID),
        ({"caller_id": ""}, CallbackReason.INVALID_CALLER_ID),
        ({"caller_id": None}, CallbackReason.INVALID_CALLER_ID),
        ({"caller_id": "+44 20 7946 0958"}, CallbackReason.NUMBER_TYPE_NOT_ALLOWED),
        ({"caller_id": "0800 123 456"}, CallbackReason.NUMBER_TYPE_NOT_ALLOWED),
        ({"available_agents": 1}, CallbackReason.AGENTS_AVAILABLE),
        ({"now": 1000.0 + 900.0}, CallbackReason.NO_RECENT_CALLS),
    ],
)
def test_r_q_6_not_offered(overrides: dict[str, object], reason: CallbackReason) -> None:
    """R-Q-6: disabled, offered once already, no valid caller ID, wrong number type, agents
    available, or no call in the last 15 minutes: no callback."""
    assert check(tracker_with_waits(80, 100), **overrides) == (False, reason)


def test_r_q_6_not_offered_under_or_at_threshold() -> None:
    """R-Q-6: the average must exceed the threshold; equal is not enough."""
    assert check(tracker_with_waits(30, 90)) == (False, CallbackReason.BELOW_THRESHOLD)
    assert check(tracker_with_waits(61, 61)) == (True, CallbackReason.OFFERED)


def test_r_q_6_callers_still_waiting_count_and_the_asking_call_does_not() -> None:
    """R-Q-6: a jammed queue (nobody answered) still triggers; the asking call is excluded."""
    tracker = WaitTracker()
    tracker.record_arrival("q", "stuck", 800.0)
    tracker.record_arrival("q", "me", 999.0)
    offer, _ = check(tracker, call_id="me")
    assert offer  # "stuck" has waited 200 s
    assert tracker.average_wait("q", 1000.0) == pytest.approx(100.5)
    alone = WaitTracker()
    alone.record_arrival("q", "me", 100.0)
    assert check(alone, call_id="me") == (False, CallbackReason.NO_RECENT_CALLS)


def test_r_q_6_window_slides_and_departures_of_unknown_calls_are_ignored() -> None:
    """R-Q-6: a wait ended exactly 15 minutes ago has left the window."""
    tracker = WaitTracker()
    tracker.record_wait("q", 300.0, 0.0)
    tracker.record_wait("q", 100.0, 500.0)
    assert tracker.average_wait("q", 899.0) == pytest.approx(200.0)
    assert tracker.average_wait("q", 900.0) == pytest.approx(100.0)
    assert tracker.average_wait("q", 1400.0) is None
    assert tracker.record_departure("q", "never-arrived", 1.0) is None
    assert tracker.average_wait("other", 1.0) is None


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=400, allow_nan=False),
            st.floats(min_value=0, max_value=2000, allow_nan=False),
            st.booleans(),
        ),
        max_size=60,
    )
)
def test_r_q_6_rolling_average_equals_brute_force(steps: list[tuple[float, float, bool]]) -> None:
    """R-Q-6 (property): the O(1) rolling average equals a recomputation from scratch."""
    tracker = WaitTracker(window_s=900.0)
    now = 0.0
    done: list[tuple[float, float]] = []
    waiting: dict[str, float] = {}
    for i, (advance, wait, arrive) in enumerate(steps):
        now += advance
        if arrive:
            tracker.record_arrival("q", f"c{i}", now)
            waiting[f"c{i}"] = round(now * 1000) / 1000
        elif waiting:
            call_id = next(iter(waiting))
            tracker.record_departure("q", call_id, now)
            done.append((now, max(0.0, round(now * 1000) / 1000 - waiting.pop(call_id))))
        else:
            tracker.record_wait("q", wait, now)
            done.append((now, round(wait * 1000) / 1000))
        recent = [w for t, w in done if t > now - 900.0]
        recent += [max(0.0, round(now * 1000) / 1000 - a) for a in waiting.values()]
        expected = sum(recent) / len(recent) if recent else None
        got = tracker.average_wait("q", now)
        if expected is None:
            assert got is None
        else:
            assert got == pytest.approx(expected, abs=2e-3)


@pytest.mark.parametrize(
    ("value", "unit", "seconds"),
    [("45", "s", 45.0), ("2", "min", 120.0), ("1,5", "minutes", 90.0), (2, "h", 7200.0)],
)
def test_r_q_6_parse_threshold_units(value: str | int, unit: str, seconds: float) -> None:
    """R-Q-6: the threshold is given in seconds, minutes or hours."""
    assert parse_threshold(value, unit) == seconds


@pytest.mark.parametrize(
    ("value", "unit", "code"),
    [
        ("0", "s", "not_positive"),
        (-5, "min", "not_positive"),
        ("10s", "s", "not_numeric"),
        ("abc", "s", "not_numeric"),
        ("", "s", "not_numeric"),
        (True, "s", "not_numeric"),
        (float("nan"), "s", "not_numeric"),
        ("25", "h", "too_large"),
        ("5", "days", "unknown_unit"),
    ],
)
def test_r_q_6_parse_threshold_refuses(value: str | float, unit: str, code: str) -> None:
    """R-Q-6: the threshold must be > 0; non-numeric text is refused, with a code."""
    with pytest.raises(CallbackSettingError) as info:
        parse_threshold(value, unit)
    assert info.value.code == code and info.value.rule_id == "R-Q-6"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("number", "country", "kind"),
    [
        ("+33 6 12 34 56 78", "33", NumberType.MOBILE),
        ("07.81.23.45.67", "33", NumberType.MOBILE),
        ("01 23 45 67 89", "33", NumberType.LANDLINE),
        ("0800 123 456", "33", NumberType.TOLL_FREE),
        ("0899 123 456", "33", NumberType.PREMIUM),
        ("0044 20 7946 0958", "33", NumberType.INTERNATIONAL),
        ("+44 7400 123456", "44", NumberType.MOBILE),
        ("(800) 555-0199", "1", NumberType.TOLL_FREE),
        ("212-555-0199", "1", NumberType.LANDLINE),
        ("+1 212 555 0199", "33", NumberType.INTERNATIONAL),
        ("+39 06 1234 5678", "39", NumberType.LANDLINE),
    ],
)
def test_r_q_6_number_types(number: str, country: str, kind: NumberType) -> None:
    """R-Q-6: allowed number types are checked with libphonenumber's plans (issue 13; more
    countries in test_numbers.py)."""
    assert classify_number(number, country_code=country) is kind


@pytest.mark.parametrize(
    "value",
    [
        *("", "anonymous", "Withheld", "private", "unknown", "123", "+0612345678", "06 12 34"),
        "abc",
        "+３３６１２３４５６７８",  # full-width digits are no number (issue 12 finding 7)
        "٠٦١٢٣٤٥٦٧٨",  # nor Arabic-Indic ones
    ],
)
def test_r_q_6_invalid_caller_ids(value: str) -> None:
    """R-Q-6: anonymous, withheld, empty, short or lettered caller IDs are not valid."""
    assert not is_valid_caller_id(value)


def test_r_q_6_policy_validation() -> None:
    """R-Q-6: an enabled policy needs a positive threshold, a caller ID and a number type."""
    bad = CallbackPolicy(
        enabled=True, threshold_s=0, caller_id="x", allowed_number_types=frozenset()
    )
    fields = {p.field for p in validate_callback_policy(bad)}
    assert fields == {"threshold_s", "caller_id", "allowed_number_types"}
    assert validate_callback_policy(POLICY) == []
