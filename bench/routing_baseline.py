"""The straightforward router a team would write first, as the routing benchmark's baseline.

Every arriving interaction scans every agent with a list comprehension; every agent that frees
up scans every waiting interaction. Same events, decisions and timers as the real engine (on
the subset the benchmark uses), so the ratio compares like with like.
"""

from __future__ import annotations

import heapq
from typing import Any

from guichet.domain.enums import AgentState, Channel, Strategy
from guichet.routing import (
    AgentStateChanged,
    AssignInteraction,
    Decision,
    EndWrapUp,
    Explanation,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
    OfferInteraction,
    QueueInteraction,
    RoutingConfig,
    StartWrapUp,
)


class _Agent:
    def __init__(
        self, aid: str, skills: set[str], queues: set[str], cap: dict[Channel, int]
    ) -> None:
        self.id = aid
        self.skills = skills
        self.queues = queues
        self.cap = cap
        self.load: dict[Channel, int] = {}
        self.available = False
        self.wrap_until: float | None = None
        self.idle_since = 0.0
        self.today = 0
        self.last = 0


class NaiveRouter:
    """Linear scans everywhere; only what the benchmark workload needs."""

    def __init__(self, config: RoutingConfig) -> None:
        parents = {s.id: s.parent for s in config.skills}
        self.queues = {q.id: q for q in config.queues}
        self.agents: dict[str, _Agent] = {}
        for ac in config.agents:
            held: set[str] = set()
            for s in ac.skills:
                cur: str | None = s
                while cur is not None:  # R-SK-2: a skill serves its ancestors
                    held.add(cur)
                    cur = parents.get(cur)
            cap = {Channel.VOICE: 1, Channel.CHAT: 3, **ac.capacity}
            self.agents[ac.id] = _Agent(ac.id, held, set(ac.queues), cap)
        self.agent_list = list(self.agents.values())
        self.waiting: list[dict[str, Any]] = []
        self.ixs: dict[str, dict[str, Any]] = {}
        self.timers: list[tuple[float, int, str, Any]] = []
        self.tseq = 0
        self.seq = 0

    def _can(self, a: _Agent, ch: Channel) -> bool:
        if not a.available or a.wrap_until is not None:
            return False
        if a.load.get(ch, 0) >= a.cap.get(ch, 0):
            return False
        return not any(n for c, n in a.load.items() if c is not ch)

    def _key(self, a: _Agent, strategy: Strategy) -> tuple[float, float]:
        if strategy is Strategy.FEWEST_TODAY:
            return a.today, a.idle_since
        if strategy is Strategy.LEAST_OCCUPIED:
            return sum(a.load.values()), a.idle_since
        if strategy is Strategy.ROUND_ROBIN:
            return a.last, 0
        return a.idle_since, 0

    def _offer(self, ix: dict[str, Any], a: _Agent, now: float, out: list[Decision]) -> None:
        ch = ix["channel"]
        a.load[ch] = a.load.get(ch, 0) + 1
        self.seq += 1
        a.last = self.seq
        ix["agent"] = a
        ix["state"] = "offered"
        q = self.queues[ix["queue"]]
        out.append(
            OfferInteraction(
                ix["id"], (a.id,), now + q.offer_timeout_s, False, Explanation("R-Q-4")
            )
        )

    def _free(self, a: _Agent, now: float, out: list[Decision]) -> None:
        while True:
            cands = [
                ix
                for ix in self.waiting
                if ix["queue"] in a.queues
                and (ix["skill"] is None or ix["skill"] in a.skills)
                and self._can(a, ix["channel"])
            ]
            if not cands:
                return
            best = max(cands, key=lambda ix: (ix["weight"] * (now - ix["t"]), -ix["t"]))
            self.waiting.remove(best)
            self._offer(best, a, now, out)

    def handle(self, ev: Any, now: float) -> list[Decision]:
        """Apply one event (arrival, accept, end, agent state)."""
        out = self.advance(now)
        if isinstance(ev, InteractionArrived):
            q = self.queues[ev.queue_id]  # type: ignore[index]
            ix = {
                "id": ev.interaction_id,
                "queue": q.id,
                "skill": ev.skill,
                "channel": ev.channel,
                "t": now,
                "weight": q.weight,
                "state": "waiting",
                "agent": None,
            }
            self.ixs[ev.interaction_id] = ix
            cands = [
                a
                for a in self.agent_list
                if q.id in a.queues
                and (ev.skill is None or ev.skill in a.skills)
                and self._can(a, ev.channel)
            ]
            if cands:
                self._offer(ix, min(cands, key=lambda a: self._key(a, q.strategy)), now, out)
            else:
                self.waiting.append(ix)
                out.append(
                    QueueInteraction(
                        ev.interaction_id, q.id, ev.skill, None, False, Explanation("R-Q-4")
                    )
                )
        elif isinstance(ev, OfferAccepted):
            ix = self.ixs[ev.interaction_id]
            if ix["state"] == "offered":
                ix["state"] = "assigned"
                ix["agent"].today += 1
                out.append(AssignInteraction(ix["id"], ix["agent"].id, Explanation("R-Q-4")))
        elif isinstance(ev, InteractionEnded):
            ix = self.ixs.pop(ev.interaction_id)
            if ix["state"] == "waiting":
                self.waiting.remove(ix)
            else:
                a = ix["agent"]
                a.load[ix["channel"]] -= 1
                if not any(a.load.values()):
                    a.idle_since = now
                wrap = self.queues[ix["queue"]].wrap_up_s
                if ix["state"] == "assigned" and wrap > 0:
                    a.wrap_until = now + wrap
                    self.tseq += 1
                    heapq.heappush(self.timers, (now + wrap, self.tseq, "wrap", a))
                    out.append(StartWrapUp(a.id, ix["id"], now + wrap))
                else:
                    self._free(a, now, out)
        elif isinstance(ev, AgentStateChanged):
            a = self.agents[ev.agent_id]
            a.available = ev.state is AgentState.AVAILABLE
            if a.available:
                self._free(a, now, out)
        return out

    def advance(self, now: float) -> list[Decision]:
        """Fire due wrap-up ends."""
        out: list[Decision] = []
        while self.timers and self.timers[0][0] <= now:
            due, _, _, a = heapq.heappop(self.timers)
            a.wrap_until = None
            out.append(EndWrapUp(a.id))
            self._free(a, due, out)
        return out

    def next_deadline(self) -> float | None:
        """When the next wrap-up ends."""
        return self.timers[0][0] if self.timers else None
