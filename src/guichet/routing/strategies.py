"""Agent order keys of the distribution strategies (R-Q-4); lower keys are offered first."""

from __future__ import annotations

from collections.abc import Callable
from random import Random
from typing import Any

from guichet.domain.enums import Strategy

from .state import AgentRt, Group

KeyFn = Callable[[Group, AgentRt, Random], tuple[Any, Any]]


def _longest_idle(g: Group, a: AgentRt, rng: Random) -> tuple[Any, Any]:
    return a.idle_since, a.idx


def _fewest_today(g: Group, a: AgentRt, rng: Random) -> tuple[Any, Any]:
    return a.today, a.idle_since


def _least_occupied(g: Group, a: AgentRt, rng: Random) -> tuple[Any, Any]:
    if a.budget:
        return a.used / a.budget, a.idle_since
    total = 0
    for n in a.load.values():
        total += n
    return total, a.idle_since


def _round_robin(g: Group, a: AgentRt, rng: Random) -> tuple[Any, Any]:
    return a.last_offer, g.queue.rank.get(a.idx, a.idx)


def _top_down(g: Group, a: AgentRt, rng: Random) -> tuple[Any, Any]:
    return g.queue.rank.get(a.idx, a.idx), 0


def _random(g: Group, a: AgentRt, rng: Random) -> tuple[Any, Any]:
    # Drawn when the agent is listed: the order among listed agents is a seeded shuffle.
    return rng.random(), 0


def _best_proficiency(g: Group, a: AgentRt, rng: Random) -> tuple[Any, Any]:
    skill = g.prof_skill
    prof = 0 if skill is None else a.eff.get(skill, 0)
    return -prof, a.idle_since


KEYS: dict[Strategy, KeyFn] = {
    Strategy.LONGEST_IDLE: _longest_idle,
    Strategy.FEWEST_TODAY: _fewest_today,
    Strategy.LEAST_OCCUPIED: _least_occupied,
    Strategy.ROUND_ROBIN: _round_robin,
    Strategy.RING_ALL: _longest_idle,
    Strategy.TOP_DOWN: _top_down,
    Strategy.RANDOM: _random,
    Strategy.BEST_PROFICIENCY: _best_proficiency,
}
