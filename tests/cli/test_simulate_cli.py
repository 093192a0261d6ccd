"""`guichet simulate` and `guichet staffing`, used as the docs show (R-X-1, R-X-2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from guichet.cli.simulate import register
from guichet.sim.erlang import erlang_a, erlang_c

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test root, so that the commands keep their names."""

    register(app)
    return app


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(_app(), args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


FLAGS = ["--agents", "10", "--arrival-rate", "100", "--aht", "300"]


def test_r_x_1_simulate_json_has_the_documented_keys_and_erlang_c() -> None:
    """--json: plain means, ci99 pairs, and Erlang C predictions for the flags' queue."""
    data = _json(["simulate", *FLAGS, "--hours", "60", "--replications", "3", "--json"])
    for key in (
        "offered",
        "handled",
        "abandoned",
        "p_wait",
        "asa_s",
        "avg_wait_s",
        "p90_wait_s",
        "service_level",
        "abandon_rate",
        "aht_s",
        "occupancy",
    ):
        assert isinstance(data[key], float), key
        low, high = data["ci99"][key]
        assert low <= data[key] <= high
    erlang = data["erlang"]
    ref = erlang_c(10, 100, 300, 20)
    assert erlang["model"] == "erlang_c"
    assert erlang["p_wait"] == ref.p_wait
    assert erlang["asa_s"] == ref.asa_s
    assert erlang["service_level"] == ref.service_level
    p_low, p_high = data["ci99"]["p_wait"]
    assert p_low <= ref.p_wait <= p_high


def test_r_x_1_simulate_with_patience_uses_erlang_a() -> None:
    """--patience switches the predictions to Erlang A and produces abandons."""
    data = _json(["simulate", *FLAGS, "--patience", "120", "--hours", "40",
                  "--replications", "2", "--sl-threshold", "30", "--json"])  # fmt: skip
    assert data["erlang"]["model"] == "erlang_a"
    ref = erlang_a(10, 100, 300, 120, 30)
    assert data["erlang"]["abandon_rate"] == ref.abandon_rate
    assert data["abandoned"] > 0
    assert data["sl_threshold_s"] == 30


def test_r_x_1_simulate_same_seed_same_bytes() -> None:
    """Determinism through the command: same seed, identical output."""
    args = ["simulate", *FLAGS, "--hours", "20", "--replications", "2", "--seed", "7", "--json"]
    first = runner.invoke(_app(), args)
    second = runner.invoke(_app(), args)
    assert first.exit_code == 0
    assert first.stdout == second.stdout


def test_r_x_1_simulate_table_and_plot(tmp_path: Path) -> None:
    """Without --json: a summary table with the Erlang column; --plot writes a PNG."""
    png = tmp_path / "waits.png"
    result = runner.invoke(
        _app(),
        ["simulate", *FLAGS, "--hours", "20", "--replications", "2", "--plot", str(png)],
    )
    assert result.exit_code == 0, result.output
    assert "P(wait > 0)" in result.stdout
    assert "Erlang C" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000


def test_r_x_1_simulate_scenario_file(tmp_path: Path) -> None:
    """A scenario YAML with two queues: per-queue blocks in the JSON, no Erlang block."""
    doc = tmp_path / "day.yaml"
    doc.write_text(
        """
hours: 8
queues: [{id: calls, wrap_up_s: 15}, {id: chats, channel: chat}]
traffic:
  - {queue: calls, arrivals: {rate_per_hour: 60}, handle: {exponential: 240}}
  - {queue: chats, arrivals: {rate_per_hour: 30}, handle: {lognormal: {mean: 600, sd: 300}}}
agents:
  - {name: voice, count: 6, queues: [calls]}
  - {name: chat, count: 3, queues: [chats], capacity: {chat: 2}}
""",
        encoding="utf-8",
    )
    data = _json(["simulate", "--scenario", str(doc), "--replications", "2", "--json"])
    assert set(data["queues"]) == {"calls", "chats"}
    assert "erlang" not in data
    assert data["hours"] == 8
    table = runner.invoke(_app(), ["simulate", "--scenario", str(doc), "--replications", "2"])
    assert table.exit_code == 0
    assert "calls" in table.stdout and "chats" in table.stdout


def test_r_q_4_simulate_strategy_flag() -> None:
    """--strategy picks the R-Q-4 strategy; identical agents under FIFO wait the same."""
    base = ["simulate", *FLAGS, "--hours", "10", "--replications", "2", "--json"]
    idle = _json([*base, "--strategy", "longest_idle"])
    robin = _json([*base, "--strategy", "round_robin"])
    assert idle["asa_s"] == robin["asa_s"]
    assert runner.invoke(_app(), [*base, "--strategy", "fastest"]).exit_code == 2


def test_r_x_1_simulate_refuses_bad_input(tmp_path: Path) -> None:
    """Clear errors and exit code 2 for missing flags or an invalid scenario."""
    missing = runner.invoke(_app(), ["simulate", "--agents", "3"])
    assert missing.exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("queues: [{id: a}]\nagents: [{count: 1, queues: [zz]}]\n", encoding="utf-8")
    result = runner.invoke(_app(), ["simulate", "--scenario", str(bad)])
    assert result.exit_code == 2
    assert "unknown queue 'zz'" in result.output
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text(
        "skills: [{id: a, parent: b}, {id: b, parent: a}]\nqueues: [{id: q}]\n"
        "agents: [{count: 1, queues: [q]}]\n",
        encoding="utf-8",
    )
    refused = runner.invoke(_app(), ["simulate", "--scenario", str(cycle)])
    assert refused.exit_code == 2
    assert "ancestor" in refused.output


def test_r_x_2_staffing_erlang_c_and_simulation_side_by_side() -> None:
    """80/20 at 100 calls/h of 300 s: 12 agents by Erlang C, and the simulation's count."""
    result = runner.invoke(
        _app(),
        ["staffing", "--arrival-rate", "100", "--aht", "300", "--target-sl", "0.8",
         "--sl-threshold", "20", "--hours", "40", "--replications", "2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Erlang C" in result.stdout and "Simulation" in result.stdout
    data = _json(["staffing", "--arrival-rate", "100", "--aht", "300", "--target-sl", "0.8",
                  "--hours", "40", "--replications", "2", "--json"])  # fmt: skip
    assert data["erlang_c_agents"] == 12
    assert data["erlang_a_agents"] is None
    agents = data["simulated_agents"]
    assert isinstance(agents, int) and abs(agents - 12) <= 1
    assert data["simulated_service_level"] >= 0.8
    below = data["simulated_service_level_below"]
    assert below is None or below < 0.8


def test_r_x_2_staffing_with_patience_adds_erlang_a() -> None:
    """With --patience the table has an Erlang A row, never above Erlang C's count."""
    data = _json(["staffing", "--arrival-rate", "100", "--aht", "300", "--patience", "120",
                  "--hours", "30", "--replications", "2", "--json"])  # fmt: skip
    assert isinstance(data["erlang_a_agents"], int)
    assert data["erlang_a_agents"] <= data["erlang_c_agents"]
