"""Bodies of the live API: intake, agent operations, messages, tags, wrap-up, supervision."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool, StrictFloat

from guichet.api.schemas.common import Choice, Id, Input, Output, TimeText, UTCTime, rule_field
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


class InteractionRead(Output):
    """An interaction as the REST answers, the snapshots and the ``interaction`` events show
    it (``live.render.interaction_dict``; docs/events.md)."""

    id: int
    channel: str = Field(description="voice, chat, messaging, email, sms or social")
    status: str = Field(description="new, unrouted, in_flow, waiting, offered, assigned, ...")
    contact_id: int | None = Field(description="the contact record (R-A-4), if matched")
    queue_id: int | None = Field(description="the queue it is in or was last in")
    skill_id: int | None = Field(description="the skill it targets (R-Q-2), if any")
    agent_id: int | None = Field(description="the agent handling it, or who handled it last")
    personal_agent_id: int | None = Field(
        description="R-W-5: the agent whose personal queue holds it"
    )
    priority: float | None = Field(description="R-Q-8: a higher one is served first")
    caller_id: str | None = Field(description="R-Q-6: the number presented, if any")
    context: dict[str, Any] = Field(
        description="R-TR-2: the page, referrer, language, country, device and attributes"
    )
    overflow: bool = Field(description="R-Q-3: routed past its queue's first step")
    callback: bool = Field(description="R-Q-6: a callback holds its place in the queue")
    callback_offered: bool = Field(description="R-Q-6: a callback was offered to the caller")
    queued_at: TimeText | None = Field(description="when it entered its current queue")
    order_t: TimeText | None = Field(description="its place in the queue: served oldest first")
    created_at: TimeText | None
    ended_at: TimeText | None
    disposition_id: int | None = Field(description="R-W-3: the disposition chosen")
    disposition_due_at: TimeText | None = Field(
        description="R-W-3: the deadline of the disposition timer, while it runs"
    )
    notes: str | None = Field(description="R-W-3: the agent's notes")
    closed: bool = Field(description="R-W-3: wrap-up over; notes are read-only")
    tag_ids: list[int] = Field(description="R-W-2: its tags, ascending")


class InteractionPage(Output):
    """A page of interactions, newest first; ask the next with ``before_id``."""

    items: list[InteractionRead]
    next_before_id: int | None = Field(description="the ``before_id`` of the next page, if any")


class EvaluationSummary(Output):
    """How a conversation was rated (R-A-5)."""

    count: int = Field(description="how many evaluations it has")
    average_score: float | None = Field(description="their mean score, 2 decimals; None if none")


class InteractionDetail(InteractionRead):
    """One interaction, with its evaluations' summary for those who may read its history."""

    evaluations: EvaluationSummary | None = Field(
        description="R-A-2 history: the summary; None for a caller without the history right"
    )


class MessageRead(Output):
    """A transcript message (chat, messaging), or a system line such as a join (R-S-2)."""

    id: int
    interaction_id: int
    sender: str = Field(description="agent, contact or system")
    sender_user_id: int | None = Field(description="the user who wrote it, for agent and system")
    body: str
    created_at: TimeText | None


class AgentRead(Output):
    """An agent's live state (R-W-1, R-S-1; ``live.render.agent_dict``, the ``agent`` event)."""

    user_id: int
    state: str = Field(description="R-W-1: available, busy, wrap_up, paused or offline")
    presence: str = Field(description="the state asked for: available, paused or offline")
    reason: str | None = Field(description="R-Q-9: the pause reason's name while paused")
    state_since: TimeText | None = Field(description="since when (None: never signed in)")
    queue_ids: list[int] = Field(description="R-Q-12: the queues logged in to, ascending")
    wrap_up_until: TimeText | None = Field(description="R-Q-7: when the wrap-up ends")
    wrap_interaction_id: int | None = Field(description="R-Q-7: the interaction wrapped up")


class PauseChoice(Output):
    """A pause reason an agent may pick (R-Q-9)."""

    id: int
    name: str


class StateMenuRead(Output):
    """R-Q-9: what the state menu offers an agent."""

    mode: Literal["reasons", "ready_pause_all"] = Field(
        description="``reasons``: pick one; ``ready_pause_all``: every reason is disabled"
    )
    reasons: list[PauseChoice] = Field(description="the enabled reasons, in menu order")
