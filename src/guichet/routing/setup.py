"""Applying a routing configuration: skill tree, queues, agents and routing groups.

Runs at start and on every configuration change; it is the only place whose cost grows with
the number of agents, so events stay cheap (see docs/routing.md). Also starts each new day of
the organization's calendar (R-Q-4's "fewest today" counts).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from guichet.domain.enums import Channel
from guichet.domain.routing import InteractionStatus, WithdrawReason

from .availability import Availability
from .capacity import Capacity
from .config import DEFAULT_CAPACITY, AgentConfig, RoutingConfig
from .decisions import Decision
from .dispatch import Dispatch
from .engine_state import EngineState
from .queueing import Queueing
from .skills import SkillTree
from .state import WAITING_STATUSES, AgentRt, QueueRt
from .waiting import Waiting

_FINAL = frozenset({InteractionStatus.ABANDONED, InteractionStatus.ENDED})


def _capacity(cfg: AgentConfig) -> dict[Channel, int]:
    cap: dict[Channel, int] = dict(DEFAULT_CAPACITY)
    cap.update(cfg.capacity)
    return cap


class Configurator:
    """Install a configuration into live state; reset the daily counts at local midnight."""

    __slots__ = (
        "availability",
        "capacity",
        "dispatch",
        "queueing",
        "state",
        "waiting",
    )

    def __init__(
        self,
        state: EngineState,
        capacity: Capacity,
        availability: Availability,
        waiting: Waiting,
        dispatch: Dispatch,
        queueing: Queueing,
    ) -> None:
        self.state = state
        self.capacity = capacity
        self.availability = availability
        self.waiting = waiting
        self.dispatch = dispatch
        self.queueing = queueing

    def apply(self, config: RoutingConfig, now: float) -> list[Decision]:
        """Install `config`, keeping live agent and interaction state; returns decisions.

        Raises `SkillCycleError` before anything changes if the skill tree has a cycle
        (the return windows of R-X-9 are set first, as they do not depend on it).
        """
        state = self.state
        for qc in config.queues:
            state.returns.set_window(qc.id, qc.return_window_s)
        out: list[Decision] = []
        tree = SkillTree(config.skills)  # raises SkillCycleError before anything changes
        state.config = config
        state.tree = tree
        capacity = self.capacity
        capacity.costs = dict(config.costs)
        capacity.paused_cost = config.paused_cost
        capacity.mixing = config.allow_mixing
        old_queues = dict(state.queues)
        queues = {qc.id: QueueRt(qc) for qc in config.queues}
        for qid, oq in old_queues.items():
            nq = queues.get(qid)
            if nq is not None:
                nq.answers, nq.handle_s, nq.handle_n = oq.answers, oq.handle_s, oq.handle_n
        state.queues.clear()
        state.queues.update(queues)
        wanted = {ac.id for ac in config.agents}
        agents = state.agents
        for old in list(agents.values()):
            if old.id not in wanted and not old.removed:
                old.removed = True
                old.presence = "offline"
                old.blocked = True
                old.stamp += 1
                self.queueing.withdraw_agent_offers(old, WithdrawReason.AGENT_LEFT, now, out)
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
            capacity.reprice(a)  # held work at the costs in force (R-X-8)
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
        for ix in state.ixs.values():
            if ix.status in _FINAL:
                continue
            waiting = ix.status in WAITING_STATUSES
            if waiting:
                self.waiting.unwait(ix)
            if ix.queue is not None:
                nq = queues.get(ix.queue.id)
                if nq is None:
                    ix.groups = ()  # its queue is gone: it waits, visible, until it ends
                else:
                    ix.queue = nq
                    self.queueing.set_groups(ix, now)
            if waiting:
                self.waiting.wait(ix)
        relist = self.availability.relist
        for a in agents.values():
            relist(a)
        freed = self.dispatch.freed
        for a in agents.values():
            if not a.blocked:
                freed(a, now, out)
        return out

    def new_day(self, now: float) -> float:
        """R-Q-4 fewest today: the counts start again at the organization's local midnight.

        Returns when this day ends (the next local midnight), as a timestamp.
        """
        local = datetime.fromtimestamp(now, self.state.config.timezone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        relist = self.availability.relist
        for a in self.state.agents.values():
            if a.today:
                a.today = 0
                a.stamp += 1
                relist(a)
        return (midnight + timedelta(days=1)).timestamp()
