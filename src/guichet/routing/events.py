"""Events the routing engine consumes: plain immutable tuples, past tense (R-X-3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guichet.domain.enums import AgentState, Channel

from .config import RoutingConfig, RoutingStep


class InteractionArrived(NamedTuple):
    """An interaction arrived: routed to `queue_id`, or by targeting rules (R-TR-1) or a flow.

    With `flow_id`, the interaction enters that flow (R-Q-5) at its entry node; with no queue
    and no flow, the targeting rules pick the queue and skill from `context`.
    """

    interaction_id: str
    channel: Channel
    queue_id: str | None = None
    skill: str | None = None
    #: Routing steps that widen over time (R-X-7); they replace `skill` when given.
    steps: tuple[RoutingStep, ...] = ()
    #: Weight override (R-Q-8); None uses the queue's weight.
    priority: float | None = None
    #: Contact identity for abandon-and-return (R-X-9).
    contact_id: str | None = None
    #: Caller ID for callbacks (R-Q-6); None or empty means no valid caller ID.
    caller_id: str | None = None
    #: Contact context for targeting rules (R-TR-2).
    context: Mapping[str, Any] | None = None
    flow_id: str | None = None


class AgentStateChanged(NamedTuple):
    """An agent became available, paused (with a reason) or offline (R-W-1, R-Q-12)."""

    agent_id: str
    state: AgentState
    reason: str | None = None


class AgentCapacityChanged(NamedTuple):
    """An agent's per-channel capacity (R-W-1) or weighted budget (R-X-8) changed."""

    agent_id: str
    capacity: Mapping[Channel, int]
    budget: int | None = None


class AgentQueuesChanged(NamedTuple):
    """An agent logged in to or out of queues (R-Q-12)."""

    agent_id: str
    queues: tuple[str, ...]


class OfferAccepted(NamedTuple):
    """The agent accepted the offer (R-Q-4); for ring-all the first accept wins."""

    interaction_id: str
    agent_id: str


class OfferRejected(NamedTuple):
    """The agent rejected the offer; it goes to the next agent (R-Q-4)."""

    interaction_id: str
    agent_id: str


class OfferExpired(NamedTuple):
    """The offer's timeout passed (normally fired by the engine's own timer) (R-Q-4)."""

    interaction_id: str
    agent_id: str


class InteractionEnded(NamedTuple):
    """The interaction ended: handled to the end, or the contact left while waiting/offered."""

    interaction_id: str


class WrapUpEnded(NamedTuple):
    """An agent (if the queue allows it) or a supervisor ended an agent's wrap-up (R-Q-7)."""

    agent_id: str
    by_supervisor: bool = False


class KeyPressed(NamedTuple):
    """The caller pressed a key: `*` leaves a queue node (R-Q-5), `#` accepts a callback (R-Q-6)."""

    interaction_id: str
    key: str


class ConversationPaused(NamedTuple):
    """The agent paused an asynchronous conversation, freeing capacity (R-W-6)."""

    interaction_id: str


class ConversationResumed(NamedTuple):
    """The contact wrote again on a paused conversation; it is routed again (R-W-6)."""

    interaction_id: str


class InteractionTransferred(NamedTuple):
    """The agent transferred the interaction to an agent, a queue or a skill (R-W-5)."""

    interaction_id: str
    to_agent_id: str | None = None
    to_queue_id: str | None = None
    to_skill: str | None = None
    #: Warm transfer: the target was consulted first (R-W-4, R-W-5).
    consulted: bool = False


class ConfigurationChanged(NamedTuple):
    """The organization's routing configuration changed; it applies at once."""

    config: RoutingConfig


Event = (
    InteractionArrived
    | AgentStateChanged
    | AgentCapacityChanged
    | AgentQueuesChanged
    | OfferAccepted
    | OfferRejected
    | OfferExpired
    | InteractionEnded
    | WrapUpEnded
    | KeyPressed
    | ConversationPaused
    | ConversationResumed
    | InteractionTransferred
    | ConfigurationChanged
)
