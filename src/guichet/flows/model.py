"""Flow (dial plan) graphs as typed data (R-Q-5, R-W-7); see docs/flows.md.

A flow is a set of nodes keyed by id. Edges are node fields holding the id of the next node
(None while the editor has not wired them yet; validation refuses that on save). `outputs`
lists every edge of a node with its path, which validation and the editor both use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from .hours import WeeklySchedule

#: Keys a caller can press on a phone keypad (menu choices, R-Q-5).
MENU_KEYS = frozenset("0123456789*#")


class NodeKind(StrEnum):
    """Node kinds of R-Q-5 (and the chatbot of R-W-7)."""

    ENTRY = "entry"
    MENU = "menu"
    MESSAGE = "message"
    BUSINESS_HOURS = "business_hours"
    QUEUE = "queue"
    VOICEMAIL = "voicemail"
    CALLBACK = "callback"
    CHATBOT = "chatbot"
    HANGUP = "hangup"


class EntryType(StrEnum):
    """What an entry node listens on: a phone number, a chat widget, an e-mail address."""

    PHONE = "phone"
    WIDGET = "widget"
    EMAIL = "email"


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeBase:
    """Fields every node has: id, an optional label and the editor's canvas position."""

    kind: ClassVar[NodeKind]
    id: str
    label: str = ""
    position: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryNode(NodeBase):
    """Where interactions enter the flow: exactly one per flow (R-Q-5)."""

    kind: ClassVar[NodeKind] = NodeKind.ENTRY
    entry_type: EntryType = EntryType.PHONE
    address: str = ""
    next: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuNode(NodeBase):
    """Plays a prompt and branches on the key pressed; invalid and no-input edges (R-Q-5)."""

    kind: ClassVar[NodeKind] = NodeKind.MENU
    prompt: str = ""
    choices: Mapping[str, str | None] = field(default_factory=dict)
    invalid: str | None = None
    no_input: str | None = None
    input_timeout_s: float = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageNode(NodeBase):
    """Plays or sends a message, then goes on (R-Q-5)."""

    kind: ClassVar[NodeKind] = NodeKind.MESSAGE
    text: str = ""
    next: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessHoursNode(NodeBase):
    """Branches on whether the weekly schedule is open now (R-Q-5)."""

    kind: ClassVar[NodeKind] = NodeKind.BUSINESS_HOURS
    schedule: WeeklySchedule = field(default_factory=WeeklySchedule)
    open: str | None = None
    closed: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueNode(NodeBase):
    """Waits in a queue up to `wait_timeout_s`; `*` takes the on-exit edge (R-Q-5)."""

    kind: ClassVar[NodeKind] = NodeKind.QUEUE
    queue_id: str = ""
    wait_timeout_s: float = 300.0
    on_timeout: str | None = None
    on_exit: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VoicemailNode(NodeBase):
    """Takes a message for a mailbox (a queue or a user), then goes on (R-Q-5)."""

    kind: ClassVar[NodeKind] = NodeKind.VOICEMAIL
    greeting: str = ""
    mailbox: str = ""
    next: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackNode(NodeBase):
    """Offers a callback from a queue; accepted (`#`) or declined edges (R-Q-5, R-Q-6)."""

    kind: ClassVar[NodeKind] = NodeKind.CALLBACK
    queue_id: str = ""
    prompt: str = ""
    accepted: str | None = None
    declined: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    """A pre-qualification question whose answer fills context key `key` (R-W-7)."""

    key: str
    prompt: str
    #: Allowed answers; empty means free text.
    choices: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatbotNode(NodeBase):
    """Asks questions before the queue and fills the contact context (R-W-7)."""

    kind: ClassVar[NodeKind] = NodeKind.CHATBOT
    questions: tuple[Question, ...] = ()
    next: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HangupNode(NodeBase):
    """Ends the call or closes the conversation, with an optional goodbye (R-Q-5)."""

    kind: ClassVar[NodeKind] = NodeKind.HANGUP
    message: str = ""


Node = (
    EntryNode
    | MenuNode
    | MessageNode
    | BusinessHoursNode
    | QueueNode
    | VoicemailNode
    | CallbackNode
    | ChatbotNode
    | HangupNode
)


@dataclass(frozen=True, slots=True)
class Flow:
    """A flow graph: nodes by id, in the editor's order (R-Q-5)."""

    id: str
    name: str
    nodes: Mapping[str, Node]


def outputs(node: Node) -> tuple[tuple[str, str | None], ...]:
    """Every edge of `node` as (path under the node, target id or None) (R-Q-5)."""
    if isinstance(node, EntryNode | MessageNode | VoicemailNode | ChatbotNode):
        return (("next", node.next),)
    if isinstance(node, MenuNode):
        keyed = tuple((f"choices/{key}", target) for key, target in node.choices.items())
        return (*keyed, ("invalid", node.invalid), ("no_input", node.no_input))
    if isinstance(node, BusinessHoursNode):
        return (("open", node.open), ("closed", node.closed))
    if isinstance(node, QueueNode):
        return (("on_timeout", node.on_timeout), ("on_exit", node.on_exit))
    if isinstance(node, CallbackNode):
        return (("accepted", node.accepted), ("declined", node.declined))
    return ()
