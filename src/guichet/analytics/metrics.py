"""Pure reference of every dashboard number over facts (R-AN-1..R-AN-4, R-S-1).

The SQL aggregates of ``analytics/queries.py`` must give the same numbers on the same data;
docs/metrics.md defines each key. Averages and ratios are ``None`` when their denominator is
zero (the simulator's measures show 0 there). Day and hour buckets are in the organization's
time zone: a time goes to the local date, weekday (Monday 0) and hour of its 15-minute UTC
slot ``floor(ts / 900)``, which is what the SQL groups by.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from guichet.analytics.facts import AgentStateFact, InteractionFact, SegmentFact

#: Default service-level threshold in seconds (a queue's ``service_level_s`` overrides it).
DEFAULT_THRESHOLD_S = 20.0
#: The real-time average wait looks at the last 15 minutes, as the R-Q-6 callback rule.
REALTIME_WINDOW_S = 900.0
#: Width of the UTC slots the SQL groups by: every real UTC offset is a multiple of it.
SLOT_S = 900

_FINISHED = frozenset({"abandoned", "missed", "unrouted"})
_WORKING = ("busy", "wrap_up")
_STAFFED = ("available", "busy", "wrap_up")


@dataclass(frozen=True, slots=True)
class Filters:
    """Dashboard filters: period ``[from_ts, to_ts)`` and sets of ids (None: no filter).

    On interactions the period applies to ``arrived_ts`` and ``agent_ids`` to the agent
    holding it last (``agent_id``); on segments the period applies to ``start_ts`` and the
    skill is the interaction's; on agent states only the period and ``agent_ids`` apply.
    """

    from_ts: float | None = None
    to_ts: float | None = None
    queue_ids: frozenset[int] | None = None
    channels: frozenset[str] | None = None
    agent_ids: frozenset[int] | None = None
    skill_ids: frozenset[int] | None = None

    def in_period(self, ts: float) -> bool:
        """Whether ``ts`` lies in ``[from_ts, to_ts)``."""
        return (self.from_ts is None or ts >= self.from_ts) and (
            self.to_ts is None or ts < self.to_ts
        )

    def match(self, fact: InteractionFact) -> bool:
        """Whether the interaction passes every filter."""
        return (
            self.in_period(fact.arrived_ts)
            and (self.queue_ids is None or fact.queue_id in self.queue_ids)
            and (self.channels is None or fact.channel in self.channels)
            and (self.agent_ids is None or fact.agent_id in self.agent_ids)
            and (self.skill_ids is None or fact.skill_id in self.skill_ids)
        )

    def match_segment(self, seg: SegmentFact, skill_id: int | None) -> bool:
        """Whether the segment passes every filter (``skill_id``: its interaction's)."""
        return (
            self.in_period(seg.start_ts)
            and (self.queue_ids is None or seg.queue_id in self.queue_ids)
            and (self.channels is None or seg.channel in self.channels)
            and (self.agent_ids is None or seg.agent_id in self.agent_ids)
            and (self.skill_ids is None or skill_id in self.skill_ids)
        )


NO_FILTER = Filters()


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def local_slot(ts: float, tz: str) -> datetime:
    """The local time (zone ``tz``) of the start of the 15-minute UTC slot holding ``ts``."""
    return datetime.fromtimestamp(math.floor(ts / SLOT_S) * SLOT_S, ZoneInfo(tz or "UTC"))


def local_day_start(now_ts: float, tz: str) -> float:
    """POSIX seconds of the local midnight (zone ``tz``) that starts the day of ``now_ts``."""
    zone = ZoneInfo(tz or "UTC")
    local = datetime.fromtimestamp(now_ts, zone)
    midnight = datetime(local.year, local.month, local.day, tzinfo=zone)
    return midnight.timestamp()


def _within(wait: float | None, threshold_s: float) -> bool:
    return wait is not None and wait <= threshold_s


def finished_unanswered(fact: InteractionFact) -> bool:
    """Offered, never answered and over (abandoned, or ended or unrouted without answer)."""
    return fact.answered_ts is None and fact.outcome in _FINISHED


# -- callers in queue -----------------------------------------------------------------------


def queue_totals(facts: Iterable[InteractionFact], threshold_s: float) -> dict[str, Any]:
    """The R-AN-1 totals of offered interactions (facts already filtered)."""
    offered = [f for f in facts if f.offered]
    handled = [f for f in offered if f.handled]
    abandoned = [f for f in offered if f.outcome == "abandoned"]
    missed = [f for f in offered if finished_unanswered(f)]
    waiting = [f for f in offered if f.outcome == "waiting"]
    answered_within = sum(1 for f in handled if _within(f.wait_s, threshold_s))
    abandoned_within = sum(1 for f in abandoned if _within(f.wait_s, threshold_s))
    handled_waits = [f.wait_s for f in handled if f.wait_s is not None]
    abandon_waits = [f.wait_s for f in abandoned if f.wait_s is not None]
    return {
        "offered": len(offered),
        "handled": len(handled),
        "abandoned": len(abandoned),
        "missed": len(missed),
        "waiting": len(waiting),
        "answered_within": answered_within,
        "abandoned_within": abandoned_within,
        "asa_s": _mean(handled_waits),
        "avg_abandon_wait_s": _mean(abandon_waits),
        "avg_wait_s": _mean(handled_waits + abandon_waits),
        "sl_offered": _ratio(answered_within, len(offered)),
        "sl_answered": _ratio(answered_within, len(handled)),
        "sl_abandons": _ratio(answered_within + abandoned_within, len(handled) + len(abandoned)),
    }


def callers_in_queue(
    facts: Iterable[InteractionFact],
    filters: Filters = NO_FILTER,
    *,
    tz: str = "UTC",
    threshold_s: float = DEFAULT_THRESHOLD_S,
) -> dict[str, Any]:
    """R-AN-2 "callers in queue": totals, offered/handled/abandoned/missed per local day, and
    the offered per local weekday x hour (the busiest days and hours)."""
    chosen = [f for f in facts if filters.match(f) and f.offered]
    days: dict[str, dict[str, Any]] = {}
    heatmap = [[0] * 24 for _ in range(7)]
    for f in chosen:
        local = local_slot(f.arrived_ts, tz)
        key = local.date().isoformat()
        day = days.get(key)
        if day is None:
            day = days[key] = {"date": key, "offered": 0, "handled": 0, "abandoned": 0, "missed": 0}
        day["offered"] += 1
        day["handled"] += f.handled
        day["abandoned"] += f.outcome == "abandoned"
        day["missed"] += finished_unanswered(f)
        heatmap[local.weekday()][local.hour] += 1
    return {
        "totals": queue_totals(chosen, threshold_s),
        "by_day": [days[k] for k in sorted(days)],
        "heatmap": heatmap,
        "by_weekday": [sum(row) for row in heatmap],
        "by_hour": [sum(heatmap[d][h] for d in range(7)) for h in range(24)],
    }


# -- agent performance ----------------------------------------------------------------------


def state_seconds(
    states: Iterable[AgentStateFact],
    filters: Filters = NO_FILTER,
    *,
    now_ts: float,
) -> dict[int, dict[str, float]]:
    """Seconds per agent and state inside the period (a current state runs until ``now_ts``;
    the period's open end is ``now_ts`` too)."""
    low = -math.inf if filters.from_ts is None else filters.from_ts
    high = now_ts if filters.to_ts is None else min(filters.to_ts, now_ts)
    out: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for s in states:
        if filters.agent_ids is not None and s.agent_id not in filters.agent_ids:
            continue
        end = now_ts if s.end_ts is None else s.end_ts
        start, stop = max(s.start_ts, low), min(end, high)
        if stop > start:
            out[s.agent_id][s.state] += stop - start
    return {a: dict(v) for a, v in out.items()}


def _work(segments: Iterable[SegmentFact]) -> dict[str, Any]:
    segs = list(segments)
    talk = math.fsum(s.talk_s for s in segs)
    hold = math.fsum(s.hold_s for s in segs)
    wrap = math.fsum(s.wrap_s for s in segs)
    handled = len({s.interaction_id for s in segs})
    return {
        "handled": handled,
        "talk_s": talk,
        "hold_s": hold,
        "wrap_s": wrap,
        "handle_s": talk + hold + wrap,
        "aht_s": _ratio(talk + hold + wrap, handled),
    }


def occupancy(seconds: Mapping[str, float]) -> float | None:
    """(busy + wrap_up) / (available + busy + wrap_up) state time."""
    working = math.fsum(seconds.get(k, 0.0) for k in _WORKING)
    staffed = math.fsum(seconds.get(k, 0.0) for k in _STAFFED)
    return _ratio(working, staffed)


def agent_performance(
    states: Iterable[AgentStateFact],
    segments: Iterable[SegmentFact],
    facts: Iterable[InteractionFact],
    filters: Filters = NO_FILTER,
    *,
    now_ts: float,
) -> dict[str, Any]:
    """R-AN-3 "agent performance": per agent the time per state, handled, talk, hold, wrap,
    handle, AHT and occupancy; the team's; handle time per queue and per channel."""
    skill_of = {f.interaction_id: f.skill_id for f in facts}
    segs = [s for s in segments if filters.match_segment(s, skill_of.get(s.interaction_id))]
    per_state = state_seconds(states, filters, now_ts=now_ts)
    by_agent: dict[int, list[SegmentFact]] = defaultdict(list)
    for s in segs:
        by_agent[s.agent_id].append(s)
    # Team "handled" counts each interaction once even when several agents held it.
    by_queue: dict[int | None, list[SegmentFact]] = defaultdict(list)
    by_channel: dict[str, list[SegmentFact]] = defaultdict(list)
    for s in segs:
        by_queue[s.queue_id].append(s)
        by_channel[s.channel].append(s)
    return agent_performance_body(
        per_state,
        {a: _work(v) for a, v in by_agent.items()},
        _work(segs),
        {q: _work(v) for q, v in by_queue.items()},
        {c: _work(v) for c, v in by_channel.items()},
    )


def agent_performance_body(
    per_state: Mapping[int, Mapping[str, float]],
    by_agent: Mapping[int, dict[str, Any]],
    team_work: dict[str, Any],
    by_queue: Mapping[int | None, dict[str, Any]],
    by_channel: Mapping[str, dict[str, Any]],
) -> dict[str, Any]:
    """The R-AN-3 answer from state seconds per agent and the work figures per agent, team,
    queue and channel (the SQL aggregates give the same pieces)."""
    empty = _work([])
    agents = []
    team_states: dict[str, float] = defaultdict(float)
    for agent in sorted(set(by_agent) | set(per_state)):
        seconds = per_state.get(agent, {})
        for k, v in seconds.items():
            team_states[k] += v
        agents.append(
            {
                "agent_id": agent,
                "states": dict(sorted(seconds.items())),
                **by_agent.get(agent, empty),
                "occupancy": occupancy(seconds),
            }
        )
    return {
        "agents": agents,
        "team": {
            "states": dict(sorted(team_states.items())),
            **team_work,
            "occupancy": occupancy(team_states),
        },
        "by_queue": [
            {"queue_id": q, **by_queue[q]}
            for q in sorted(by_queue, key=lambda q: (q is None, q or 0))
        ],
        "by_channel": [{"channel": c, **by_channel[c]} for c in sorted(by_channel)],
    }


# -- resolved conversations -----------------------------------------------------------------


def resolved_conversations(
    facts: Iterable[InteractionFact],
    reasons: Mapping[int, Sequence[tuple[str, int, str]]],
    filters: Filters = NO_FILTER,
    *,
    top: int = 10,
) -> dict[str, Any]:
    """R-AN-4 "resolved conversations": conversations and resolved per channel, resolved per
    agent (credited to the agent holding it when it ended), and the most frequent reasons
    (tags, dispositions, labels: ``reasons`` maps an interaction to its ``(kind, id, name)``)
    among the resolved, each counted once per conversation."""
    chosen = [f for f in facts if filters.match(f)]
    channels: dict[str, dict[str, Any]] = {}
    agents: dict[int, int] = defaultdict(int)
    counts: dict[tuple[str, int], int] = defaultdict(int)
    names: dict[tuple[str, int], str] = {}
    for f in chosen:
        ch = channels.get(f.channel)
        if ch is None:
            ch = channels[f.channel] = {"channel": f.channel, "conversations": 0, "resolved": 0}
        ch["conversations"] += 1
        if not f.resolved:
            continue
        ch["resolved"] += 1
        if f.agent_id is not None:
            agents[f.agent_id] += 1
        for kind, rid, name in {(k, i, n) for k, i, n in reasons.get(f.interaction_id, ())}:
            counts[(kind, rid)] += 1
            names[(kind, rid)] = name
    ranked = sorted(counts, key=lambda k: (-counts[k], k[0], k[1]))[:top]
    return {
        "totals": {
            "conversations": len(chosen),
            "resolved": sum(c["resolved"] for c in channels.values()),
        },
        "by_channel": [channels[c] for c in sorted(channels)],
        "by_agent": [{"agent_id": a, "resolved": agents[a]} for a in sorted(agents)],
        "top_reasons": [
            {"kind": k, "id": i, "name": names[(k, i)], "count": counts[(k, i)]} for k, i in ranked
        ],
    }


# -- real time ------------------------------------------------------------------------------


def realtime(
    facts: Iterable[InteractionFact],
    filters: Filters = NO_FILTER,
    *,
    now_ts: float,
    tz: str = "UTC",
    thresholds: Mapping[int, float] | None = None,
    window_s: float = REALTIME_WINDOW_S,
) -> dict[str, Any]:
    """R-S-1 figures per queue: average wait of the interactions answered or abandoned in the
    window ``(now - window_s, now]``, today's (org-local) totals and service level, and the
    longest current wait of the interactions still waiting for a first answer.

    Only the queue and channel filters apply (the period is the window and today). The queues
    listed are those with an interaction in one of these three: left in the window, arrived
    today, or waiting now.
    """
    thresholds = thresholds or {}
    today = local_day_start(now_ts, tz)
    horizon = now_ts - window_s
    queues: dict[int | None, dict[str, Any]] = {}
    recent: dict[int | None, list[float]] = defaultdict(list)
    todays: dict[int | None, list[InteractionFact]] = defaultdict(list)
    longest: dict[int | None, float] = {}
    waiting: dict[int | None, int] = defaultdict(int)
    scoped = Filters(queue_ids=filters.queue_ids, channels=filters.channels)
    for f in facts:
        if not f.offered or not scoped.match(f):
            continue
        q = f.queue_id
        left = f.answered_ts if f.answered_ts is not None else f.abandoned_ts
        if left is not None and f.wait_s is not None and horizon < left <= now_ts:
            recent[q].append(f.wait_s)
            queues.setdefault(q, {})
        if today <= f.arrived_ts <= now_ts:
            todays[q].append(f)
            queues.setdefault(q, {})
        if f.outcome == "waiting" and f.queued_ts is not None:
            waiting[q] += 1
            longest[q] = max(longest.get(q, 0.0), max(0.0, now_ts - f.queued_ts))
            queues.setdefault(q, {})
    out = []
    for q in sorted(queues, key=lambda q: (q is None, q or 0)):
        limit = thresholds.get(q, DEFAULT_THRESHOLD_S) if q is not None else DEFAULT_THRESHOLD_S
        totals = queue_totals(todays[q], limit)
        out.append(
            {
                "queue_id": q,
                "avg_wait_15m_s": _mean(recent[q]),
                "left_15m": len(recent[q]),
                "offered_today": totals["offered"],
                "answered_today": totals["handled"],
                "abandoned_today": totals["abandoned"],
                "answered_within_today": totals["answered_within"],
                "threshold_s": limit,
                "sl_today": totals["sl_offered"],
                "waiting": waiting[q],
                "longest_wait_s": longest.get(q),
            }
        )
    return {
        "day_start_ts": today,
        "queues": out,
        "longest_wait_s": max(longest.values(), default=None),
    }


def day_bounds(date_iso: str, tz: str) -> tuple[float, float]:
    """POSIX seconds ``[start, end)`` of a local date in zone ``tz`` (23 or 25 hours on DST
    change days)."""
    zone = ZoneInfo(tz or "UTC")
    d = datetime.fromisoformat(date_iso)
    start = datetime(d.year, d.month, d.day, tzinfo=zone)
    nxt = start.date() + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    return start.timestamp(), end.timestamp()
