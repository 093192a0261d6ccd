"""Invariants the stateful routing tests check after every step (see test_engine_stateful)."""

from __future__ import annotations

from guichet.domain.enums import AgentState, Channel, Strategy
from guichet.domain.routing import InteractionStatus
from guichet.routing import (
    AssignInteraction,
    Decision,
    MoveAlongFlow,
    OfferInteraction,
    OverflowInteraction,
    QueueInteraction,
    RequeueInteraction,
    RoutingEngine,
    WidenStep,
)
from guichet.routing.state import WAITING_STATUSES


def check_capacity_and_state(e: RoutingEngine, new_work: set[tuple[str, Channel]]) -> None:
    """R-W-1, R-X-8, R-Q-7: within capacity and budget; no offers unless available."""
    for a in e.agents.values():
        count: dict[Channel, int] = {}
        for ix in [*a.offers.values(), *a.assigned.values()]:
            count[ix.channel] = count.get(ix.channel, 0) + 1
        assert count == {ch: n for ch, n in a.load.items() if n}
        assert a.nload == sum(count.values())
        view = e.agent_view(a.id)
        assert view is not None
        if view.state in (AgentState.PAUSED, AgentState.OFFLINE, AgentState.WRAP_UP):
            assert not a.offers, (a.id, view.state, a.offers)
        # Capacity and budget may be lowered under held work (events or configuration);
        # what must hold is that no *new* work went beyond them in this step.
        over_budget = a.budget is not None and a.used > a.budget
        for ch, n in count.items():
            if n > a.capacity.get(ch, 0) or over_budget:
                assert (a.id, ch) not in new_work, (a.id, ch, n, a.used, a.budget)
        if not e.mixing and count.get(Channel.VOICE) and len(count) > 1:
            assert not any(aid == a.id for aid, _ in new_work), (a.id, count)


def check_nothing_lost(e: RoutingEngine, arrived: list[str]) -> None:
    """Every arrived interaction is in exactly one consistent place."""
    for iid in arrived:
        ix = e.ixs[iid]
        st_ = ix.status
        if st_ is InteractionStatus.OFFERED:
            assert ix.offer_agents
            for a in ix.offer_agents:
                assert a.offers.get(iid) is ix
            ring = ix.expl is not None and ix.expl.strategy is Strategy.RING_ALL
            assert len(ix.offer_agents) == 1 or ring
        elif st_ is InteractionStatus.ASSIGNED:
            assert ix.agent is not None and ix.agent.assigned.get(iid) is ix
            holders = [a.id for a in e.agents.values() if iid in a.assigned or iid in a.offers]
            assert holders == [ix.agent.id]
        elif st_ in WAITING_STATUSES:
            if ix.personal is not None:
                assert any(w == ix.wver and x is ix for w, x in ix.personal.personal)
            else:
                assert ix.queue is not None
                assert any(en[3] is ix and en[2] == ix.wver for en in ix.queue.heap)
        elif st_ is InteractionStatus.PAUSED:
            assert ix.agent is not None and ix.agent.paused_convs.get(iid) is ix
        elif st_ is InteractionStatus.IN_FLOW:
            assert ix.flow_id is not None and ix.node is not None
        else:
            assert st_ in (InteractionStatus.ENDED, InteractionStatus.ABANDONED), st_
        if st_ is not InteractionStatus.OFFERED:
            assert all(iid not in a.offers for a in e.agents.values())


def check_no_stale_backlog(e: RoutingEngine, arrived: list[str]) -> None:
    """R-X-10: no able agent of a group idles while a matching interaction waits."""
    by_idx = {a.idx: a for a in e.agents.values()}
    for iid in arrived:
        ix = e.ixs[iid]
        if ix.status not in WAITING_STATUSES:
            continue
        if ix.personal is not None:
            head = next((x for w, x in ix.personal.personal if w == x.wver), None)
            if head is ix:
                assert not e.can_take(ix.personal, ix.channel), (iid, ix.personal.id)
            continue
        for g in ix.groups:
            for idx in g.members:
                a = by_idx[idx]
                if ix.declined and ix.declined.get(idx) == a.epoch:
                    continue
                assert not e.can_take(a, g.channel), (iid, a.id, g.req, g.overflow)


def check_fifo(e: RoutingEngine, out: list[Decision], before: set[str], *, accepted: bool) -> None:
    """R-Q-8: an offer never skips an older waiting interaction of equal weight and group.

    Walks the step's decisions in order, so "waiting" means waiting when the offer was made.
    """
    waiting = set(before)
    # Interactions whose groups changed anywhere in the step are compared by their groups
    # at the end of it, which may differ from those at the offer: leave them out.
    regroup = WidenStep | OverflowInteraction | MoveAlongFlow
    changed = {d.interaction_id for d in out if isinstance(d, regroup)}
    for d in out:
        iid = getattr(d, "interaction_id", None)
        if isinstance(d, QueueInteraction | RequeueInteraction):
            waiting.add(d.interaction_id)
            continue
        if isinstance(d, regroup):
            changed.add(d.interaction_id)
            continue
        if isinstance(d, AssignInteraction) and not accepted:
            agent_ids: tuple[str, ...] = (d.agent_id,)
        elif isinstance(d, OfferInteraction):
            agent_ids = d.agent_ids
        else:
            if iid is not None:
                waiting.discard(iid)
            continue
        waiting.discard(d.interaction_id)
        x = e.ixs[d.interaction_id]
        if d.explanation.rule == "R-W-5" or x.personal is not None or x.id in changed:
            continue
        for yid in sorted(waiting - changed):
            y = e.ixs[yid]
            if y.personal is not None or y.queue is not x.queue:
                continue
            if y.groups != x.groups or y.weight != x.weight or y.channel != x.channel:
                continue
            if (y.order_t, y.seq) >= (x.order_t, x.seq):
                continue
            declined = y.declined or {}
            if any(declined.get(e.agents[aid].idx) == e.agents[aid].epoch for aid in agent_ids):
                continue
            raise AssertionError(f"{x.id} offered before older {y.id}")
