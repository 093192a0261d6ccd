"""Agents of a simulated run: routing configuration, presence timelines, busy-time accounting.

Presence follows R-W-1: an agent is offline outside its shifts, paused during a pause that
falls inside a shift, available otherwise. Occupancy counts the time an agent is busy
(handling at least one interaction, or in wrap-up) over the time it is staffed (logged in and
not paused), both clipped to the measured window (R-AN-1).
"""

from __future__ import annotations

from guichet.domain.enums import AgentState
from guichet.routing.config import AgentConfig, QueueConfig, RoutingConfig, SkillConfig
from guichet.sim.scenario import AgentGroupSpec, Scenario

#: Pause reason the simulator gives scheduled breaks (R-Q-9).
BREAK_REASON = "break"


def routing_config(scenario: Scenario) -> RoutingConfig:
    """The engine configuration of a scenario: auto-answer queues, one agent per head."""
    queues = tuple(
        QueueConfig(
            id=q.id,
            strategy=q.strategy,
            channels=(q.channel,),
            wrap_up_s=q.wrap_up_s,
            weight=q.weight,
            auto_accept=True,
            max_no_answer=0,
        )
        for q in scenario.queues
    )
    agents = tuple(
        AgentConfig(id=agent_id, skills=dict(g.skills), queues=g.queues, capacity=dict(g.capacity))
        for g in scenario.agents
        for agent_id in agent_ids(g)
    )
    skills = tuple(SkillConfig(id=s.id, parent=s.parent) for s in scenario.skills)
    return RoutingConfig(skills=skills, agents=agents, queues=queues)


def agent_ids(group: AgentGroupSpec) -> list[str]:
    """Stable agent ids of a group: `<group>-1` .. `<group>-<count>`."""
    return [f"{group.name}-{i}" for i in range(1, group.count + 1)]


def presence_timeline(
    group: AgentGroupSpec, end_s: float
) -> list[tuple[float, AgentState, str | None]]:
    """State changes of one agent of `group` over [0, end_s): (time, state, pause reason)."""
    shifts = group.shifts or ((0.0, float("inf")),)
    points = {0.0}
    for start, stop in (*shifts, *group.pauses):
        points.update((start, stop))
    changes: list[tuple[float, AgentState, str | None]] = []
    current: AgentState | None = None
    for t in sorted(p for p in points if 0.0 <= p < end_s):
        on_shift = any(s <= t < e for s, e in shifts)
        paused = any(s <= t < e for s, e in group.pauses)
        if not on_shift:
            state = AgentState.OFFLINE
        elif paused:
            state = AgentState.PAUSED
        else:
            state = AgentState.AVAILABLE
        if state != current:
            if current is not None or state != AgentState.OFFLINE:
                changes.append((t, state, BREAK_REASON if state == AgentState.PAUSED else None))
            current = state
    return changes


class AgentClock:
    """Busy and staffed time of one agent inside the measured window [start, end).

    Staffed means logged in and not paused, or still busy (work that spills past a shift
    end or into a pause counts as staffed time).
    """

    __slots__ = (
        "active",
        "busy",
        "busy_since",
        "busy_total",
        "end",
        "factor",
        "logged",
        "present",
        "present_since",
        "present_total",
        "start",
        "wrap",
    )

    def __init__(self, start: float, end: float, factor: float = 1.0) -> None:
        self.start = start
        self.end = end
        #: The agent's handle-time multiplier (AgentGroupSpec.handle_factor).
        self.factor = factor
        self.active = 0
        self.wrap = False
        self.logged = False
        self.busy = False
        self.busy_since = 0.0
        self.busy_total = 0.0
        self.present = False
        self.present_since = 0.0
        self.present_total = 0.0

    def _overlap(self, a: float, b: float) -> float:
        lo = a if a > self.start else self.start
        hi = b if b < self.end else self.end
        return hi - lo if hi > lo else 0.0

    def update(self, now: float) -> None:
        """Re-evaluate busy and staffed after `active`, `wrap` or `logged` changed."""
        busy = self.active > 0 or self.wrap
        if busy != self.busy:
            if busy:
                self.busy_since = now
            else:
                self.busy_total += self._overlap(self.busy_since, now)
            self.busy = busy
        present = busy or self.logged
        if present != self.present:
            if present:
                self.present_since = now
            else:
                self.present_total += self._overlap(self.present_since, now)
            self.present = present

    def totals(self, now: float) -> tuple[float, float]:
        """(busy, staffed) seconds inside the window, counting open intervals up to `now`."""
        busy = self.busy_total
        if self.busy:
            busy += self._overlap(self.busy_since, now)
        staffed = self.present_total
        if self.present:
            staffed += self._overlap(self.present_since, now)
        return busy, staffed
