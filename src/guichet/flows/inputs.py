"""What the flow walker consumes (inputs) and answers (actions) (R-Q-5, R-W-7).

Plain immutable tuples: inputs in past tense, actions imperative. The engine or the channel
adapter performs the actions (play, enqueue, record, hang up); the walker only decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from .model import Question


class Arrived(NamedTuple):
    """The interaction reached the flow's entry (a call, a chat, an e-mail)."""


class KeyPressed(NamedTuple):
    """The caller pressed a key: a menu choice, `*` to leave a queue, `#` to accept."""

    key: str


class NoInput(NamedTuple):
    """The caller pressed nothing before the menu's input timeout."""


class QueueTimedOut(NamedTuple):
    """The queue node's wait timeout passed with no agent answering (R-Q-5)."""


class CallerLeftQueue(NamedTuple):
    """The caller asked to leave the queue (`*`, or the widget's leave button) (R-Q-5)."""


class ChatbotAnswered(NamedTuple):
    """The contact answered the chatbot's questions, by question key (R-W-7)."""

    answers: Mapping[str, str]


class VoicemailTaken(NamedTuple):
    """The message was recorded (or written)."""


class CallbackAnswered(NamedTuple):
    """The contact accepted or declined the callback offer (R-Q-6)."""

    accepted: bool


Input = (
    Arrived
    | KeyPressed
    | NoInput
    | QueueTimedOut
    | CallerLeftQueue
    | ChatbotAnswered
    | VoicemailTaken
    | CallbackAnswered
)


class PlayMessage(NamedTuple):
    """Play (voice) or send (chat, e-mail) a message."""

    text: str


class PromptMenu(NamedTuple):
    """Play the menu prompt and collect one key within `timeout_s`."""

    prompt: str
    keys: tuple[str, ...]
    timeout_s: float


class Enqueue(NamedTuple):
    """Put the interaction in a queue; fire `QueueTimedOut` after `timeout_s` (R-Q-5)."""

    queue_id: str
    timeout_s: float


class TakeVoicemail(NamedTuple):
    """Play the greeting and record a message for `mailbox`."""

    greeting: str
    mailbox: str


class OfferCallback(NamedTuple):
    """Offer a callback from `queue_id`; `#` accepts (R-Q-6)."""

    queue_id: str
    prompt: str


class AskQuestions(NamedTuple):
    """Ask the pre-qualification questions (R-W-7)."""

    questions: tuple[Question, ...]


class HangUp(NamedTuple):
    """End the call or close the conversation; `reason` says why (`flow_end` when normal)."""

    reason: str
    message: str = ""


Action = PlayMessage | PromptMenu | Enqueue | TakeVoicemail | OfferCallback | AskQuestions | HangUp
