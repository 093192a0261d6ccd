"""Decisions the routing engine emits: plain immutable tuples with an explanation (R-X-3)."""

from __future__ import annotations

from typing import Any, NamedTuple

from guichet.domain.enums import Strategy
from guichet.domain.routing import RefusalCode, RequeueReason, WithdrawReason


class Explanation(NamedTuple):
    """Why a decision was taken (R-X-3): rule, step, skill, candidates and their scores.

    Built as a small tuple on the hot path; `as_dict` renders it when someone asks.
    `candidates` holds `(agent_id, score)` pairs in the order they were considered; the
    score is the strategy's sort key (lower is better; see docs/routing.md).
    """

    rule: str
    queue_id: str | None = None
    step: int = 0
    skill: str | None = None
    overflow: bool = False
    strategy: Strategy | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    targeting_rule: str | None = None
    waited_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Render the explanation as JSON-ready data."""
        return {
            "rule": self.rule,
            "queue_id": self.queue_id,
            "step": self.step,
            "skill": self.skill,
            "overflow": self.overflow,
            "strategy": None if self.strategy is None else str(self.strategy),
            "candidates": [{"agent_id": a, "score": s} for a, s in self.candidates],
            "targeting_rule": self.targeting_rule,
            "waited_s": self.waited_s,
        }


class QueueInteraction(NamedTuple):
    """The interaction waits in a queue, or in an agent's personal queue (R-W-5)."""

    interaction_id: str
    queue_id: str | None
    skill: str | None
    personal_agent_id: str | None
    #: True when abandon-and-return gave it back its former place (R-X-9).
    returned: bool
    explanation: Explanation


class OfferInteraction(NamedTuple):
    """Offer the interaction to one agent, or to several at once for ring-all (R-Q-4)."""

    interaction_id: str
    agent_ids: tuple[str, ...]
    expires_at: float
    #: An accepted callback offered to the agent as an outbound call (R-Q-6).
    outbound: bool
    explanation: Explanation


class AssignInteraction(NamedTuple):
    """The agent now handles the interaction (accepted offer, or auto-accept)."""

    interaction_id: str
    agent_id: str
    explanation: Explanation


class WithdrawOffer(NamedTuple):
    """Take an open offer back from these agents (ring-all losers, caller left) (R-Q-4)."""

    interaction_id: str
    agent_ids: tuple[str, ...]
    reason: WithdrawReason


class RequeueInteraction(NamedTuple):
    """The interaction goes back to waiting at its former place (R-Q-4, R-X-10)."""

    interaction_id: str
    agent_id: str | None
    reason: RequeueReason


class OverflowInteraction(NamedTuple):
    """No qualified agent took it in time: agents outside the skill may now take it (R-SK-4)."""

    interaction_id: str
    skill: str | None
    explanation: Explanation


class WidenStep(NamedTuple):
    """A routing step expired; the next, wider one applies (R-X-7)."""

    interaction_id: str
    step: int
    explanation: Explanation


class MoveAlongFlow(NamedTuple):
    """The interaction follows a flow edge to a node (R-Q-5); `action` is the node's kind."""

    interaction_id: str
    flow_id: str
    from_node: str | None
    edge: str
    to_node: str
    action: str


class OfferCallback(NamedTuple):
    """Offer the caller a callback (R-Q-6), stating the estimated wait (R-X-6)."""

    interaction_id: str
    queue_id: str
    #: None when nobody serves the queue.
    estimated_wait_s: float | None
    average_wait_s: float


class KeepCallback(NamedTuple):
    """The caller accepted the callback (`#`): it keeps its place in the queue (R-Q-6)."""

    interaction_id: str
    queue_id: str


class PauseAgent(NamedTuple):
    """Pause the agent with a system reason after `max_no_answer` expiries in a row (R-Q-4)."""

    agent_id: str
    reason: str
    no_answer: int


class StartWrapUp(NamedTuple):
    """The agent enters wrap-up after an interaction until `until` (R-Q-7)."""

    agent_id: str
    interaction_id: str
    until: float


class EndWrapUp(NamedTuple):
    """The agent's wrap-up is over (timer, agent or supervisor) (R-Q-7)."""

    agent_id: str


class AbandonInteraction(NamedTuple):
    """The contact left before being answered (R-AN-1 abandoned)."""

    interaction_id: str
    queue_id: str | None
    waited_s: float


class RefuseEvent(NamedTuple):
    """The engine refused an event and changed nothing."""

    event: str
    code: RefusalCode
    subject_id: str


Decision = (
    QueueInteraction
    | OfferInteraction
    | AssignInteraction
    | WithdrawOffer
    | RequeueInteraction
    | OverflowInteraction
    | WidenStep
    | MoveAlongFlow
    | OfferCallback
    | KeepCallback
    | PauseAgent
    | StartWrapUp
    | EndWrapUp
    | AbandonInteraction
    | RefuseEvent
)
