"""Property tests: any small scenario runs through the engine and its measures are coherent
(R-X-1, R-AN-1, R-W-1, R-Q-7)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.sim.scenario import parse_scenario
from guichet.sim.simulator import run_replication

STRATEGIES = ["longest_idle", "round_robin", "random", "top_down", "fewest_today", "ring_all"]


@st.composite
def scenarios(draw: st.DrawFn) -> str:
    """A random one- or two-queue scenario with shifts, pauses, patience and wrap-up."""
    queues = draw(st.integers(1, 2))
    lines = ["hours: 3", "warmup_hours: 0.5", "queues:"]
    for q in range(queues):
        channel = draw(st.sampled_from(["voice", "chat"]))
        wrap = draw(st.sampled_from([0, 10, 45]))
        strategy = draw(st.sampled_from(STRATEGIES))
        lines.append(f"  - {{id: q{q}, channel: {channel}, wrap_up_s: {wrap}, "
                     f"strategy: {strategy}}}")  # fmt: skip
    lines.append("traffic:")
    for q in range(queues):
        rate = draw(st.integers(5, 120))
        handle = draw(st.sampled_from(["{exponential: 200}", "{constant: 90}",
                                       "{lognormal: {mean: 150, sd: 100}}"]))  # fmt: skip
        patience = draw(st.sampled_from(["", ", patience: {exponential: 60}"]))
        lines.append(f"  - {{queue: q{q}, arrivals: {{rate_per_hour: {rate}}}, "
                     f"handle: {handle}{patience}}}")  # fmt: skip
    lines.append("agents:")
    for g in range(draw(st.integers(1, 3))):
        count = draw(st.integers(0, 4))
        member = draw(st.sampled_from([f"[q{q}]" for q in range(queues)] + ["[q0, q1]"]))
        if queues == 1:
            member = "[q0]"
        slots = draw(st.integers(1, 3))
        start = draw(st.sampled_from([0, 0.5, 1]))
        end = draw(st.sampled_from([2, 2.5, 3]))
        pause = draw(st.sampled_from(["", ", pauses: [[1.2, 1.4]]"]))
        shifts = f"shifts: [[{start}, {end}]]{pause}"
        lines.append(f"  - {{name: g{g}, count: {count}, queues: {member}, "
                     f"capacity: {{chat: {slots}}}, {shifts}}}")  # fmt: skip
    return "\n".join(lines) + "\n"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=scenarios(), seed=st.integers(0, 10_000))
def test_r_an_1_measures_are_coherent_for_any_scenario(doc: str, seed: int) -> None:
    """Counts add up, ratios are probabilities, waits and times are non-negative."""
    result = run_replication(parse_scenario(doc), seed=seed)
    for measures in (result.overall, *result.queues.values()):
        assert measures["handled"] + measures["abandoned"] <= measures["offered"]
        for key in ("p_wait", "service_level", "service_level_of_answered", "abandon_rate",
                    "service_level_with_abandons", "occupancy"):  # fmt: skip
            assert 0.0 <= measures[key] <= 1.0 + 1e-9, key
        for key in ("asa_s", "avg_wait_s", "p90_wait_s", "aht_s", "max_queue_length"):
            assert measures[key] >= 0.0, key
        assert measures["service_level"] <= measures["service_level_with_abandons"] + 1e-12
    total = result.overall
    assert total["offered"] == sum(q["offered"] for q in result.queues.values())
    assert total["handled"] == sum(q["handled"] for q in result.queues.values())
