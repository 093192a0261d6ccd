"""The flow walker (R-Q-5): a pure step from (graph, current node, input) to the next wait.

An interaction waits at a node that needs something from outside: a menu (a key), a queue (an
agent, a timeout or `*`), a voicemail, a callback offer, a chatbot (answers). `step` applies
one input there, then follows edges through nodes that need nothing (entry, message, business
hours), collecting actions, until it reaches the next waiting node or a hang-up. At most
`max_steps` nodes are visited per step, so even an unvalidated cyclic graph cannot spin.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import NamedTuple

from .hours import is_open
from .inputs import (
    Action,
    Arrived,
    AskQuestions,
    CallbackAnswered,
    CallerLeftQueue,
    ChatbotAnswered,
    Enqueue,
    HangUp,
    Input,
    KeyPressed,
    NoInput,
    OfferCallback,
    PlayMessage,
    PromptMenu,
    QueueTimedOut,
    TakeVoicemail,
    VoicemailTaken,
)
from .model import (
    BusinessHoursNode,
    CallbackNode,
    ChatbotNode,
    EntryNode,
    Flow,
    HangupNode,
    MenuNode,
    MessageNode,
    QueueNode,
    VoicemailNode,
)

#: Nodes visited at most in one step; a longer run is an endless loop.
MAX_STEPS = 64

#: `HangUp.reason` values that mean the graph is broken, not that the flow ended normally.
ERROR_REASONS = frozenset({"dangling_edge", "loop_limit", "no_entry"})


class StepResult(NamedTuple):
    """Where the interaction waits now (None once finished) and what to do (R-Q-5)."""

    node_id: str | None
    actions: tuple[Action, ...]
    #: Context keys filled by a chatbot (R-W-7), to merge into the interaction's context.
    context: Mapping[str, str]
    #: Nodes visited in this step, in order (for the routing explanation, R-X-3).
    visited: tuple[str, ...]

    @property
    def finished(self) -> bool:
        """Whether the flow ended (hang-up, close, or an error)."""
        return self.node_id is None


def step(
    flow: Flow,
    current: str | None,
    event: Input,
    *,
    now: datetime,
    max_steps: int = MAX_STEPS,
) -> StepResult:
    """Apply `event` at node `current` (None before arrival) and walk on (R-Q-5).

    Inputs a node does not expect leave it where it is, with no action.
    """
    if current is None:
        if not isinstance(event, Arrived):
            return StepResult(None, (), {}, ())
        entry = next((n for n in flow.nodes.values() if isinstance(n, EntryNode)), None)
        if entry is None:
            return StepResult(None, (HangUp("no_entry"),), {}, ())
        return _walk(flow, entry.id, now, max_steps, {})
    node = flow.nodes.get(current)
    if node is None:
        return _walk(flow, None, now, max_steps, {})
    stay = StepResult(current, (), {}, ())
    context: dict[str, str] = {}
    target: str | None
    if isinstance(node, MenuNode):
        if isinstance(event, KeyPressed):
            target = node.choices.get(event.key, node.invalid)
        elif isinstance(event, NoInput):
            target = node.no_input
        else:
            return stay
    elif isinstance(node, QueueNode):
        if isinstance(event, QueueTimedOut):
            target = node.on_timeout
        elif isinstance(event, CallerLeftQueue) or (
            isinstance(event, KeyPressed) and event.key == "*"
        ):
            target = node.on_exit
        else:
            return stay
    elif isinstance(node, CallbackNode):
        if isinstance(event, CallbackAnswered):
            target = node.accepted if event.accepted else node.declined
        elif isinstance(event, KeyPressed) and event.key == "#":
            target = node.accepted
        elif isinstance(event, KeyPressed | NoInput):
            target = node.declined
        else:
            return stay
    elif isinstance(node, ChatbotNode):
        if not isinstance(event, ChatbotAnswered):
            return stay
        context = _answers(node, event.answers)
        target = node.next
    elif isinstance(node, VoicemailNode):
        if not isinstance(event, VoicemailTaken):
            return stay
        target = node.next
    elif isinstance(node, HangupNode):
        return StepResult(None, (), {}, ())
    else:
        # Entry, message and business-hours nodes never hold an interaction: walk on.
        return _walk(flow, current, now, max_steps, {})
    return _walk(flow, target, now, max_steps, context)


def _answers(node: ChatbotNode, answers: Mapping[str, str]) -> dict[str, str]:
    """Answers to this node's questions, keeping only allowed choices (R-W-7)."""
    filled: dict[str, str] = {}
    for question in node.questions:
        answer = answers.get(question.key)
        if answer is None:
            continue
        answer = answer.strip()[:500]
        if question.choices and answer not in question.choices:
            continue
        if answer:
            filled[question.key] = answer
    return filled


def _walk(
    flow: Flow, target: str | None, now: datetime, max_steps: int, context: Mapping[str, str]
) -> StepResult:
    actions: list[Action] = []
    visited: list[str] = []
    while len(visited) < max_steps:
        node = flow.nodes.get(target) if target else None
        if node is None:
            actions.append(HangUp("dangling_edge"))
            return StepResult(None, tuple(actions), context, tuple(visited))
        visited.append(node.id)
        if isinstance(node, EntryNode):
            target = node.next
        elif isinstance(node, MessageNode):
            actions.append(PlayMessage(node.text))
            target = node.next
        elif isinstance(node, BusinessHoursNode):
            target = node.open if is_open(node.schedule, now) else node.closed
        else:
            actions.append(_waiting_action(node))
            node_id = None if isinstance(node, HangupNode) else node.id
            return StepResult(node_id, tuple(actions), context, tuple(visited))
    actions.append(HangUp("loop_limit"))
    return StepResult(None, tuple(actions), context, tuple(visited))


def _waiting_action(
    node: MenuNode | QueueNode | VoicemailNode | CallbackNode | ChatbotNode | HangupNode,
) -> Action:
    if isinstance(node, MenuNode):
        return PromptMenu(node.prompt, tuple(node.choices), node.input_timeout_s)
    if isinstance(node, QueueNode):
        return Enqueue(node.queue_id, node.wait_timeout_s)
    if isinstance(node, VoicemailNode):
        return TakeVoicemail(node.greeting, node.mailbox)
    if isinstance(node, CallbackNode):
        return OfferCallback(node.queue_id, node.prompt)
    if isinstance(node, ChatbotNode):
        return AskQuestions(node.questions)
    return HangUp("flow_end", node.message)
