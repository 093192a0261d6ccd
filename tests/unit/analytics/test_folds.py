"""Folds of the event log into facts (R-AN-1, R-AN-3, R-AN-8): hand-made logs with known
answers, and properties over generated logs."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.analytics.facts import InteractionFact, LogRow, SegmentFact
from guichet.analytics.folds import fold_agent_states, fold_interaction, fold_log
from guichet.persistence.models import InteractionEvent

from .logs import Log, interaction_log


def fold(log: Log) -> tuple[InteractionFact, list[SegmentFact]]:
    got = fold_interaction(log.rows)
    assert got is not None
    return got


def test_voice_call_with_wait_talk_and_wrap_up() -> None:
    log = Log()
    log.add(0, "interaction.arrived", 1, queue_id=5, channel="voice")
    log.add(0, "interaction.queued", 1, queue_id=5, skill_id=3, channel="voice")
    log.add(5, "interaction.offered", 1, agent_id=7, queue_id=5)
    log.add(8, "offer.accepted", 1, agent_id=7)
    log.add(8, "interaction.assigned", 1, agent_id=7, queue_id=5)
    # The loop writes the event (the end), then the decisions it caused (the wrap-up).
    log.add(68, "interaction.ended", 1)
    log.add(68, "agent.wrap_up_started", 1, agent_id=7, data={"until": 98.0})
    log.add(98, "agent.wrap_up_ended", 1, agent_id=7)
    fact, segs = fold(log)
    assert (fact.arrived_ts, fact.queued_ts, fact.answered_ts, fact.ended_ts) == (0, 0, 8, 68)
    assert fact.wait_s == 8
    assert (fact.talk_s, fact.hold_s, fact.wrap_s, fact.handle_s) == (60, 0, 30, 90)
    assert (fact.outcome, fact.resolved, fact.agent_id, fact.first_agent_id) == (
        "handled",
        True,
        7,
        7,
    )
    assert (fact.queue_id, fact.skill_id, fact.channel, fact.org_id) == (5, 3, "voice", 1)
    assert (fact.offers, fact.no_answers, fact.transfers, fact.last_event_id) == (1, 0, 0, 8)
    assert segs == [SegmentFact(1, 0, 1, 7, 5, "voice", 8, 68, 60, 0, 30, "ended")]


def test_offered_at_once_has_no_queued_row_and_waits_zero() -> None:
    log = Log()
    log.add(100, "interaction.arrived", 1, channel="chat")
    log.add(100, "interaction.assigned", 1, agent_id=7, queue_id=2)
    fact, segs = fold(log)
    assert fact.offered and fact.queued_ts == 100 and fact.wait_s == 0
    assert fact.outcome == "handled" and not fact.resolved
    assert segs[0].end_reason == "open" and segs[0].end_ts is None and segs[0].talk_s == 0


def test_abandoned_after_an_expired_offer() -> None:
    log = Log()
    log.add(0, "interaction.arrived", 1, channel="voice")
    log.add(0, "interaction.queued", 1, queue_id=5)
    log.add(10, "interaction.offered", 1, agent_id=7)
    log.add(30, "interaction.requeued", 1, agent_id=7, data={"reason": "expired"})
    log.add(31, "interaction.offered", 1, agent_id=8)
    log.add(45, "interaction.ended", 1)
    log.add(45, "offer.withdrawn", 1, agent_id=8, data={"reason": "abandoned"})
    log.add(45, "interaction.abandoned", 1, data={"waited_s": 45.0})
    fact, segs = fold(log)
    assert (fact.outcome, fact.abandoned_ts, fact.wait_s, fact.ended_ts) == (
        "abandoned",
        45,
        45,
        45,
    )
    assert (fact.offers, fact.no_answers, fact.resolved, fact.agent_id) == (2, 1, False, None)
    assert segs == []


def test_ended_while_paused_closes_the_hold_and_has_no_wrap_up() -> None:
    log = Log()
    log.add(1000, "interaction.arrived", 1, channel="chat")
    log.add(1000, "interaction.queued", 1, queue_id=5)
    log.add(1012, "interaction.assigned", 1, agent_id=7)
    log.add(1030, "conversation.paused", 1)
    log.add(1050, "interaction.ended", 1)
    fact, segs = fold(log)
    assert (fact.talk_s, fact.hold_s, fact.wrap_s) == (18, 20, 0)
    assert segs[0].end_reason == "ended" and fact.resolved


def test_resumed_conversation_goes_back_through_the_queue() -> None:
    log = Log()
    log.add(0, "interaction.arrived", 1, channel="chat")
    log.add(0, "interaction.queued", 1, queue_id=5)
    log.add(10, "interaction.assigned", 1, agent_id=7)
    log.add(20, "conversation.paused", 1)
    log.add(50, "conversation.resumed", 1)
    log.add(50, "interaction.requeued", 1, agent_id=7, data={"reason": "resumed"})
    log.add(50, "interaction.assigned", 1, agent_id=7)
    log.add(80, "interaction.ended", 1)
    fact, segs = fold(log)
    assert [(s.start_ts, s.end_ts, s.talk_s, s.hold_s, s.end_reason) for s in segs] == [
        (10, 50, 10, 30, "requeued"),
        (50, 80, 30, 0, "ended"),
    ]
    assert (fact.talk_s, fact.hold_s, fact.wait_s, fact.answered_ts) == (40, 30, 10, 10)


def test_transfer_to_an_agent_closes_the_segment_and_opens_the_next() -> None:
    log = Log()
    log.add(0, "interaction.arrived", 1, channel="voice")
    log.add(0, "interaction.queued", 1, queue_id=5)
    log.add(5, "interaction.assigned", 1, agent_id=7, queue_id=5)
    # One batch: the transfer, then its decisions (personal queue, assigned to 8).
    log.add(65, "interaction.transferred", 1, data={"to_agent_id": "8"})
    log.add(65, "interaction.queued", 1, queue_id=5, data={"personal_agent_id": "8"})
    log.add(65, "interaction.assigned", 1, agent_id=8, queue_id=5)
    log.add(125, "interaction.ended", 1)
    fact, segs = fold(log)
    assert [(s.seq, s.agent_id, s.start_ts, s.end_ts, s.end_reason) for s in segs] == [
        (0, 7, 5, 65, "transferred"),
        (1, 8, 65, 125, "ended"),
    ]
    assert (fact.transfers, fact.agent_id, fact.first_agent_id, fact.talk_s) == (1, 8, 7, 120)
    assert fact.resolved and fact.wait_s == 5


def test_transfer_to_another_queue_keeps_the_first_queue() -> None:
    """Answered in queue 5 after 10 s, then transferred to queue 6 (skill 4) and answered
    there: the interaction counts in queue 5 with its 10 s wait (R-AN-1), its segments say
    where each part of the talk happened (R-AN-3)."""
    log = Log()
    log.add(0, "interaction.arrived", 1, channel="voice")
    log.add(0, "interaction.queued", 1, queue_id=5, skill_id=3)
    log.add(10, "interaction.assigned", 1, agent_id=7, queue_id=5)
    log.add(70, "interaction.transferred", 1, data={"to_queue_id": "6"})
    log.add(70, "interaction.queued", 1, queue_id=6, skill_id=4)
    log.add(100, "interaction.assigned", 1, agent_id=8, queue_id=6)
    log.add(160, "interaction.ended", 1)
    fact, segs = fold(log)
    assert (fact.queue_id, fact.skill_id, fact.wait_s, fact.answered_ts) == (5, 3, 10, 10)
    assert [(s.agent_id, s.queue_id, s.talk_s) for s in segs] == [(7, 5, 60), (8, 6, 60)]
    assert (fact.agent_id, fact.first_agent_id, fact.transfers) == (8, 7, 1)


def test_accepted_callback_survives_the_callers_hang_up() -> None:
    log = Log()
    log.add(0, "interaction.arrived", 1, channel="voice")
    log.add(0, "interaction.queued", 1, queue_id=5)
    log.add(60, "callback.offered", 1, queue_id=5)
    log.add(65, "callback.accepted", 1, queue_id=5)
    log.add(70, "interaction.ended", 1)
    log.add(300, "interaction.offered", 1, agent_id=7, data={"outbound": True})
    log.add(305, "interaction.assigned", 1, agent_id=7)
    log.add(365, "interaction.ended", 1)
    fact, _ = fold(log)
    assert (fact.callback, fact.wait_s, fact.ended_ts, fact.outcome) == (True, 305, 365, "handled")
    assert fact.resolved


def test_answered_then_requeued_then_gone_is_handled_not_resolved() -> None:
    log = Log()
    log.add(0, "interaction.arrived", 1, channel="voice")
    log.add(0, "interaction.queued", 1, queue_id=5)
    log.add(4, "interaction.assigned", 1, agent_id=7)
    log.add(20, "interaction.requeued", 1, agent_id=7, data={"reason": "agent_left"})
    log.add(50, "interaction.ended", 1)
    log.add(50, "interaction.abandoned", 1)
    fact, segs = fold(log)
    assert (fact.outcome, fact.abandoned_ts, fact.resolved, fact.wait_s) == (
        "handled",
        None,
        False,
        4,
    )
    assert segs[0].end_reason == "requeued" and segs[0].talk_s == 16


def test_missed_unrouted_waiting_and_no_arrival() -> None:
    missed = Log()
    missed.add(0, "interaction.arrived", 1, channel="email")
    missed.add(0, "interaction.queued", 1, queue_id=5)
    missed.add(90, "interaction.ended", 1)
    assert fold(missed)[0].outcome == "missed"
    unrouted = Log()
    unrouted.add(7, "interaction.unrouted", 2, channel="email", data={"refusals": []})
    fact = fold(unrouted)[0]
    assert (fact.outcome, fact.arrived_ts, fact.offered, fact.channel) == (
        "unrouted",
        7,
        False,
        "email",
    )
    waiting = Log()
    waiting.add(0, "interaction.arrived", 3, channel="chat")
    waiting.add(0, "interaction.queued", 3, queue_id=5)
    waiting.add(3, "interaction.overflowed", 3)
    fact = fold(waiting)[0]
    assert (fact.outcome, fact.wait_s, fact.overflowed) == ("waiting", None, True)
    orphan = Log()
    orphan.add(0, "interaction.queued", 4, queue_id=5)
    assert fold_interaction(orphan.rows) is None


def test_duplicates_and_order_do_not_matter() -> None:
    log = Log()
    log.add(0, "interaction.arrived", 1, channel="voice")
    log.add(0, "interaction.queued", 1, queue_id=5)
    log.add(3, "interaction.assigned", 1, agent_id=7)
    log.add(40, "interaction.ended", 1)
    log.add(41, "interaction.ended", 1)  # a second end changes nothing
    expected = fold(log)
    assert expected[0].ended_ts == 40
    rows = log.rows + log.rows[:3]
    random.Random(4).shuffle(rows)
    assert fold_interaction(rows) == expected


def test_wrap_up_counts_only_once_ended() -> None:
    log = Log()
    log.add(0, "interaction.arrived", 1, channel="voice")
    log.add(0, "interaction.assigned", 1, agent_id=7)
    log.add(30, "interaction.ended", 1)
    log.add(30, "agent.wrap_up_started", 1, agent_id=7)
    assert fold(log)[0].wrap_s == 0
    log.add(45, "agent.wrap_up_ended", 1, agent_id=7)
    assert fold(log)[0].wrap_s == 15


def test_first_response_is_the_first_agent_message() -> None:
    log = Log()
    log.add(0, "interaction.arrived", 1, channel="chat")
    log.add(0, "interaction.assigned", 1, agent_id=7)
    log.add(5, "message.posted", 1, data={"sender": "contact", "message_id": 1})
    log.add(12, "message.posted", 1, agent_id=7, data={"sender": "agent", "message_id": 2})
    log.add(20, "message.posted", 1, agent_id=7, data={"sender": "agent", "message_id": 3})
    assert fold(log)[0].first_response_s == 12


def test_agent_states_end_at_the_next_change_of_the_same_agent() -> None:
    log = Log()
    log.state(0, 7, "available")
    log.state(5, 8, "available")
    log.state(10, 7, "busy")
    log.state(20, 7, "paused", "lunch")
    log.state(30, 8, "offline")
    log.add(31, "interaction.arrived", 1, channel="chat")
    got = fold_agent_states(log.rows)
    assert [(s.agent_id, s.state, s.reason, s.start_ts, s.end_ts) for s in got] == [
        (7, "available", None, 0, 10),
        (7, "busy", None, 10, 20),
        (7, "paused", "lunch", 20, None),
        (8, "available", None, 5, 30),
        (8, "offline", None, 30, None),
    ]
    assert [s.event_id for s in got] == [1, 3, 4, 2, 5]


def test_fold_log_groups_interactions_and_agents() -> None:
    log = Log()
    log.add(0, "interaction.arrived", 1, channel="voice")
    log.add(1, "interaction.arrived", 2, channel="chat")
    log.add(2, "interaction.assigned", 2, agent_id=7)
    log.state(2, 7, "busy")
    log.add(3, "interaction.queued", 99, queue_id=1)  # its arrival is not in the log
    got = fold_log(log.rows)
    assert [f.interaction_id for f in got.interactions] == [1, 2]
    assert [(s.interaction_id, s.agent_id) for s in got.segments] == [(2, 7)]
    assert [(s.agent_id, s.state) for s in got.states] == [(7, "busy")]


def test_log_row_from_an_event_a_mapping_and_a_json_string() -> None:
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    event = InteractionEvent(
        id=3,
        org_id=2,
        at=at,
        type="interaction.queued",
        interaction_id=9,
        agent_id=None,
        actor_id=4,
        queue_id=5,
        skill_id=6,
        channel="chat",
        data={"returned": False},
    )
    row = LogRow.from_event(event)
    assert row == LogRow(
        3, at.timestamp(), "interaction.queued", 9, None, 4, 5, 6, "chat", {"returned": False}, 2
    )
    mapping = {
        "id": 3,
        "org_id": 2,
        "at": at.replace(tzinfo=None),
        "type": "interaction.queued",
        "interaction_id": 9,
        "agent_id": None,
        "actor_id": 4,
        "queue_id": 5,
        "skill_id": 6,
        "channel": "chat",
        "data": json.dumps({"returned": False}),
    }
    assert LogRow.from_event(mapping) == row


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_generated_interactions_fold_to_what_happened(data: st.DataObject) -> None:
    log = Log()
    exp = data.draw(interaction_log(log, 1, float(data.draw(st.integers(0, 10**6)))))
    fact, segs = fold(log)
    assert fact.outcome == exp.outcome
    assert fact.handled == exp.answered and fact.offered
    assert fact.wait_s == exp.wait
    assert (fact.talk_s, fact.hold_s, fact.wrap_s) == (exp.talk, exp.hold, exp.wrap)
    assert len(segs) == exp.segments
    assert (fact.transfers, fact.no_answers, fact.resolved) == (
        exp.transfers,
        exp.no_answers,
        exp.resolved,
    )
    # Sums over segments are the interaction's; a closed segment is talk + hold long.
    assert sum(s.talk_s for s in segs) == fact.talk_s
    assert sum(s.hold_s for s in segs) == fact.hold_s
    assert sum(s.wrap_s for s in segs) == fact.wrap_s
    for s in segs:
        if s.end_ts is not None:
            assert s.talk_s + s.hold_s == s.end_ts - s.start_ts
        assert s.talk_s >= 0 and s.hold_s >= 0
    assert [s.seq for s in segs] == list(range(len(segs)))
    # Any order and duplicated rows fold the same.
    rows = list(log.rows) + list(log.rows)
    random.Random(len(rows)).shuffle(rows)
    assert fold_interaction(rows) == (fact, segs)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([7, 8]),
            st.integers(0, 100),
            st.sampled_from(["available", "busy", "wrap_up", "paused", "offline"]),
        ),
        max_size=30,
    )
)
def test_state_periods_tile_each_agents_time(changes: list[tuple[int, int, str]]) -> None:
    log = Log()
    t = 0.0
    for agent, dt, state in changes:
        t += dt
        log.state(t, agent, state)
    got = fold_agent_states(log.rows)
    for agent in (7, 8):
        mine = [s for s in got if s.agent_id == agent]
        assert len(mine) == sum(1 for a, _, _ in changes if a == agent)
        for a, b in itertools.pairwise(mine):
            assert a.end_ts == b.start_ts and a.start_ts <= b.start_ts
        if mine:
            assert mine[-1].end_ts is None
