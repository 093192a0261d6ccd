"""Scenario documents of the simulator (R-X-1): queues, skills, traffic, agent groups."""

from __future__ import annotations

import pytest

from guichet.domain.enums import Channel, Strategy
from guichet.sim.scenario import ScenarioError, parse_scenario, single_queue
from guichet.sim.traffic import Exponential, LogNormal, PoissonArrivals, RecordedArrivals

DOC = """
hours: 8
warmup_hours: 0.5
sl_threshold_s: 30
skills:
  - id: billing
  - id: refunds
    parent: billing
queues:
  - id: calls
    channel: voice
    strategy: round_robin
    wrap_up_s: 15
  - id: chats
    channel: chat
    weight: 2
traffic:
  - queue: calls
    skill: billing
    arrivals: {rates_per_hour: [60, 120], interval_minutes: 30}
    handle: {lognormal: {mean: 240, sd: 120}}
    patience: {exponential: 90}
  - queue: chats
    arrivals: {times_s: [5, 1, 3]}
    handle: {exponential: 600}
agents:
  - name: voice-team
    count: 6
    queues: [calls]
    skills: {refunds: 4}
    shifts: [[0, 4], [4.5, 8]]
    pauses: [[2, 2.25]]
  - count: 3
    queues: [calls, chats]
    capacity: {chat: 3}
"""


def test_r_x_1_parse_multi_queue_scenario() -> None:
    """A YAML document with several queues, skills, channels, shifts and pauses."""
    scenario = parse_scenario(DOC)
    assert scenario.duration_s == 8 * 3600
    assert scenario.warmup_s == 1800
    assert scenario.sl_threshold_s == 30
    calls, chats = scenario.queues
    assert (calls.strategy, calls.wrap_up_s, calls.channel) == (Strategy.ROUND_ROBIN, 15, "voice")
    assert (chats.channel, chats.weight) == (Channel.CHAT, 2.0)
    assert [s.parent for s in scenario.skills] == [None, "billing"]
    first, second = scenario.traffic
    assert first.arrivals == PoissonArrivals((60.0, 120.0), 1800.0)
    assert first.handle == LogNormal(240.0, 120.0)
    assert first.patience == Exponential(90.0)
    assert first.skill == "billing"
    assert second.arrivals == RecordedArrivals((1.0, 3.0, 5.0))
    assert second.patience is None
    team, mixed = scenario.agents
    assert team.shifts == ((0.0, 4 * 3600.0), (4.5 * 3600.0, 8 * 3600.0))
    assert team.pauses == ((2 * 3600.0, 2.25 * 3600.0),)
    assert team.skills == {"refunds": 4}
    assert mixed.name == "group2"
    assert mixed.capacity == {Channel.CHAT: 3}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("[1, 2]", "mapping"),
        ("queues: [{id: a}]\ntraffic: [{queue: b, arrivals: {rate_per_hour: 1}, "
         "handle: {exponential: 1}}]", "unknown queue 'b'"),
        ("queues: [{id: a}]\nagents: [{count: 1, queues: [z]}]", "unknown queue 'z'"),
        ("queues: [{id: a}]\ntraffic: [{queue: a, arrivals: {rate_per_hour: 1}, "
         "handle: {gamma: 1}}]", "unknown distribution"),
        ("queues: [{id: a}]\ntraffic: [{queue: a, arrivals: {every: 1}, "
         "handle: {exponential: 1}}]", "arrivals"),
        ("queues: [{id: a, strategy: fastest}]", "invalid scenario"),
        ("hours: 1\nwarmup_hours: 2", "warmup"),
        ("agents: [{count: 1, queues: [], shifts: [[3, 1]]}]", "ends before"),
        ("agents: [{count: 1, queues: [], handle_factor: 0}]", "must be positive"),
        ("queues: [a: [", "YAML"),
        ("queues: [{id: a}]\ntraffic: [{queue: a, skill: x, arrivals: {rate_per_hour: 1}, "
         "handle: {exponential: 1}}]", "unknown skill 'x'"),
        ("queues: [{id: a}]\nagents: [{count: 1, queues: [a], skills: {y: 2}}]",
         "unknown skill 'y'"),
        ("skills: [{id: a, parent: b}]", "unknown parent 'b'"),
    ],
)  # fmt: skip
def test_r_x_1_invalid_scenarios_are_refused_with_the_field(doc: str, message: str) -> None:
    """Errors name what is wrong."""
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(doc)


def test_r_x_1_single_queue_from_flags() -> None:
    """The flag form builds one voice queue with Poisson arrivals and exponential times."""
    scenario = single_queue(
        agents=10, arrival_rate_per_hour=100, aht_s=300, patience_s=120, hours=2
    )
    (traffic,) = scenario.traffic
    assert traffic.arrivals == PoissonArrivals((100.0,))
    assert traffic.handle == Exponential(300.0)
    assert traffic.patience == Exponential(120.0)
    assert scenario.agents[0].count == 10
    assert single_queue(agents=1, arrival_rate_per_hour=1, aht_s=1).traffic[0].patience is None
