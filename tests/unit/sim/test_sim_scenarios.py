"""Simulated scenarios beyond one queue: chat concurrency, wrap-up, shifts, pauses, skills,
strategies and warm-up (R-X-1, R-W-1, R-Q-4, R-Q-7, R-Q-8, R-SK-2)."""

from __future__ import annotations

import pytest

from guichet.sim.erlang import erlang_c
from guichet.sim.run import simulate
from guichet.sim.scenario import parse_scenario, single_queue
from guichet.sim.simulator import run_replication


def _chat_doc(agents: int, slots: int, rate: float, hours: float) -> str:
    return f"""
hours: {hours}
warmup_hours: 2
queues: [{{id: chats, channel: chat}}]
traffic:
  - queue: chats
    arrivals: {{rate_per_hour: {rate}}}
    handle: {{exponential: 600}}
agents: [{{name: team, count: {agents}, queues: [chats], capacity: {{chat: {slots}}}}}]
"""


def test_r_w_1_chat_concurrency_behaves_like_more_servers() -> None:
    """3 agents with 3 chat slots each serve like 9 servers: Erlang C with n = 9."""
    report = simulate(parse_scenario(_chat_doc(3, 3, 43.2, 150)), seed=2, replications=6)
    ref = erlang_c(9, 43.2, 600, 20)
    assert report.overall["p_wait"].contains(ref.p_wait)
    assert report.overall["asa_s"].contains(ref.asa_s)
    # An agent counts as busy while at least one chat is open: above the slot utilization.
    assert report.overall["occupancy"].mean > 0.8


def test_r_w_6_what_if_three_slots_instead_of_two() -> None:
    """The what-if of the issue: a third chat slot cuts waits for the same traffic."""
    two = run_replication(parse_scenario(_chat_doc(4, 2, 40, 60)), seed=1)
    three = run_replication(parse_scenario(_chat_doc(4, 3, 40, 60)), seed=1)
    assert two.overall["offered"] == three.overall["offered"]  # same arrivals (same seed)
    assert three.overall["p_wait"] < two.overall["p_wait"]
    assert three.overall["asa_s"] < two.overall["asa_s"]


def test_r_q_7_wrap_up_counts_in_aht_and_occupancy() -> None:
    """Talk 270 s + wrap-up 30 s: AHT 300 s, occupancy λ·AHT/n, more waiting than no wrap-up."""
    doc = """
hours: 100
warmup_hours: 2
queues: [{{id: calls, wrap_up_s: {wrap}}}]
traffic: [{{queue: calls, arrivals: {{rate_per_hour: 96}}, handle: {{exponential: 270}}}}]
agents: [{{count: 10, queues: [calls]}}]
"""
    with_wrap = simulate(parse_scenario(doc.format(wrap=30)), seed=4, replications=3)
    without = simulate(parse_scenario(doc.format(wrap=0)), seed=4, replications=3)
    assert with_wrap.overall["aht_s"].mean == pytest.approx(300, rel=0.02)
    assert with_wrap.overall["occupancy"].mean == pytest.approx(0.8, abs=0.015)
    assert without.overall["occupancy"].mean == pytest.approx(0.72, abs=0.015)
    assert with_wrap.overall["p_wait"].mean > without.overall["p_wait"].mean


def test_r_w_1_shifts_pauses_and_abandons() -> None:
    """Nobody answers during a pause or after the shift; patience runs out meanwhile."""
    doc = """
hours: 2
queues: [{id: calls}]
traffic:
  - queue: calls
    arrivals: {times_s: [600, 1080, 5400]}
    handle: {constant: 10}
    patience: {constant: 1200}
agents:
  - count: 1
    queues: [calls]
    shifts: [[0, 1]]
    pauses: [[0.25, 0.5]]
"""
    result = run_replication(parse_scenario(doc), seed=1)
    m = result.overall
    assert (m["offered"], m["handled"], m["abandoned"]) == (3, 2, 1)
    # 600 s: answered at once; 1080 s (in the pause): answered when it ends at 1800 s;
    # 5400 s: after the shift, abandons after 1200 s.
    assert m["asa_s"] == pytest.approx(360.0)
    assert m["p_wait"] == pytest.approx(2 / 3)
    assert m["avg_wait_s"] == pytest.approx((0 + 720 + 1200) / 3)
    # Busy 20 s out of 45 staffed minutes (the pause is not staffed time).
    assert m["occupancy"] == pytest.approx(20 / 2700)


def test_r_q_4_strategies_change_who_answers_not_the_waits() -> None:
    """Identical agents, FIFO: any strategy that never idles gives the same waits."""
    results = []
    strategies = ("longest_idle", "round_robin", "random", "top_down", "fewest_today",
                  "least_occupied", "ring_all", "best_proficiency")  # fmt: skip
    for strategy in strategies:
        doc = f"""
hours: 30
queues: [{{id: calls, strategy: {strategy}}}]
traffic: [{{queue: calls, arrivals: {{rate_per_hour: 100}}, handle: {{exponential: 300}}}}]
agents: [{{count: 10, queues: [calls]}}]
"""
        results.append(run_replication(parse_scenario(doc), seed=9).overall)
    for other in results[1:]:
        assert other["asa_s"] == pytest.approx(results[0]["asa_s"], rel=1e-9)
        assert other["p_wait"] == results[0]["p_wait"]


def test_r_q_8_skills_and_two_queues() -> None:
    """Two queues, a skill tree, shared agents: totals add up and per-queue blocks exist."""
    doc = """
hours: 40
warmup_hours: 1
skills: [{id: billing}, {id: refunds, parent: billing}]
queues:
  - {id: sales, weight: 2}
  - {id: support, wrap_up_s: 20}
traffic:
  - {queue: sales, arrivals: {rate_per_hour: 40}, handle: {exponential: 240}}
  - queue: support
    skill: billing
    arrivals: {rates_per_hour: [30, 60], interval_minutes: 60}
    handle: {lognormal: {mean: 300, sd: 150}}
    patience: {exponential: 180}
agents:
  - {name: generalists, count: 4, queues: [sales, support]}
  - {name: experts, count: 3, queues: [support], skills: {refunds: 5}}
"""
    result = run_replication(parse_scenario(doc), seed=3)
    total, sales, support = result.overall, result.queues["sales"], result.queues["support"]
    assert total["offered"] == sales["offered"] + support["offered"]
    assert total["handled"] + total["abandoned"] == total["offered"]
    assert sales["abandoned"] == 0
    assert support["offered"] == pytest.approx(45 * 39, rel=0.1)
    assert total["max_queue_length"] >= max(sales["max_queue_length"], support["max_queue_length"])
    assert 0 < total["occupancy"] < 1


def test_r_x_1_warm_up_is_not_measured() -> None:
    """Arrivals during the warm-up are simulated but not counted."""
    scenario = single_queue(
        agents=5, arrival_rate_per_hour=60, aht_s=240, hours=50, warmup_hours=10
    )
    result = run_replication(scenario, seed=1)
    assert result.overall["offered"] == pytest.approx(60 * 40, rel=0.06)
    assert result.interactions > result.overall["offered"]
    assert result.load == pytest.approx(60 * 240 / 3600, rel=0.06)


def test_r_x_1_trace_for_plots() -> None:
    """Tracing keeps every wait and the peak queue length of 400 intervals of the window."""
    scenario = single_queue(agents=5, arrival_rate_per_hour=60, aht_s=240, hours=10)
    traced = run_replication(scenario, seed=1, trace=True)
    assert len(traced.waits) == traced.overall["offered"]
    assert len(traced.queue_samples) == 400
    assert max(n for _, n in traced.queue_samples) == traced.overall["max_queue_length"]
    assert run_replication(scenario, seed=1).waits == []


def _mixed_team(strategy: str, first: str, second: str) -> str:
    factors = {"fast": 0.6, "slow": 1.4}
    return f"""
hours: 120
warmup_hours: 2
queues: [{{id: calls, strategy: {strategy}}}]
traffic: [{{queue: calls, arrivals: {{rate_per_hour: 55}}, handle: {{exponential: 300}}}}]
agents:
  - {{name: {first}, count: 3, queues: [calls], handle_factor: {factors[first]}}}
  - {{name: {second}, count: 3, queues: [calls], handle_factor: {factors[second]}}}
"""


def test_r_q_4_strategy_matters_when_agents_differ() -> None:
    """With faster and slower agents, who answers changes AHT and waits: top-down with the
    fast agents first beats top-down with the slow ones first (same calls, same seed)."""
    fast_first = run_replication(parse_scenario(_mixed_team("top_down", "fast", "slow")), seed=3)
    slow_first = run_replication(parse_scenario(_mixed_team("top_down", "slow", "fast")), seed=3)
    assert fast_first.overall["offered"] == slow_first.overall["offered"]
    assert fast_first.overall["aht_s"] < slow_first.overall["aht_s"] - 20
    assert fast_first.overall["p_wait"] < slow_first.overall["p_wait"]
    assert fast_first.overall["occupancy"] < slow_first.overall["occupancy"]
    # Fewest-today sends more work to whoever finishes less: the slow agents.
    fewest = run_replication(parse_scenario(_mixed_team("fewest_today", "fast", "slow")), seed=3)
    idle = run_replication(parse_scenario(_mixed_team("longest_idle", "fast", "slow")), seed=3)
    assert fewest.overall["aht_s"] > idle.overall["aht_s"]
