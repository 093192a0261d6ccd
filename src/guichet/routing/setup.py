"""Applying a routing configuration: skill tree, queues, agents and routing groups.

Runs at start and on every configuration change; it is the only place whose cost grows with
the number of agents, so events stay cheap (see docs/routing.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from guichet.domain.enums import Channel
from guichet.domain.routing import InteractionStatus, WithdrawReason

from .config import DEFAULT_CAPACITY, AgentConfig, RoutingConfig
from .decisions import Decision
from .skills import SkillTree
from .state import WAITING_STATUSES, AgentRt, QueueRt

if TYPE_CHECKING:
    from .engine import RoutingEngine

_FINAL = frozenset({InteractionStatus.ABANDONED, InteractionStatus.ENDED})


def _capacity(cfg: AgentConfig) -> dict[Channel, int]:
    cap: dict[Channel, int] = dict(DEFAULT_CAPACITY)
    cap.update(cfg.capacity)
    return cap


def apply_config(engine: RoutingEngine, config: RoutingConfig, now: float) -> list[Decision]:
    """Install `config`, keeping live agent and interaction state; returns decisions."""
    out: list[Decision] = []
    tree = SkillTree(config.skills)  # raises SkillCycleError before anything changes
    engine.config = config
    engine.tree = tree
    engine.costs = dict(config.costs)
    engine.paused_cost = config.paused_cost
    engine.mixing = config.allow_mixing
    old_queues = engine.queues
    queues = {qc.id: QueueRt(qc) for qc in config.queues}
    for qid, oq in old_queues.items():
        nq = queues.get(qid)
        if nq is not None:
            nq.answers, nq.handle_s, nq.handle_n = oq.answers, oq.handle_s, oq.handle_n
    engine.queues = queues
    wanted = {ac.id for ac in config.agents}
    for old in list(engine.agents.values()):
        if old.id not in wanted and not old.removed:
            old.removed = True
            old.presence = "offline"
            old.blocked = True
            old.stamp += 1
            engine.withdraw_agent_offers(old, WithdrawReason.AGENT_LEFT, now, out)
    agents = engine.agents
    for ac in config.agents:
        a = agents.get(ac.id)
        if a is None:
            a = agents[ac.id] = AgentRt(ac, len(agents), _capacity(ac))
        else:
            a.cfg = ac
            a.removed = False
            a.capacity = _capacity(ac)
            a.budget = ac.budget
            a.queues = ac.queues
        a.eff = tree.effective(ac.skills)
        a.receiver = tree.receives_overflow(ac.skills)
        a.groups = []
        a.stamp += 1
        for qid in a.queues:
            q = queues.get(qid)
            if q is not None:
                q.members.append(a)
    for q in queues.values():
        rank = {agents[aid].idx: i for i, aid in enumerate(q.cfg.agent_order) if aid in agents}
        base = len(rank)
        for a in q.members:
            if a.idx not in rank:
                rank[a.idx] = base + a.idx
        q.rank = rank
    for ix in engine.ixs.values():
        if ix.status in _FINAL:
            continue
        waiting = ix.status in WAITING_STATUSES
        if waiting:
            engine.unwait(ix)
        if ix.queue is not None:
            nq = queues.get(ix.queue.id)
            if nq is None:
                ix.groups = ()  # its queue is gone: it waits, visible, until it ends
            else:
                ix.queue = nq
                engine.set_groups(ix, now)
        if waiting:
            engine.wait(ix)
    for a in agents.values():
        engine.relist(a)
    for a in agents.values():
        if not a.blocked:
            engine.freed(a, now, out)
    return out
