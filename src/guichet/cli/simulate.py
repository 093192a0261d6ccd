"""`guichet simulate` and `guichet staffing`: what-if runs and staffing answers (R-X-1, R-X-2).

The simulator itself (`guichet.sim`) does no I/O; this module reads the scenario file, shows
progress on stderr, prints the summary or the JSON on stdout and writes the plot.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from guichet.domain.enums import Strategy

if TYPE_CHECKING:
    from guichet.sim.run import SimulationReport
    from guichet.sim.scenario import Scenario

out = Console()
err = Console(stderr=True)

_ROWS = (
    ("offered", "Offered", "{:,.0f}"),
    ("handled", "Handled", "{:,.0f}"),
    ("abandoned", "Abandoned", "{:,.0f}"),
    ("p_wait", "P(wait > 0)", "{:.3f}"),
    ("asa_s", "ASA (s)", "{:.1f}"),
    ("avg_wait_s", "Avg time in queue (s)", "{:.1f}"),
    ("p90_wait_s", "p90 time in queue (s)", "{:.1f}"),
    ("service_level", "Service level (/offered)", "{:.3f}"),
    ("service_level_of_answered", "Service level (/answered)", "{:.3f}"),
    ("service_level_with_abandons", "Service level (+abandons)", "{:.3f}"),
    ("abandon_rate", "Abandon rate", "{:.3f}"),
    ("aht_s", "AHT (s)", "{:.1f}"),
    ("occupancy", "Occupancy", "{:.3f}"),
    ("max_queue_length", "Max queue length", "{:.1f}"),
)


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


def _run(scenario: Scenario, seed: int, replications: int, trace: bool, quiet: bool) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from guichet.sim.run import simulate as run_simulation

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("simulating", total=float(replications))

        def progress(k: int, fraction: float) -> None:
            bar.update(task, completed=k + fraction, description=f"replication {k + 1}")

        return run_simulation(
            scenario, seed=seed, replications=replications, trace=trace, progress=progress
        )


def _table(report: SimulationReport, erlang: dict[str, Any] | None) -> Table:
    table = Table(title=f"Simulation: {len(report.runs)} replications, 99% intervals")
    table.add_column("measure")
    multi = len(report.queues) > 1
    table.add_column("overall" if multi else "mean", justify="right")
    table.add_column("99% CI", justify="right")
    if multi:
        for qid in report.queues:
            table.add_column(qid, justify="right")
    if erlang is not None and erlang.get("applies"):
        table.add_column(str(erlang["model"]).replace("_", " ").title(), justify="right")
    for key, label, fmt in _ROWS:
        est = report.overall[key]
        row = [label, fmt.format(est.mean), f"{fmt.format(est.low)} – {fmt.format(est.high)}"]
        if multi:  # occupancy is of all agents together: not repeated per queue
            row += [
                "" if key == "occupancy" else fmt.format(report.queues[q][key].mean)
                for q in report.queues
            ]
        if erlang is not None and erlang.get("applies"):
            row.append(fmt.format(erlang[key]) if key in erlang else "")
        table.add_row(*row)
    return table


def simulate(
    scenario_file: Annotated[
        Path | None, typer.Option("--scenario", help="Scenario YAML (several queues/skills).")
    ] = None,
    agents: Annotated[int | None, typer.Option(help="Agents (single-queue case).")] = None,
    arrival_rate: Annotated[float | None, typer.Option(help="Arrivals per hour.")] = None,
    aht: Annotated[float, typer.Option(help="Mean handle time, seconds (exponential).")] = 300.0,
    patience: Annotated[
        float | None, typer.Option(help="Mean patience, seconds (exponential); none if unset.")
    ] = None,
    hours: Annotated[
        float | None, typer.Option(help="Hours per replication [default: 8, or the scenario's].")
    ] = None,
    warmup: Annotated[float, typer.Option(help="Hours not measured at the start.")] = 0.0,
    strategy: Annotated[
        Strategy, typer.Option(help="Distribution strategy (R-Q-4), single-queue case.")
    ] = Strategy.LONGEST_IDLE,
    replications: Annotated[int, typer.Option(help="Independent replications.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same result).")] = 1,
    sl_threshold: Annotated[
        float | None, typer.Option(help="Threshold T, seconds [default: 20, or the scenario's].")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    plot: Annotated[
        Path | None, typer.Option(help="Write wait distribution and queue length (PNG).")
    ] = None,
) -> None:
    """Simulate queues through the routing engine and compare with Erlang C/A (R-X-1)."""
    from guichet.sim.run import report_dict, single_queue_predictions
    from guichet.sim.scenario import ScenarioError, parse_scenario, single_queue

    if replications < 1:
        raise _fail("--replications must be at least 1")
    erlang: dict[str, Any] | None = None
    try:
        if scenario_file is not None:
            if agents is not None or arrival_rate is not None:
                raise _fail("give either --scenario or --agents/--arrival-rate, not both")
            scenario = parse_scenario(scenario_file.read_text(encoding="utf-8"))
            if hours is not None or sl_threshold is not None or warmup:
                from dataclasses import replace

                scenario = replace(
                    scenario,
                    duration_s=scenario.duration_s if hours is None else hours * 3600.0,
                    warmup_s=warmup * 3600.0 if warmup else scenario.warmup_s,
                    sl_threshold_s=scenario.sl_threshold_s
                    if sl_threshold is None
                    else sl_threshold,
                )
        else:
            if agents is None or arrival_rate is None:
                raise _fail("give --agents and --arrival-rate, or --scenario FILE")
            threshold = 20.0 if sl_threshold is None else sl_threshold
            scenario = single_queue(
                agents=agents,
                arrival_rate_per_hour=arrival_rate,
                aht_s=aht,
                patience_s=patience,
                hours=8.0 if hours is None else hours,
                warmup_hours=warmup,
                sl_threshold_s=threshold,
                strategy=strategy,
            )
            erlang = single_queue_predictions(
                agents=agents,
                arrival_rate_per_hour=arrival_rate,
                aht_s=aht,
                patience_s=patience,
                sl_threshold_s=threshold,
            )
    except (ScenarioError, OSError) as exc:
        raise _fail(str(exc)) from exc

    try:
        report = _run(scenario, seed, replications, plot is not None, quiet=as_json)
    except ValueError as exc:  # e.g. a skill cycle the engine refuses (R-SK-2)
        raise _fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps(report_dict(report, erlang), sort_keys=False))
    else:
        out.print(_table(report, erlang))
    if plot is not None:
        from guichet.cli.plot import write_simulation_plot

        first = report.runs[0]
        write_simulation_plot(
            plot,
            waits=first.waits,
            queue_samples=first.queue_samples,
            sl_threshold_s=scenario.sl_threshold_s,
            title=f"Replication 1 of {len(report.runs)}, seed {seed}",
        )
        err.print(f"plot written to {plot}")


def staffing(
    arrival_rate: Annotated[float, typer.Option(help="Arrivals per hour.")],
    aht: Annotated[float, typer.Option(help="Mean handle time, seconds.")],
    target_sl: Annotated[float, typer.Option(help="Target service level, e.g. 0.8.")] = 0.8,
    sl_threshold: Annotated[float, typer.Option(help="Threshold T, seconds.")] = 20.0,
    patience: Annotated[
        float | None, typer.Option(help="Mean patience, seconds: adds Erlang A.")
    ] = None,
    hours: Annotated[float, typer.Option(help="Simulated hours per replication.")] = 100.0,
    replications: Annotated[int, typer.Option(help="Replications per agent count.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Agents needed for a service-level target: Erlang C (and A) next to simulation (R-X-2)."""
    from guichet.sim.erlang import erlang_a_agents, erlang_c_agents, offered_load
    from guichet.sim.sizing import simulated_agents

    if not 0 < target_sl < 1 or arrival_rate <= 0 or aht <= 0 or replications < 1:
        raise _fail("need 0 < --target-sl < 1, positive --arrival-rate and --aht")
    by_c = erlang_c_agents(arrival_rate, aht, target_sl=target_sl, sl_threshold_s=sl_threshold)
    by_a = (
        None
        if patience is None
        else erlang_a_agents(
            arrival_rate, aht, patience, target_sl=target_sl, sl_threshold_s=sl_threshold
        )
    )
    status = err.status("simulating agent counts") if not as_json else nullcontext()
    with status:
        found = simulated_agents(
            arrival_rate_per_hour=arrival_rate,
            aht_s=aht,
            patience_s=patience,
            target_sl=target_sl,
            sl_threshold_s=sl_threshold,
            start=by_a if by_a is not None else by_c,
            hours=hours,
            replications=replications,
            seed=seed,
        )
    result = {
        "load_erlangs": offered_load(arrival_rate, aht),
        "target_sl": target_sl,
        "sl_threshold_s": sl_threshold,
        "erlang_c_agents": by_c,
        "erlang_a_agents": by_a,
        "simulated_agents": found.agents,
        "simulated_service_level": found.service_level,
        "simulated_service_level_below": found.service_level_below,
    }
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"Agents for {target_sl:.0%} answered within {sl_threshold:g} s")
    table.add_column("method")
    table.add_column("agents", justify="right")
    table.add_column("service level", justify="right")
    from guichet.sim.erlang import erlang_a, erlang_c

    table.add_row(
        "Erlang C",
        str(by_c),
        f"{erlang_c(by_c, arrival_rate, aht, sl_threshold).service_level:.3f}",
    )
    if by_a is not None and patience is not None:
        sl_a = erlang_a(by_a, arrival_rate, aht, patience, sl_threshold).service_level
        table.add_row("Erlang A", str(by_a), f"{sl_a:.3f}")
    table.add_row(
        f"Simulation ({replications}×{hours:g} h)",
        str(found.agents),
        f"{found.service_level:.3f}",
    )
    out.print(f"offered load: {offered_load(arrival_rate, aht):.2f} Erlangs")
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add `simulate` and `staffing` to the `guichet` command."""
    app.command("simulate")(simulate)
    app.command("staffing")(staffing)
