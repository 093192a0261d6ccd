"""Targeting rules (R-TR-1): operators, first match, default, validation, safe regexes."""

from __future__ import annotations

import pickle
import time as clock
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.domain.enums import Channel
from guichet.routing.targeting import (
    Condition,
    TargetAction,
    TargetingRule,
    evaluate_condition,
    evaluate_rules,
    validate_rule,
    validate_rules,
)

# A Wednesday, 10:30 local time.
WED_1030 = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
SAT_2300 = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)

CONTEXT: dict[str, Any] = {
    "page_url": "https://shop.example/Pricing/plans?x=1",
    "referrer": "https://search.example/q=shoes",
    "language": "fr-FR",
    "country": "FR",
    "device": "mobile",
    "attributes": {"plan": "gold", "cart_total": "149.90"},
}


def rule(rule_id: str, *conditions: Condition, queue: str = "q1") -> TargetingRule:
    return TargetingRule(rule_id, f"rule {rule_id}", conditions, TargetAction(queue_id=queue))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (Condition("page_url", "equals", "https://shop.example/pricing/plans?x=1"), True),
        (Condition("page_url", "contains", "/pricing"), True),
        (Condition("page_url", "not_contains", "/pricing"), False),
        (Condition("page_url", "starts_with", "https://shop."), True),
        (Condition("page_url", "ends_with", "x=1"), True),
        (Condition("page_url", "matches", r"/Pricing/\w+"), True),
        (Condition("page_url", "matches", r"/checkout"), False),
        (Condition("page_url", "not_matches", r"/checkout"), True),
        (Condition("referrer", "contains", "search.example"), True),
        (Condition("language", "in", "de,fr-fr"), True),
        (Condition("language", "starts_with", "fr"), True),
        (Condition("country", "equals", "fr"), True),
        (Condition("country", "not_equals", "FR"), False),
        (Condition("country", "not_in", ("BE", "CH")), True),
        (Condition("device", "equals", "desktop"), False),
        (Condition("attributes.plan", "equals", "Gold"), True),
        (Condition("attributes.cart_total", "gt", "100"), True),
        (Condition("attributes.cart_total", "lte", "100"), False),
        (Condition("attributes.plan", "gt", "100"), False),
        (Condition("attributes.missing", "exists"), False),
        (Condition("attributes.missing", "not_exists"), True),
        (Condition("attributes.missing", "not_equals", "x"), True),
        (Condition("attributes.missing", "equals", "x"), False),
        (Condition("channel", "equals", "chat"), True),
        (Condition("channel", "in", "voice,email"), False),
        (Condition("time_of_day", "between", "09:00-12:00"), True),
        (Condition("time_of_day", "not_between", "09:00-12:00"), False),
        (Condition("time_of_day", "between", "22:00-06:00"), False),
        (Condition("weekday", "in", "mon-fri"), True),
        (Condition("weekday", "in", "sat,sun"), False),
        (Condition("business_hours", "open", "mon-fri 09:00-18:00; sat 09:00-12:00"), True),
        (Condition("business_hours", "closed", "mon-fri 09:00-18:00"), False),
        (Condition("unknown_field", "equals", "x"), False),
        (Condition("country", "between", "x"), False),
    ],
)
def test_r_tr_1_condition_operators(condition: Condition, expected: bool) -> None:
    """R-TR-1: each field/operator pair evaluates against the contact context."""
    got = evaluate_condition(condition, CONTEXT, channel=Channel.CHAT, now_local=WED_1030)
    assert got is expected


def test_r_tr_1_time_range_wraps_midnight_and_business_hours_closed_at_night() -> None:
    """R-TR-1: 22:00-06:00 holds at 23:00; business hours are closed on Saturday night."""
    night = Condition("time_of_day", "between", "22:00-06:00")
    closed = Condition("business_hours", "closed", "mon-fri 09:00-18:00; sat 09:00-12:00")
    for cond in (night, closed):
        assert evaluate_condition(cond, CONTEXT, channel="voice", now_local=SAT_2300)


def test_r_tr_1_first_matching_rule_wins_and_explains() -> None:
    """R-TR-1, R-X-3: rules are tried in order; the result names the rule and conditions."""
    rules = [
        rule("r1", Condition("country", "equals", "BE"), queue="belgium"),
        rule("r2", Condition("page_url", "contains", "/pricing"), queue="sales"),
        rule("r3", Condition("device", "equals", "mobile"), queue="mobile"),
    ]
    result = evaluate_rules(
        rules, TargetAction(queue_id="general"), CONTEXT, channel="chat", now_local=WED_1030
    )
    assert (result.rule_id, result.action.queue_id if result.action else None) == ("r2", "sales")
    assert not result.is_default
    assert result.rules_checked == 2
    assert "r2" in result.explain() and "/pricing" in result.explain()


def test_r_tr_1_default_rule_when_none_matches_and_disabled_rules_skipped() -> None:
    """R-TR-1: a disabled rule never matches; the default applies when nothing does."""
    disabled = TargetingRule("r0", "off", (), TargetAction(queue_id="never"), enabled=False)
    rules = [disabled, rule("r1", Condition("country", "equals", "BE"))]
    default = TargetAction(skill_id="general", priority=2.0)
    result = evaluate_rules(rules, default, None, channel="voice", now_local=WED_1030)
    assert result.is_default and result.action == default and result.rule_id is None
    assert result.rules_checked == 1
    assert "default" in result.explain()


def test_r_tr_1_rule_without_conditions_always_matches() -> None:
    """R-TR-1: an empty condition list is a catch-all."""
    result = evaluate_rules([rule("all")], None, CONTEXT, channel=Channel.EMAIL, now_local=WED_1030)
    assert result.rule_id == "all"


@pytest.mark.parametrize(
    ("condition", "path"),
    [
        (Condition("colour", "equals", "red"), "/conditions/0/field"),
        (Condition("country", "matches_fuzzy", "FR"), "/conditions/0/operator"),
        (Condition("country", "equals", ""), "/conditions/0/value"),
        (Condition("page_url", "matches", "(unclosed"), "/conditions/0/value"),
        (Condition("page_url", "matches", "(a+)+$"), "/conditions/0/value"),
        (Condition("page_url", "matches", "x" * 400), "/conditions/0/value"),
        (Condition("channel", "equals", "fax"), "/conditions/0/value"),
        (Condition("time_of_day", "between", "25:00-26:00"), "/conditions/0/value"),
        (Condition("weekday", "in", "mon-funday"), "/conditions/0/value"),
        (Condition("business_hours", "open", "weekdays 9-5"), "/conditions/0/value"),
        (Condition("attributes.total", "gt", "lots"), "/conditions/0/value"),
    ],
)
def test_r_tr_1_validate_rule_refuses_bad_conditions(condition: Condition, path: str) -> None:
    """R-TR-1: unknown fields/operators, bad or unsafe regexes and malformed values."""
    problems = validate_rule(rule("r1", condition))
    assert [p.field for p in problems] == [path]
    assert all(p.rule_id == "R-TR-1" and p.message for p in problems)


def test_r_tr_1_validate_rule_refuses_empty_action_and_unknown_targets() -> None:
    """R-TR-1: an action must route somewhere known; priority is a number >= 0."""
    empty = TargetingRule("r1", "x", (), TargetAction())
    assert [p.field for p in validate_rule(empty)] == ["/action"]
    bad = TargetingRule("r2", " ", (), TargetAction("nope", "gone", priority=-1))
    fields = {p.field for p in validate_rule(bad, known_skill_ids={"s"}, known_queue_ids={"q"})}
    assert fields == {"/name", "/action/skill_id", "/action/queue_id", "/action/priority"}


def test_r_tr_1_valid_rules_have_no_problems_and_duplicates_are_refused() -> None:
    """R-TR-1: a well-formed list validates; a repeated rule id is refused."""
    good = rule(
        "r1",
        Condition("page_url", "matches", r"^https://[^/]+/pricing"),
        Condition("business_hours", "open", ("mon-fri 09:00-18:00", "sat,sun 10:00-12:00")),
        Condition("channel", "in", ("chat", "voice")),
        Condition("attributes.vip", "exists"),
    )
    assert validate_rule(good) == []
    assert [p.field for p in validate_rules([good, good])] == ["/1/id"]


def test_r_tr_1_unsafe_regex_never_runs_and_long_input_is_cut() -> None:
    """R-TR-1: a catastrophic pattern is refused at evaluation too; input length is capped."""
    evil = Condition("page_url", "matches", "(a+)+$")
    ctx = {"page_url": "a" * 5000 + "!"}
    start = clock.perf_counter()
    assert not evaluate_condition(evil, ctx, channel="chat", now_local=WED_1030)
    tail = Condition("page_url", "ends_with", "!")
    assert not evaluate_condition(tail, ctx, channel="chat", now_local=WED_1030)
    assert clock.perf_counter() - start < 0.5


FIELDS = ["page_url", "language", "channel", "time_of_day", "weekday", "business_hours"]
FIELDS += ["attributes.total", "colour"]
OPERATORS = ["equals", "not_in", "matches", "gt", "between", "open", "exists", "bogus"]
text = st.text(max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(FIELDS),
    operator=st.sampled_from(OPERATORS),
    value=st.one_of(text, st.tuples(text, text)),
    context=st.dictionaries(
        st.sampled_from(["page_url", "language", "attributes"]),
        st.one_of(text, st.integers(), st.none(), st.dictionaries(text, text, max_size=2)),
    ),
)
def test_r_tr_1_any_condition_on_any_context_evaluates_without_error(
    field: str, operator: str, value: str | tuple[str, ...], context: dict[str, Any]
) -> None:
    """R-TR-1 (property): untrusted contexts and any saved condition never raise; a
    condition that validation refuses for its field or operator never matches."""
    condition = Condition(field, operator, value)
    got = evaluate_condition(condition, context, channel="chat", now_local=WED_1030)
    assert isinstance(got, bool)
    problems = validate_rule(rule("r", condition))
    if any(p.field.endswith(("/field", "/operator")) for p in problems):
        assert got is False


def test_r_tr_1_conditions_pickle_and_compare_by_value() -> None:
    """R-TR-1: a compiled condition survives pickling (configuration snapshots) and compares
    by field, operator and value only."""
    condition = Condition("page_url", "contains", "/pricing")
    copy = pickle.loads(pickle.dumps(condition))
    assert copy == condition and hash(copy) == hash(condition)
    assert evaluate_condition(copy, CONTEXT, channel="chat", now_local=WED_1030)
