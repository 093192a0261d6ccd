"""Runtime state of agents, interactions, routing groups and queues (hot, `__slots__`)."""

from __future__ import annotations

from collections import deque
from typing import Any

from guichet.domain.enums import Channel, Strategy
from guichet.domain.routing import InteractionStatus

from .config import AgentConfig, QueueConfig, RoutingStep

#: Statuses in which an interaction sits in waiting heaps.
WAITING_STATUSES = frozenset({InteractionStatus.WAITING, InteractionStatus.CALLBACK})

#: Channels whose conversations are asynchronous and may be paused (R-W-6).
ASYNC_CHANNELS = frozenset({Channel.MESSAGING, Channel.SMS, Channel.SOCIAL, Channel.EMAIL})

#: A skill requirement: sorted `(skill_id, minimum_proficiency)` pairs (R-X-7).
Requirement = tuple[tuple[str, int], ...]


class AgentRt:
    """One agent's live state; `stamp` invalidates its entries in availability heaps."""

    __slots__ = (
        "assigned",
        "blocked",
        "budget",
        "capacity",
        "cfg",
        "eff",
        "epoch",
        "groups",
        "id",
        "idle_since",
        "idx",
        "last_offer",
        "listed",
        "load",
        "nload",
        "no_answer",
        "offers",
        "paused_convs",
        "personal",
        "presence",
        "queues",
        "reason",
        "receiver",
        "removed",
        "stamp",
        "today",
        "used",
        "wrap_queue",
        "wrap_token",
        "wrap_until",
    )

    def __init__(self, cfg: AgentConfig, idx: int, capacity: dict[Channel, int]) -> None:
        self.cfg = cfg
        self.id = cfg.id
        self.idx = idx
        self.queues: tuple[str, ...] = cfg.queues
        self.capacity = capacity
        self.budget = cfg.budget
        self.eff: dict[str, int] = {}
        self.receiver = True
        self.presence = "offline"  # "offline" | "available" | "paused"
        self.reason: str | None = None
        self.blocked = True  # not available, or in wrap-up: takes no new work
        self.wrap_until: float | None = None
        self.wrap_token = 0
        self.wrap_queue: QueueConfig | None = None
        self.load: dict[Channel, int] = {}
        self.nload = 0  # sum of `load`
        self.used = 0
        self.offers: dict[str, Ix] = {}
        self.assigned: dict[str, Ix] = {}
        self.paused_convs: dict[str, Ix] = {}
        self.personal: deque[tuple[int, Ix]] = deque()
        self.groups: list[Group] = []
        self.idle_since = 0.0
        self.today = 0
        self.last_offer = 0
        self.no_answer = 0
        self.stamp = 0
        self.listed = -1
        self.removed = False
        #: Bumped each time the agent comes back to available from pause or offline.
        self.epoch = 0


class Ix:
    """One interaction's live state; `wver` invalidates its entries in waiting heaps."""

    __slots__ = (
        "agent",
        "arrived_at",
        "callback",
        "callback_offered",
        "caller_id",
        "channel",
        "contact_id",
        "declined",
        "expl",
        "flow_id",
        "flow_token",
        "groups",
        "id",
        "node",
        "offer_agents",
        "offer_token",
        "order_t",
        "outbound",
        "overflow",
        "personal",
        "priority",
        "queue",
        "queued_at",
        "req",
        "route_token",
        "seq",
        "skill",
        "skill_from_queue",
        "status",
        "step",
        "step_started",
        "steps",
        "taken_at",
        "targeting_rule",
        "weight",
        "wver",
    )

    def __init__(self, iid: str, channel: Channel, seq: int, now: float) -> None:
        self.id = iid
        self.channel = channel
        self.seq = seq
        self.arrived_at = now
        self.order_t = now
        self.queued_at = now
        self.status = InteractionStatus.IN_FLOW
        self.queue: QueueRt | None = None
        self.skill: str | None = None
        #: `skill` is the queue's default, not the interaction's own (it leaves with the queue).
        self.skill_from_queue = False
        self.steps: tuple[RoutingStep, ...] = ()
        self.step = 0
        self.step_started = now
        self.req: Requirement = ()
        self.overflow = False
        self.weight = 1.0
        self.priority: float | None = None
        self.groups: tuple[Group, ...] = ()
        self.wver = 0
        self.offer_agents: tuple[AgentRt, ...] = ()
        self.offer_token = 0
        self.route_token = 0
        self.agent: AgentRt | None = None
        self.personal: AgentRt | None = None
        #: Agents (by index) who let it expire or rejected it, with their availability epoch:
        #: they are not offered it again until they have been away and come back (R-Q-4).
        self.declined: dict[int, int] | None = None
        self.contact_id: str | None = None
        self.caller_id: str | None = None
        self.callback_offered = False
        self.outbound = False
        self.flow_id: str | None = None
        self.flow_token = 0
        self.node: str | None = None
        self.targeting_rule: str | None = None
        self.callback = False
        self.expl: Any = None
        self.taken_at = now


class Group:
    """A routing group: the agents of one queue and channel who meet one requirement.

    `agents` is a heap of `(key, tiebreak, seq, stamp, agent)` (lazy deletion by stamp);
    `waiting` maps a weight to a heap of `(order_t, seq, wver, ix)` (lazy deletion by wver).
    """

    __slots__ = (
        "agents",
        "channel",
        "keyfn",
        "limit",
        "members",
        "nwait",
        "overflow",
        "prof_skill",
        "queue",
        "req",
        "strategy",
        "waiting",
    )

    def __init__(self, queue: QueueRt, channel: Channel, req: Requirement, overflow: bool) -> None:
        self.queue = queue
        self.channel = channel
        self.req = req
        self.overflow = overflow
        self.strategy: Strategy = queue.cfg.strategy
        self.prof_skill: str | None = req[0][0] if req else None
        self.keyfn: Any = None
        self.limit = 64
        self.members: set[int] = set()
        self.agents: list[tuple[Any, Any, int, int, AgentRt]] = []
        self.waiting: dict[float, list[tuple[float, int, int, Ix]]] = {}
        self.nwait = 0


class QueueRt:
    """One queue's live state: members in top-down order, waiting heap, async slots."""

    __slots__ = (
        "answers",
        "cfg",
        "groups",
        "handle_n",
        "handle_s",
        "heap",
        "id",
        "members",
        "paused",
        "plans",
        "rank",
        "track",
        "waiting",
    )

    def __init__(self, cfg: QueueConfig) -> None:
        self.cfg = cfg
        self.id = cfg.id
        self.members: list[AgentRt] = []
        self.rank: dict[int, int] = {}
        self.groups: dict[tuple[Channel, Requirement, bool], Group] = {}
        #: (channel, skill) -> (qualified group, overflow pool or None, overflow delay).
        self.plans: dict[tuple[Channel, str | None], tuple[Group, Group | None, float]] = {}
        self.heap: list[tuple[float, int, int, Ix]] = []
        self.waiting = 0
        self.paused = 0
        #: Answer times in the last window and handle-time sums, for estimates (R-X-6).
        self.answers: deque[float] = deque()
        self.handle_s = 0.0
        self.handle_n = 0
        #: Whether waits are tracked for the callback condition (R-Q-6).
        cb = cfg.callback
        self.track = cb is not None and bool(getattr(cb, "enabled", False))
