"""Read-only introspection for tests, the simulator and supervisors (R-S-1, R-X-6)."""

from __future__ import annotations

from typing import NamedTuple

from guichet.domain.enums import AgentState, Channel
from guichet.domain.routing import InteractionStatus

from .capacity import Capacity
from .engine_state import EngineState
from .estimate import WaitEstimate
from .estimates import Estimates
from .state import WAITING_STATUSES, AgentRt


class AgentView(NamedTuple):
    """An agent's state (R-W-1), load and work."""

    agent_id: str
    state: AgentState
    reason: str | None
    load: dict[Channel, int]
    budget_used: int
    offers: tuple[str, ...]
    assigned: tuple[str, ...]
    paused_conversations: tuple[str, ...]
    wrap_up_until: float | None
    no_answer: int
    handled: int
    personal_queue: tuple[str, ...]


class InteractionView(NamedTuple):
    """Where an interaction is and with whom."""

    interaction_id: str
    status: InteractionStatus
    queue_id: str | None
    agent_id: str | None
    offered_to: tuple[str, ...]
    personal_agent_id: str | None
    skill: str | None
    step: int
    overflow: bool
    callback: bool
    queued_at: float
    order_t: float


class QueueView(NamedTuple):
    """A queue's live numbers (R-S-1)."""

    queue_id: str
    waiting: int
    callbacks: int
    longest_wait_s: float
    paused_conversations: int
    members: int


class Views:
    """Read-only queries; none of them changes routing state."""

    __slots__ = (
        "capacity",
        "estimates",
        "state",
    )

    def __init__(self, state: EngineState, capacity: Capacity, estimates: Estimates) -> None:
        self.state = state
        self.capacity = capacity
        self.estimates = estimates

    def agent_state(self, a: AgentRt) -> AgentState:
        """R-W-1 state derived from presence, wrap-up and work."""
        if a.removed or a.presence == "offline":
            return AgentState.OFFLINE
        if a.presence == "paused":
            return AgentState.PAUSED
        if a.wrap_until is not None:
            return AgentState.WRAP_UP
        if a.assigned or a.offers:
            return AgentState.BUSY
        return AgentState.AVAILABLE

    def agent_view(self, agent_id: str) -> AgentView | None:
        """The agent's state and work, or None if unknown."""
        a = self.state.agents.get(agent_id)
        if a is None:
            return None
        return AgentView(
            a.id,
            self.agent_state(a),
            a.reason,
            {ch: n for ch, n in a.load.items() if n},
            a.used,
            tuple(a.offers),
            tuple(a.assigned),
            tuple(a.paused_convs),
            a.wrap_until,
            a.no_answer,
            a.today,
            tuple(ix.id for w, ix in a.personal if w == ix.wver),
        )

    def can_take_now(self, agent_id: str, channel: Channel) -> bool:
        """Whether the agent could receive one more interaction on this channel now."""
        a = self.state.agents.get(agent_id)
        return a is not None and not a.removed and self.capacity.can_take(a, channel)

    def interaction_status(self, interaction_id: str) -> InteractionStatus | None:
        """Status of the interaction, None if unknown (or forgotten after it finished)."""
        ix = self.state.ixs.get(interaction_id)
        return None if ix is None else ix.status

    def interaction_view(self, interaction_id: str) -> InteractionView | None:
        """Where the interaction is, with whom."""
        ix = self.state.ixs.get(interaction_id)
        if ix is None:
            return None
        return InteractionView(
            ix.id,
            ix.status,
            None if ix.queue is None else ix.queue.id,
            None if ix.agent is None else ix.agent.id,
            tuple(a.id for a in ix.offer_agents),
            None if ix.personal is None else ix.personal.id,
            ix.skill,
            ix.step,
            ix.overflow,
            ix.callback,
            ix.queued_at,
            ix.order_t,
        )

    def waiting_ids(self, queue_id: str) -> list[str]:
        """Waiting interactions of the queue, oldest place first (R-S-1)."""
        q = self.state.queues.get(queue_id)
        if q is None:
            return []
        live = sorted(e for e in q.heap if e[2] == e[3].wver)
        return [e[3].id for e in live]

    def queue_view(self, queue_id: str, now: float) -> QueueView | None:
        """Waiting count, callbacks, longest wait of a queue (R-S-1)."""
        q = self.state.queues.get(queue_id)
        if q is None:
            return None
        heap = q.heap
        oldest = None
        callbacks = 0
        for e in heap:
            ix = e[3]
            if e[2] == ix.wver:
                if oldest is None or ix.queued_at < oldest:
                    oldest = ix.queued_at
                if ix.status is InteractionStatus.CALLBACK:
                    callbacks += 1
        return QueueView(
            q.id,
            q.waiting,
            callbacks,
            0.0 if oldest is None else now - oldest,
            q.paused,
            len(q.members),
        )

    def estimated_wait(self, interaction_id: str, now: float) -> WaitEstimate | None:
        """R-X-6: position and estimated wait of a waiting interaction."""
        ix = self.state.ixs.get(interaction_id)
        if ix is None or ix.status not in WAITING_STATUSES:
            return None
        return self.estimates.estimate(ix, now)
