"""Dispatch: waiting heaps, offers and assignments, routing an arrival, freeing an agent.

R-Q-4 (offers), R-Q-8 (weight x seconds waited, personal queue first), R-X-10 (no stale
backlog). Waiting entries are `(order_t, seq, wver, ix)`; an interaction's `wver` changes
whenever it leaves the waiting heaps or changes groups, which makes its old entries stale.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any

from guichet.domain.enums import Channel, Strategy
from guichet.domain.routing import InteractionStatus

from .core import OFFER, Core
from .decisions import AssignInteraction, Decision, Explanation, OfferInteraction
from .skills import qualifies
from .state import AgentRt, Ix
from .wait_tracker import WINDOW_S

_OFFERED = InteractionStatus.OFFERED
_ASSIGNED = InteractionStatus.ASSIGNED
_RING_ALL = Strategy.RING_ALL


class Dispatch(Core):
    """Waiting, offering and assigning; the handlers build on these."""

    # -- waiting heaps (R-Q-8) ----------------------------------------------------------
    def wait(self, ix: Ix, head: bool = False) -> None:
        """Put the interaction in the waiting heaps of its groups (or its personal queue)."""
        ix.wver += 1
        p = ix.personal
        if p is not None:
            if head:
                p.personal.appendleft((ix.wver, ix))
            else:
                p.personal.append((ix.wver, ix))
            return
        ent = (ix.order_t, ix.seq, ix.wver, ix)
        w = ix.weight
        for g in ix.groups:
            heap = g.waiting.get(w)
            if heap is None:
                heap = g.waiting[w] = []
            heappush(heap, ent)
            g.nwait += 1
            if len(heap) > 2 * g.nwait + 64:
                g.waiting[w] = _live(heap)
        q = ix.queue
        if q is not None:
            heap = q.heap
            heappush(heap, ent)
            q.waiting += 1
            if len(heap) > 2 * q.waiting + 64:
                q.heap = _live(heap)

    def unwait(self, ix: Ix) -> None:
        """Take the interaction out of the waiting heaps (lazily, by bumping `wver`)."""
        ix.wver += 1
        if ix.personal is not None:
            return
        for g in ix.groups:
            g.nwait -= 1
        q = ix.queue
        if q is not None:
            q.waiting -= 1

    def pick_for(self, a: AgentRt, now: float) -> tuple[Ix, float, str] | None:
        """R-W-5 then R-Q-8: personal queue first, then highest weight x seconds waited."""
        dq = a.personal
        while dq:
            wver, ix = dq[0]
            if wver != ix.wver:
                dq.popleft()
                continue
            if self.can_take(a, ix.channel):
                dq.popleft()
                return ix, now - ix.order_t, "R-W-5"
            break
        best: tuple[float, float, int, Ix] | None = None
        ok: dict[Channel, bool] = {}
        for g in a.groups:
            if not g.nwait:
                continue
            ch = g.channel
            can = ok.get(ch)
            if can is None:
                can = ok[ch] = self.can_take(a, ch)
            if not can:
                continue
            for w, heap in g.waiting.items():
                e = _head_for(heap, a)
                if e is None:
                    continue
                score = w * (now - e[0])
                if (
                    best is None
                    or score > best[0]
                    or (score == best[0] and (e[0], e[1]) < (best[1], best[2]))
                ):
                    best = (score, e[0], e[1], e[3])
        if best is None:
            return None
        return best[3], best[0], "R-Q-8"

    # -- offers -------------------------------------------------------------------------
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
            ch = ix.channel
            a.load[ch] = a.load.get(ch, 0) + 1
            a.nload += 1
            a.used += self.costs.get(ch, 0)
            self.offer_seq += 1
            a.last_offer = self.offer_seq
            self.take(ix, a, expl, now, out)
            return
        ix.status = _OFFERED
        ix.offer_agents = agents
        for a in agents:
            self.reserve(a, ix)
        ix.offer_token += 1
        due = now + (20.0 if cfg is None else cfg.offer_timeout_s)
        self.at(due, OFFER, ix, ix.offer_token)
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
            if self.can_take(p, ix.channel):
                self.offer(ix, (p,), Explanation("R-W-5", waited_s=now - ix.order_t), now, out)
                self.relist(p)
                return True
            return False
        q = ix.queue
        for g in ix.groups:
            if g.strategy is _RING_ALL:
                found = []
                while (e := self.pop_agent(g, ix)) is not None:
                    found.append(e)
                if not found:
                    continue
                agents = tuple(e[4] for e in found)
                cands = tuple((e[4].id, float(e[0])) for e in found)
            else:
                e = self.pop_agent(g, ix)
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
            for a in agents:
                self.relist(a)
            return True
        return False

    def freed(self, a: AgentRt, now: float, out: list[Decision]) -> None:
        """R-X-10: an agent able to take work gets waiting work at once, else is listed."""
        while not a.blocked:
            picked = self.pick_for(a, now)
            if picked is None:
                break
            ix, score, rule = picked
            self.unwait(ix)
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
        self.relist(a)


def _head_for(heap: list[tuple[float, int, int, Ix]], a: AgentRt) -> Any:
    """The first live entry of a waiting heap that this agent has not declined."""
    while heap:
        e = heap[0]
        ix = e[3]
        if e[2] != ix.wver:
            heappop(heap)
            continue
        d = ix.declined
        if d is None or d.get(a.idx) != a.epoch:
            return e
        # Rare: the head was declined by this agent; look further down, in order.
        for e2 in sorted(heap):
            ix2 = e2[3]
            d2 = ix2.declined
            if e2[2] == ix2.wver and (d2 is None or d2.get(a.idx) != a.epoch):
                return e2
        return None
    return None


def _live(heap: list[tuple[float, int, int, Ix]]) -> list[tuple[float, int, int, Ix]]:
    """Drop stale entries of a waiting heap (amortised: runs when half of it is stale)."""
    live = [e for e in heap if e[2] == e[3].wver]
    heapify(live)
    return live
