"""Simulation scenarios: queues, traffic and agent groups, from flags or a YAML document (R-X-1).

Parsing takes the YAML *text* (the CLI reads the file): this package does no I/O.
The document format is described in docs/simulation.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from guichet.domain.enums import Channel, Strategy
from guichet.sim.traffic import (
    ArrivalProcess,
    Constant,
    Distribution,
    Empirical,
    Exponential,
    LogNormal,
    PoissonArrivals,
    RecordedArrivals,
)


class ScenarioError(ValueError):
    """The scenario document is invalid; the message names the offending field."""


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """One simulated queue: channel, strategy (R-Q-4), wrap-up (R-Q-7), weight (R-Q-8)."""

    id: str
    channel: Channel = Channel.VOICE
    strategy: Strategy = Strategy.LONGEST_IDLE
    wrap_up_s: float = 0.0
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class TrafficSpec:
    """One stream of interactions into a queue, optionally targeted at a skill (R-SK-2)."""

    queue: str
    arrivals: ArrivalProcess
    handle: Distribution
    patience: Distribution | None = None
    skill: str | None = None


@dataclass(frozen=True, slots=True)
class AgentGroupSpec:
    """`count` identical agents: queues, skills, per-channel capacity, shifts and pauses.

    Shifts and pauses are `(start_s, end_s)` windows from the start of the run; no shift
    means the agents work the whole run (R-W-1 states available / paused / offline).
    `handle_factor` makes some agents faster or slower, so the strategy (R-Q-4) matters.
    """

    name: str
    count: int
    queues: tuple[str, ...]
    skills: Mapping[str, int] = field(default_factory=dict)
    capacity: Mapping[Channel, int] = field(default_factory=dict)
    shifts: tuple[tuple[float, float], ...] = ()
    pauses: tuple[tuple[float, float], ...] = ()
    #: Multiplies the handle time of what these agents answer (1.3 = 30% slower).
    handle_factor: float = 1.0


@dataclass(frozen=True, slots=True)
class SkillSpec:
    """A skill of the forest (R-SK-1, R-SK-2)."""

    id: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything one simulation run needs, besides the seed."""

    queues: tuple[QueueSpec, ...]
    traffic: tuple[TrafficSpec, ...]
    agents: tuple[AgentGroupSpec, ...]
    skills: tuple[SkillSpec, ...] = ()
    duration_s: float = 8 * 3600.0
    warmup_s: float = 0.0
    sl_threshold_s: float = 20.0

    def __post_init__(self) -> None:
        names = {q.id for q in self.queues}
        if len(names) != len(self.queues):
            raise ScenarioError("queues: duplicate queue id")
        for t in self.traffic:
            if t.queue not in names:
                raise ScenarioError(f"traffic: unknown queue {t.queue!r}")
        for g in self.agents:
            for q in g.queues:
                if q not in names:
                    raise ScenarioError(f"agents.{g.name}: unknown queue {q!r}")
        skills = {s.id for s in self.skills}
        for s in self.skills:
            if s.parent is not None and s.parent not in skills:
                raise ScenarioError(f"skills.{s.id}: unknown parent {s.parent!r}")
        for t in self.traffic:
            if t.skill is not None and t.skill not in skills:
                raise ScenarioError(f"traffic: unknown skill {t.skill!r} (declare it in skills)")
        for g in self.agents:
            for skill in g.skills:
                if skill not in skills:
                    raise ScenarioError(f"agents.{g.name}: unknown skill {skill!r}")
        if self.duration_s <= 0 or not 0 <= self.warmup_s < self.duration_s:
            raise ScenarioError("hours must be positive and warmup_hours shorter than hours")


def single_queue(
    *,
    agents: int,
    arrival_rate_per_hour: float,
    aht_s: float,
    patience_s: float | None = None,
    hours: float = 8.0,
    warmup_hours: float = 0.0,
    sl_threshold_s: float = 20.0,
    strategy: Strategy = Strategy.LONGEST_IDLE,
) -> Scenario:
    """One voice queue, Poisson arrivals, exponential handle time (and patience if given)."""
    if agents < 0 or arrival_rate_per_hour < 0 or aht_s <= 0:
        raise ScenarioError("agents and rate must be non-negative and aht positive")
    return Scenario(
        queues=(QueueSpec("q1", strategy=strategy),),
        traffic=(
            TrafficSpec(
                queue="q1",
                arrivals=PoissonArrivals((arrival_rate_per_hour,)),
                handle=Exponential(aht_s),
                patience=Exponential(patience_s) if patience_s else None,
            ),
        ),
        agents=(AgentGroupSpec("agents", agents, ("q1",)),),
        duration_s=hours * 3600.0,
        warmup_s=warmup_hours * 3600.0,
        sl_threshold_s=sl_threshold_s,
    )


def parse_scenario(text: str) -> Scenario:
    """Parse a scenario YAML document (see docs/simulation.md)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ScenarioError("the document must be a mapping")
    return scenario_from_dict(data)


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """Build a scenario from plain data (the YAML document's structure)."""
    try:
        queues = tuple(_queue(q) for q in data.get("queues") or ())
        traffic = tuple(_traffic(t) for t in data.get("traffic") or ())
        agents = tuple(_group(i, g) for i, g in enumerate(data.get("agents") or ()))
        skills = tuple(
            SkillSpec(str(s["id"]), None if s.get("parent") is None else str(s["parent"]))
            for s in data.get("skills") or ()
        )
        hours = float(data.get("hours", 8.0))
        return Scenario(
            queues=queues,
            traffic=traffic,
            agents=agents,
            skills=skills,
            duration_s=hours * 3600.0,
            warmup_s=float(data.get("warmup_hours", 0.0)) * 3600.0,
            sl_threshold_s=float(data.get("sl_threshold_s", 20.0)),
        )
    except ScenarioError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ScenarioError(f"invalid scenario: {exc!r}") from exc


def _queue(q: Mapping[str, Any]) -> QueueSpec:
    return QueueSpec(
        id=str(q["id"]),
        channel=Channel(q.get("channel", "voice")),
        strategy=Strategy(q.get("strategy", "longest_idle")),
        wrap_up_s=float(q.get("wrap_up_s", 0.0)),
        weight=float(q.get("weight", 1.0)),
    )


def _traffic(t: Mapping[str, Any]) -> TrafficSpec:
    patience = t.get("patience")
    return TrafficSpec(
        queue=str(t["queue"]),
        arrivals=_arrivals(t["arrivals"]),
        handle=_distribution("handle", t["handle"]),
        patience=None if patience in (None, "none") else _distribution("patience", patience),
        skill=None if t.get("skill") is None else str(t["skill"]),
    )


def _arrivals(a: Mapping[str, Any]) -> ArrivalProcess:
    if "times_s" in a:
        return RecordedArrivals(tuple(float(x) for x in a["times_s"]))
    if "rate_per_hour" in a:
        return PoissonArrivals((float(a["rate_per_hour"]),))
    if "rates_per_hour" in a:
        minutes = float(a.get("interval_minutes", 60.0))
        return PoissonArrivals(tuple(float(x) for x in a["rates_per_hour"]), minutes * 60.0)
    raise ScenarioError("arrivals: give rate_per_hour, rates_per_hour or times_s")


def _distribution(name: str, d: Any) -> Distribution:
    if not isinstance(d, Mapping) or len(d) != 1:
        raise ScenarioError(f"{name}: one of exponential, lognormal, empirical, constant")
    ((kind, value),) = d.items()
    if kind == "exponential":
        return Exponential(float(value))
    if kind == "lognormal":
        return LogNormal(float(value["mean"]), float(value["sd"]))
    if kind == "empirical":
        return Empirical(tuple(float(x) for x in value))
    if kind == "constant":
        return Constant(float(value))
    raise ScenarioError(f"{name}: unknown distribution {kind!r}")


def _windows(name: str, raw: Any) -> tuple[tuple[float, float], ...]:
    out = []
    for item in raw or ():
        start, end = (float(x) * 3600.0 for x in item)
        if end <= start:
            raise ScenarioError(f"{name}: window {item!r} ends before it starts")
        out.append((start, end))
    return tuple(sorted(out))


def _group(index: int, g: Mapping[str, Any]) -> AgentGroupSpec:
    name = str(g.get("name", f"group{index + 1}"))
    count = int(g["count"])
    if count < 0:
        raise ScenarioError(f"agents.{name}: count must be non-negative")
    return AgentGroupSpec(
        name=name,
        count=count,
        queues=tuple(str(q) for q in g["queues"]),
        skills={str(k): int(v) for k, v in (g.get("skills") or {}).items()},
        capacity={Channel(k): int(v) for k, v in (g.get("capacity") or {}).items()},
        shifts=_windows(f"agents.{name}.shifts", g.get("shifts")),
        pauses=_windows(f"agents.{name}.pauses", g.get("pauses")),
        handle_factor=_positive(f"agents.{name}.handle_factor", g.get("handle_factor", 1.0)),
    )


def _positive(name: str, value: Any) -> float:
    number = float(value)
    if not number > 0:
        raise ScenarioError(f"{name}: must be positive")
    return number
