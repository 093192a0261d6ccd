"""Bodies of the live API: intake, agent operations, messages, tags, wrap-up, supervision."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool, StrictFloat

from guichet.api.schemas.common import Choice, Id, Input, Output, UTCTime, rule_field
from guichet.api.schemas.text import CallerId, Key, Line, Number, Phone, Text, Value
from guichet.domain.enums import Channel

#: At most this many contact attributes (R-TR-2), names up to 64 characters, text values up
#: to 2048 (issue 12 finding 6: a chat's context is bounded, about 210 KB at most).
MAX_ATTRIBUTES = 100
AttributeValue = Value | Number | StrictFloat | StrictBool


class ContactIdentity(Input):
    """Who the contact is: matched by external id, e-mail or phone, else created."""

    name: Line = Field("", max_length=200)
    email: Line | None = Field(None, max_length=320)
    phone: Phone | None = Field(None, max_length=32, description="ASCII digits and + ( ) . / -")
    external_id: Line | None = Field(None, max_length=200)


class InteractionCreate(Input):
    """A new interaction (R-Q-5 flow entry, R-TR-1 targeting, or a target queue/skill)."""

    channel: Choice[Channel]
    contact: ContactIdentity | None = None
    page_url: Line | None = rule_field("R-TR-2", None, max_length=2000)
    referrer: Line | None = rule_field("R-TR-2", None, max_length=2000)
    language: Line | None = rule_field("R-TR-2", None, max_length=35)
    country: Line | None = rule_field("R-TR-2", None, max_length=2)
    device: Line | None = rule_field("R-TR-2", None, max_length=50)
    attributes: dict[Key, AttributeValue] = rule_field(
        "R-TR-2", default_factory=dict, max_length=MAX_ATTRIBUTES
    )
    caller_id: CallerId | None = rule_field(
        "R-Q-6", None, max_length=32, description="as presented: printable ASCII"
    )
    queue_id: Id | None = None
    skill_id: Id | None = None
    flow_id: Id | None = rule_field("R-Q-5", None)
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
    pause_reason_id: Id | None = rule_field("R-Q-9", None)


class QueueLogin(Input):
    """R-Q-12: the queues to be logged in to (replaces the current set)."""

    queue_ids: list[Id] = rule_field("R-Q-12", max_length=500)


class MessageCreate(Input):
    """A transcript message, from the agent or (for now, through the API) the contact."""

    body: Text = Field(min_length=1, max_length=10_000)
    sender: Literal["agent", "contact"] = "agent"


class TagsSet(Input):
    """R-W-2: the tags of the interaction (replaces the set)."""

    tag_ids: list[Id] = rule_field("R-W-2", max_length=100)


class WrapUpUpdate(Input):
    """R-W-3: disposition and notes, during the interaction and its wrap-up."""

    disposition_id: Id | None = rule_field("R-W-3", None)
    notes: Text | None = rule_field("R-W-3", None, max_length=10_000)


class TransferCreate(Input):
    """R-W-5: to an agent (personal queue), a queue or a skill; warm when consulted."""

    to_agent_id: Id | None = rule_field("R-W-5", None)
    to_queue_id: Id | None = rule_field("R-W-5", None)
    to_skill_id: Id | None = rule_field("R-W-5", None)
    consulted: bool = False


class KeyPress(Input):
    """A key the caller pressed: `#` accepts a callback (R-Q-6), `*` leaves a queue (R-Q-5)."""

    key: str = rule_field("R-Q-6", min_length=1, max_length=1, pattern=r"^[0-9*#]$")


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
