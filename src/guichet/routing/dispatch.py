"""Dispatch: offers and assignments, routing one interaction, serving a freed agent.

R-Q-4 (offers, auto-answer, ring-all), R-Q-8 (a freed agent gets the waiting interaction of
highest weight x seconds waited, personal queue first), R-X-10 (no stale backlog: whoever can
take work gets it at once). The explanation of every offer (R-X-3) is built here.
"""

from __future__ import annotations

from guichet.domain.enums import Strategy
from guichet.domain.routing import InteractionStatus

from .availability import Availability
from .capacity import Capacity
from .decisions import AssignInteraction, Decision, Explanation, OfferInteraction
from .skills import qualifies
from .state import AgentRt, Ix
from .timers import OFFER, Timers
from .wait_tracker import WINDOW_S, WaitTracker
from .waiting import Waiting

_OFFERED = InteractionStatus.OFFERED
_ASSIGNED = InteractionStatus.ASSIGNED
_RING_ALL = Strategy.RING_ALL


class Dispatch:
    """Offer, assign, route an interaction, serve a freed agent."""

    __slots__ = (
        "availability",
        "capacity",
        "timers",
        "tracker",
        "waiting",
    )

    def __init__(
        self,
        timers: Timers,
        capacity: Capacity,
        availability: Availability,
        waiting: Waiting,
        tracker: WaitTracker,
    ) -> None:
        self.timers = timers
        self.capacity = capacity
        self.availability = availability
        self.waiting = waiting
        self.tracker = tracker

    def offer(
        self,
        ix: Ix,
        agents: tuple[AgentRt, ...],
        expl: Explanation,
        now: float,
        out: list[Decision],
    ) -> None:
        """Offer to one agent (or all, for ring-all); auto-accept assigns at once (R-Q-4)."""
        if ix.callback:
            ix.outbound = True
        ix.expl = expl
        q = ix.queue
        cfg = None if q is None else q.cfg
        if cfg is not None and cfg.auto_accept and len(agents) == 1:
            # Auto-answer: straight to the assignment, no open offer in between.
            a = agents[0]
            self.capacity.hold(a, ix.channel)
            self.take(ix, a, expl, now, out)
            return
        ix.status = _OFFERED
        ix.offer_agents = agents
        reserve = self.capacity.reserve
        for a in agents:
            reserve(a, ix)
        ix.offer_token += 1
        due = now + (20.0 if cfg is None else cfg.offer_timeout_s)
        self.timers.at(due, OFFER, ix, ix.offer_token)
        ids = (agents[0].id,) if len(agents) == 1 else tuple(a.id for a in agents)
        out.append(OfferInteraction(ix.id, ids, due, ix.outbound, expl))

    def assign(
        self, ix: Ix, a: AgentRt, expl: Explanation, now: float, out: list[Decision]
    ) -> None:
        """The agent accepted: its offer becomes the assignment."""
        ix.offer_agents = ()
        ix.offer_token += 1
        del a.offers[ix.id]
        self.take(ix, a, expl, now, out)

    def take(self, ix: Ix, a: AgentRt, expl: Explanation, now: float, out: list[Decision]) -> None:
        """The agent handles the interaction from now on (its slot is already held)."""
        ix.status = _ASSIGNED
        ix.taken_at = now
        ix.agent = a
        a.assigned[ix.id] = ix
        a.today += 1
        a.no_answer = 0
        a.stamp += 1
        q = ix.queue
        if q is not None:
            answers = q.answers
            answers.append(now)
            horizon = now - WINDOW_S
            while answers[0] <= horizon:
                answers.popleft()
            if q.track:
                self.tracker.record_departure(q.id, ix.id, now)
        out.append(AssignInteraction(ix.id, a.id, expl))

    def route(self, ix: Ix, now: float, out: list[Decision], rule: str) -> bool:
        """Offer the interaction to the best available agent at once, if any (R-Q-4)."""
        p = ix.personal
        if p is not None:
            if self.capacity.can_take(p, ix.channel):
                self.offer(ix, (p,), Explanation("R-W-5", waited_s=now - ix.order_t), now, out)
                self.availability.relist(p)
                return True
            return False
        q = ix.queue
        pop_agent = self.availability.pop_agent
        for g in ix.groups:
            if g.strategy is _RING_ALL:
                found = []
                while (e := pop_agent(g, ix)) is not None:
                    found.append(e)
                if not found:
                    continue
                agents = tuple(e[4] for e in found)
                cands = tuple((e[4].id, float(e[0])) for e in found)
            else:
                e = pop_agent(g, ix)
                if e is None:
                    continue
                agents = (e[4],)
                heap = g.agents
                if heap and heap[0][3] == heap[0][4].stamp:
                    # The runner-up, as considered: the next valid head of the same heap.
                    nxt = heap[0]
                    cands = ((e[4].id, float(e[0])), (nxt[4].id, float(nxt[0])))
                else:
                    cands = ((e[4].id, float(e[0])),)
            expl = Explanation(
                "R-SK-4" if g.overflow else rule,
                None if q is None else q.id,
                ix.step,
                ix.skill,
                g.overflow,
                g.strategy,
                cands,
                ix.targeting_rule,
                now - ix.order_t,
            )
            self.offer(ix, agents, expl, now, out)
            relist = self.availability.relist
            for a in agents:
                relist(a)
            return True
        return False

    def freed(self, a: AgentRt, now: float, out: list[Decision]) -> None:
        """R-X-10: an agent able to take work gets waiting work at once, else is listed."""
        pick_for = self.waiting.pick_for
        while not a.blocked:
            picked = pick_for(a, now)
            if picked is None:
                break
            ix, score, rule = picked
            self.waiting.unwait(ix)
            q = ix.queue
            g_strategy = None if q is None else q.cfg.strategy
            expl = Explanation(
                rule,
                None if q is None else q.id,
                ix.step,
                ix.skill,
                ix.overflow and ix.req != () and not qualifies(a.eff, ix.req),
                g_strategy,
                ((a.id, score),),
                ix.targeting_rule,
                now - ix.order_t,
            )
            self.offer(ix, (a,), expl, now, out)
        self.availability.relist(a)
