"""The reference dashboard figures over facts (R-AN-1..R-AN-4, R-S-1): known answers written
by hand, and properties over generated logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.analytics.facts import AgentStateFact, InteractionFact, SegmentFact
from guichet.analytics.folds import fold_log
from guichet.analytics.metrics import (
    Filters,
    agent_performance,
    callers_in_queue,
    day_bounds,
    local_day_start,
    local_slot,
    realtime,
    resolved_conversations,
    state_seconds,
)

from .logs import Log, interaction_log

#: Monday 5 January 2026, 08:00 UTC = 09:00 in Paris.
B = datetime(2026, 1, 5, 8, 0, tzinfo=UTC).timestamp()
DAY = 86400.0


def fact(iid: int, arrived: float, **kw: Any) -> InteractionFact:
    """A fact with the given columns; offered at arrival unless ``queued_ts`` says otherwise."""
    base: dict[str, Any] = {
        "interaction_id": iid,
        "org_id": 1,
        "channel": "voice",
        "queue_id": 5,
        "skill_id": None,
        "agent_id": None,
        "first_agent_id": None,
        "arrived_ts": arrived,
        "queued_ts": arrived,
        "answered_ts": None,
        "abandoned_ts": None,
        "ended_ts": None,
        "wait_s": None,
        "talk_s": 0.0,
        "hold_s": 0.0,
        "wrap_s": 0.0,
        "first_response_s": None,
        "offers": 0,
        "no_answers": 0,
        "transfers": 0,
        "overflowed": False,
        "callback": False,
        "outcome": "waiting",
        "resolved": False,
        "last_event_id": iid,
    }
    base.update(kw)
    if base["answered_ts"] is not None:
        base["outcome"] = "handled"
        base["wait_s"] = base["answered_ts"] - base["queued_ts"]
    elif base["abandoned_ts"] is not None:
        base["outcome"] = "abandoned"
        base["wait_s"] = base["abandoned_ts"] - base["queued_ts"]
    return InteractionFact(**base)


def queue_facts() -> list[InteractionFact]:
    tue_0030_paris = datetime(2026, 1, 5, 23, 30, tzinfo=UTC).timestamp()
    return [
        fact(1, B, answered_ts=B + 10, agent_id=7),
        fact(2, B + 60, answered_ts=B + 90, agent_id=8),
        fact(3, B + 120, abandoned_ts=B + 135),
        fact(4, B + 3600, abandoned_ts=B + 3640, channel="chat"),
        fact(5, B + DAY, ended_ts=B + DAY + 50, outcome="missed", channel="chat", queue_id=6),
        fact(6, B + DAY + 60, channel="chat", queue_id=6),
        fact(7, B, queued_ts=None, outcome="unrouted", queue_id=None),
        fact(
            8,
            tue_0030_paris,
            answered_ts=tue_0030_paris + 5,
            channel="chat",
            queue_id=6,
            agent_id=7,
        ),
    ]


def test_callers_in_queue_totals_and_the_three_service_levels() -> None:
    got = callers_in_queue(queue_facts(), tz="Europe/Paris", threshold_s=20)
    assert got["totals"] == {
        "offered": 7,
        "handled": 3,
        "abandoned": 2,
        "missed": 3,  # the two abandoned and the one ended unanswered
        "waiting": 1,
        "answered_within": 2,
        "abandoned_within": 1,
        "asa_s": 15.0,  # (10 + 30 + 5) / 3
        "avg_abandon_wait_s": 27.5,  # (15 + 40) / 2
        "avg_wait_s": 20.0,  # (10 + 30 + 5 + 15 + 40) / 5
        "sl_offered": pytest.approx(2 / 7),
        "sl_answered": pytest.approx(2 / 3),
        "sl_abandons": pytest.approx(3 / 5),
    }
    # The threshold is inclusive: a wait of exactly T is within.
    assert callers_in_queue(queue_facts(), threshold_s=10)["totals"]["answered_within"] == 2
    assert callers_in_queue(queue_facts(), threshold_s=9.9)["totals"]["answered_within"] == 1


def test_callers_in_queue_by_local_day_and_heatmap() -> None:
    got = callers_in_queue(queue_facts(), tz="Europe/Paris")
    assert got["by_day"] == [
        {"date": "2026-01-05", "offered": 4, "handled": 2, "abandoned": 2, "missed": 2},
        {"date": "2026-01-06", "offered": 3, "handled": 1, "abandoned": 0, "missed": 1},
    ]
    heat = got["heatmap"]
    assert (heat[0][9], heat[0][10], heat[1][9], heat[1][0]) == (3, 1, 2, 1)
    assert sum(map(sum, heat)) == 7
    assert got["by_weekday"] == [4, 3, 0, 0, 0, 0, 0]
    assert got["by_hour"][0] == 1 and got["by_hour"][9] == 5 and got["by_hour"][10] == 1
    # In UTC the call of 23:30 stays on Monday.
    utc = callers_in_queue(queue_facts(), tz="UTC")
    assert utc["heatmap"][0][23] == 1 and utc["by_weekday"] == [5, 2, 0, 0, 0, 0, 0]


def test_callers_in_queue_filters() -> None:
    facts = queue_facts()

    def offered(f: Filters) -> int:
        return int(callers_in_queue(facts, f)["totals"]["offered"])

    assert offered(Filters(queue_ids=frozenset({5}))) == 4
    assert offered(Filters(channels=frozenset({"chat"}))) == 4
    assert offered(Filters(from_ts=B + 60, to_ts=B + 3600)) == 2  # [from, to)
    assert offered(Filters(agent_ids=frozenset({7}))) == 2
    assert offered(Filters(skill_ids=frozenset({1}))) == 0
    empty = callers_in_queue([], Filters())
    assert empty["totals"]["asa_s"] is None and empty["totals"]["sl_offered"] is None
    assert empty["by_day"] == []


def test_local_slots_follow_the_time_zone_and_dst() -> None:
    before = datetime(2026, 3, 29, 0, 30, tzinfo=UTC).timestamp()  # 01:30 in Paris (CET)
    after = datetime(2026, 3, 29, 1, 30, tzinfo=UTC).timestamp()  # 03:30 in Paris (CEST)
    assert local_slot(before, "Europe/Paris").hour == 1
    assert local_slot(after, "Europe/Paris").hour == 3
    start, end = day_bounds("2026-03-29", "Europe/Paris")
    assert end - start == 23 * 3600
    assert datetime.fromtimestamp(start, UTC) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    # India is UTC+05:30: 00:20 UTC is 05:50 local, in the slot starting 05:45.
    india = datetime(2026, 1, 5, 0, 20, tzinfo=UTC).timestamp()
    assert (local_slot(india, "Asia/Kolkata").hour, local_slot(india, "Asia/Kolkata").minute) == (
        5,
        45,
    )
    noon = datetime(2026, 1, 5, 12, 0, tzinfo=UTC).timestamp()
    assert (
        local_day_start(noon, "Pacific/Auckland")
        == datetime(2026, 1, 5, 11, 0, tzinfo=UTC).timestamp()
    )


def agent_data() -> tuple[list[AgentStateFact], list[SegmentFact], list[InteractionFact]]:
    def st_(eid: int, agent: int, state: str, start: float, end: float | None) -> AgentStateFact:
        return AgentStateFact(
            eid, 1, agent, state, "lunch" if state == "paused" else None, start, end
        )

    states = [
        st_(1, 7, "available", 0, 100),
        st_(2, 7, "busy", 100, 160),
        st_(3, 7, "wrap_up", 160, 190),
        st_(4, 7, "paused", 190, 250),
        st_(5, 7, "available", 250, None),
        st_(6, 8, "busy", 50, 110),
        st_(7, 8, "available", 110, None),
    ]
    segments = [
        SegmentFact(1, 0, 1, 7, 5, "voice", 100, 160, 50, 10, 30, "ended"),
        SegmentFact(2, 0, 1, 8, 6, "chat", 50, 110, 60, 0, 0, "transferred"),
        SegmentFact(2, 1, 1, 7, 6, "chat", 200, 240, 40, 0, 5, "ended"),
    ]
    facts = [fact(1, 90, skill_id=1), fact(2, 40, skill_id=2, channel="chat", queue_id=6)]
    return states, segments, facts


def test_agent_performance_per_agent_team_queue_and_channel() -> None:
    states, segments, facts = agent_data()
    got = agent_performance(states, segments, facts, now_ts=300)
    seven, eight = got["agents"]
    assert seven == {
        "agent_id": 7,
        "states": {"available": 150.0, "busy": 60.0, "paused": 60.0, "wrap_up": 30.0},
        "handled": 2,
        "talk_s": 90.0,
        "hold_s": 10.0,
        "wrap_s": 35.0,
        "handle_s": 135.0,
        "aht_s": 67.5,
        "occupancy": 0.375,  # (60 + 30) / (150 + 60 + 30)
    }
    assert eight == {
        "agent_id": 8,
        "states": {"available": 190.0, "busy": 60.0},
        "handled": 1,
        "talk_s": 60.0,
        "hold_s": 0.0,
        "wrap_s": 0.0,
        "handle_s": 60.0,
        "aht_s": 60.0,
        "occupancy": 0.24,  # 60 / 250
    }
    team = got["team"]
    assert (team["handled"], team["handle_s"], team["aht_s"]) == (2, 195.0, 97.5)
    assert team["occupancy"] == pytest.approx(150 / 490)
    assert [(q["queue_id"], q["handled"], q["handle_s"]) for q in got["by_queue"]] == [
        (5, 1, 90.0),
        (6, 1, 105.0),
    ]
    assert [(c["channel"], c["handle_s"]) for c in got["by_channel"]] == [
        ("chat", 105.0),
        ("voice", 90.0),
    ]


def test_agent_performance_filters_clip_states_and_pick_segments() -> None:
    states, segments, facts = agent_data()
    period = agent_performance(states, segments, facts, Filters(from_ts=120, to_ts=200), now_ts=300)
    seven, eight = period["agents"]
    assert seven["states"] == {"busy": 40.0, "paused": 10.0, "wrap_up": 30.0}
    assert seven["occupancy"] == 1.0 and seven["handled"] == 0 and seven["aht_s"] is None
    assert eight["states"] == {"available": 80.0} and eight["occupancy"] == 0.0
    skill = agent_performance(
        states, segments, facts, Filters(skill_ids=frozenset({2})), now_ts=300
    )
    assert [(a["agent_id"], a["handle_s"]) for a in skill["agents"]] == [(7, 45.0), (8, 60.0)]
    only8 = agent_performance(
        states, segments, facts, Filters(agent_ids=frozenset({8})), now_ts=300
    )
    assert [a["agent_id"] for a in only8["agents"]] == [8]
    # A current state counts until now.
    assert state_seconds(states, now_ts=260)[7]["available"] == 110.0


def test_resolved_conversations_per_channel_agent_and_reason() -> None:
    facts = [
        fact(1, B, answered_ts=B + 1, agent_id=7, resolved=True),
        fact(2, B, answered_ts=B + 1, agent_id=7, resolved=True, channel="chat"),
        fact(3, B, answered_ts=B + 1, agent_id=8, channel="chat"),
        fact(4, B, answered_ts=B + 1, agent_id=8, resolved=True, channel="chat"),
        fact(5, B, channel="email"),
    ]
    reasons = {
        1: [("tag", 1, "billing"), ("disposition", 3, "sold")],
        2: [("tag", 1, "billing"), ("tag", 1, "billing")],
        3: [("tag", 2, "bug")],
        4: [("tag", 2, "bug"), ("label", 9, "vip")],
    }
    got = resolved_conversations(facts, reasons)
    assert got["totals"] == {"conversations": 5, "resolved": 3}
    assert got["by_channel"] == [
        {"channel": "chat", "conversations": 3, "resolved": 2},
        {"channel": "email", "conversations": 1, "resolved": 0},
        {"channel": "voice", "conversations": 1, "resolved": 1},
    ]
    assert got["by_agent"] == [{"agent_id": 7, "resolved": 2}, {"agent_id": 8, "resolved": 1}]
    assert got["top_reasons"] == [
        {"kind": "tag", "id": 1, "name": "billing", "count": 2},
        {"kind": "disposition", "id": 3, "name": "sold", "count": 1},
        {"kind": "label", "id": 9, "name": "vip", "count": 1},
        {"kind": "tag", "id": 2, "name": "bug", "count": 1},
    ]
    assert len(resolved_conversations(facts, reasons, top=2)["top_reasons"]) == 2
    chat = resolved_conversations(facts, reasons, Filters(channels=frozenset({"chat"})))
    assert chat["totals"] == {"conversations": 3, "resolved": 2}


def test_realtime_window_today_and_longest_wait() -> None:
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC).timestamp()
    facts = [
        fact(1, now - 120, answered_ts=now - 100),  # wait 20, in the window
        fact(2, now - 950, abandoned_ts=now - 900),  # left exactly 15 min ago: out
        fact(3, now - 909, answered_ts=now - 899),  # wait 10, in
        fact(4, now - 45),  # waiting 45 s
        fact(5, now - 30),
        fact(6, now - 80, abandoned_ts=now - 10, queue_id=6),  # wait 70
        fact(7, now - DAY, answered_ts=now - DAY + 3, queue_id=6),  # yesterday
    ]
    got = realtime(facts, now_ts=now, thresholds={6: 60})
    assert got["day_start_ts"] == datetime(2026, 1, 5, tzinfo=UTC).timestamp()
    assert got["longest_wait_s"] == 45
    assert got["queues"] == [
        {
            "queue_id": 5,
            "avg_wait_15m_s": 15.0,
            "left_15m": 2,
            "offered_today": 5,
            "answered_today": 2,
            "abandoned_today": 1,
            "answered_within_today": 2,
            "threshold_s": 20.0,
            "sl_today": 0.4,
            "waiting": 2,
            "longest_wait_s": 45.0,
        },
        {
            "queue_id": 6,
            "avg_wait_15m_s": 70.0,
            "left_15m": 1,
            "offered_today": 1,
            "answered_today": 0,
            "abandoned_today": 1,
            "answered_within_today": 0,
            "threshold_s": 60,
            "sl_today": 0.0,
            "waiting": 0,
            "longest_wait_s": None,
        },
    ]
    only6 = realtime(facts, Filters(queue_ids=frozenset({6})), now_ts=now)
    assert [q["queue_id"] for q in only6["queues"]] == [6] and only6["longest_wait_s"] is None


@st.composite
def generated_log(draw: st.DrawFn) -> Log:
    log = Log()
    for iid in range(1, draw(st.integers(1, 12)) + 1):
        draw(interaction_log(log, iid, B + float(draw(st.integers(0, 7 * 86400)))))
    return log


@settings(max_examples=100, deadline=None)
@given(generated_log(), st.sampled_from(["UTC", "Europe/Paris", "America/New_York"]))
def test_counts_add_up_on_generated_logs(log: Log, tz: str) -> None:
    facts = fold_log(log.rows)
    got = callers_in_queue(facts.interactions, tz=tz)
    t = got["totals"]
    assert t["handled"] + t["missed"] + t["waiting"] == t["offered"]
    assert t["abandoned"] <= t["missed"]
    assert sum(d["offered"] for d in got["by_day"]) == t["offered"]
    assert sum(d["handled"] for d in got["by_day"]) == t["handled"]
    assert sum(got["by_weekday"]) == sum(got["by_hour"]) == t["offered"]
    for key in ("sl_offered", "sl_answered", "sl_abandons"):
        assert t[key] is None or 0.0 <= t[key] <= 1.0
    perf = agent_performance([], facts.segments, facts.interactions, now_ts=B + 10 * DAY)
    assert perf["team"]["handle_s"] == pytest.approx(
        sum(f.talk_s + f.hold_s + f.wrap_s for f in facts.interactions)
    )
    assert sum(a["handled"] for a in perf["agents"]) >= perf["team"]["handled"]
    assert perf["team"]["handled"] == sum(1 for f in facts.interactions if f.handled)
    res = resolved_conversations(facts.interactions, {})
    assert res["totals"]["resolved"] == sum(a["resolved"] for a in res["by_agent"])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([7, 8]),
            st.integers(0, 100),
            st.sampled_from(["available", "busy", "paused"]),
        ),
        min_size=1,
        max_size=20,
    ),
    st.integers(0, 1200),
    st.integers(0, 1200),
)
def test_state_time_fills_the_clipped_period(
    changes: list[tuple[int, int, str]], low: int, span: int
) -> None:
    log = Log()
    t = 0.0
    for agent, dt, state in changes:
        t += dt
        log.state(t, agent, state)
    states = fold_log(log.rows).states
    now = t + 50
    got = state_seconds(states, Filters(from_ts=low, to_ts=low + span), now_ts=now)
    for agent in {a for a, _, _ in changes}:
        first = min(s.start_ts for s in states if s.agent_id == agent)
        expected = max(0.0, min(low + span, now) - max(low, first))
        assert sum(got.get(agent, {}).values()) == pytest.approx(expected)
