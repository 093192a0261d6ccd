"""Bodies of the live API: intake, agent operations, messages, tags, wrap-up, supervision."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from guichet.api.schemas.common import Input, Output, UTCTime, rule_field
from guichet.domain.enums import Channel


class ContactIdentity(Input):
    """Who the contact is: matched by external id, e-mail or phone, else created."""

    name: str = Field("", max_length=200)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=32)
    external_id: str | None = Field(None, max_length=200)


class InteractionCreate(Input):
    """A new interaction (R-Q-5 flow entry, R-TR-1 targeting, or a target queue/skill)."""

    channel: Channel
    contact: ContactIdentity | None = None
    page_url: str | None = Field(None, max_length=2000)
    referrer: str | None = Field(None, max_length=2000)
    language: str | None = Field(None, max_length=35)
    country: str | None = Field(None, max_length=2)
    device: str | None = Field(None, max_length=50)
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)
    caller_id: str | None = Field(None, max_length=32)
    queue_id: int | None = Field(None, ge=1)
    skill_id: int | None = Field(None, ge=1)
    flow_id: int | None = rule_field("R-Q-5", None, ge=1)
    priority: float | None = rule_field("R-Q-8", None, gt=0, le=1000)

    def engine_body(self) -> dict[str, Any]:
        """The stored form: context fields gathered for targeting rules (R-TR-1)."""
        context: dict[str, Any] = {"attributes": dict(self.attributes)}
        for name in ("page_url", "referrer", "language", "country", "device"):
            value = getattr(self, name)
            if value is not None:
                context[name] = value
        return {
            "channel": self.channel.value,
            "contact": None if self.contact is None else self.contact.model_dump(),
            "context": context,
            "caller_id": self.caller_id,
            "queue_id": self.queue_id,
            "skill_id": self.skill_id,
            "flow_id": self.flow_id,
            "priority": self.priority,
        }


class StateChange(Input):
    """R-W-1 state an agent asks for; a pause names an enabled reason (R-Q-9)."""

    state: Literal["available", "paused", "offline"]
    pause_reason_id: int | None = rule_field("R-Q-9", None, ge=1)


class QueueLogin(Input):
    """R-Q-12: the queues to be logged in to (replaces the current set)."""

    queue_ids: list[int] = rule_field("R-Q-12", max_length=500)


class MessageCreate(Input):
    """A transcript message, from the agent or (for now, through the API) the contact."""

    body: str = Field(min_length=1, max_length=10_000)
    sender: Literal["agent", "contact"] = "agent"


class TagsSet(Input):
    """R-W-2: the tags of the interaction (replaces the set)."""

    tag_ids: list[int] = rule_field("R-W-2", max_length=100)


class WrapUpUpdate(Input):
    """R-W-3: disposition and notes, during the interaction and its wrap-up."""

    disposition_id: int | None = rule_field("R-W-3", None, ge=1)
    notes: str | None = rule_field("R-W-3", None, max_length=10_000)


class TransferCreate(Input):
    """R-W-5: to an agent (personal queue), a queue or a skill; warm when consulted."""

    to_agent_id: int | None = rule_field("R-W-5", None, ge=1)
    to_queue_id: int | None = rule_field("R-W-5", None, ge=1)
    to_skill_id: int | None = rule_field("R-W-5", None, ge=1)
    consulted: bool = False


class KeyPress(Input):
    """A key the caller pressed: `#` accepts a callback (R-Q-6), `*` leaves a queue (R-Q-5)."""

    key: str = rule_field("R-Q-6", min_length=1, max_length=1)


# --- Answers -------------------------------------------------------------------------------


class CandidateRead(Output):
    """One agent the strategy considered, with its sort key (lower is better, R-X-3)."""

    agent_id: str
    score: float


class ExplanationRead(Output):
    """R-X-3: why the interaction was offered to this agent (docs/routing.md)."""

    rule: str | None = None
    queue_id: str | None = None
    step: int = 0
    skill: str | None = None
    overflow: bool = False
    strategy: str | None = None
    candidates: list[CandidateRead] = Field(default_factory=list)
    targeting_rule: str | None = None
    waited_s: float = 0.0


class InteractionSummary(Output):
    """What an agent needs to decide on an offer: the interaction as it is now."""

    id: int
    channel: Channel
    status: str
    contact_id: int | None
    queue_id: int | None
    skill_id: int | None
    priority: float | None
    caller_id: str | None
    context: dict[str, Any]
    overflow: bool
    callback: bool
    created_at: UTCTime
    queued_at: UTCTime | None


class AgentOfferRead(Output):
    """An open offer made to the signed-in agent (R-Q-4), until ``expires_at``."""

    id: int
    interaction_id: int
    offered_at: UTCTime
    expires_at: UTCTime
    outbound: bool
    explanation: ExplanationRead
    interaction: InteractionSummary
