"""The states of an interaction and what each one accepts (issue 12 finding 9).

One vocabulary, used by the live service, the API and docs/concepts.md ("Interaction
states"). Routing operations (accept, transfer, end, pause, keys) are decided by the routing
engine, whose refusals follow this table; the operations stored beside it (messages, tags,
disposition and notes, joining, evaluating) are checked against it by
`guichet.actions.interactions.check_state`, the one place that refuses them.
"""

from __future__ import annotations

from enum import StrEnum

#: Taken in, not yet handed to routing (only inside the intake's transaction).
NEW = "new"
#: Still in routing, no agent handles it yet.
ROUTING = ("in_flow", "waiting", "offered", "callback")
#: An agent handles it (R-W-6: a paused messaging conversation is still hers).
HELD = ("assigned", "paused")
#: Over: handled then ended (its wrap-up may run), left unanswered, or taken by nothing.
ENDED = "ended"
NEVER_HANDLED = ("abandoned", "unrouted")
OVER = (ENDED, *NEVER_HANDLED)
ALL = (NEW, *ROUTING, *HELD, *OVER)


class Op(StrEnum):
    """What one can do to an interaction."""

    MESSAGE = "message"
    TAGS = "tags"
    WRAP_UP = "wrap_up"
    JOIN = "join"
    EVALUATE = "evaluate"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    PAUSE = "pause"
    END = "end"
    KEY = "key"


#: The states in which each operation is accepted, and the rule that says so.
ACCEPTED: dict[Op, tuple[tuple[str, ...], str]] = {
    # A live conversation: the contact may write while it waits, the agent while she holds it.
    Op.MESSAGE: ((*ROUTING, *HELD), "R-W-2"),
    # Keywords: while it is live and after it ended (wrap-up, review); not on one never handled.
    Op.TAGS: ((*ROUTING, *HELD, ENDED), "R-W-2"),
    # The outcome of handling it: while an agent holds it and once it ended (R-W-3).
    Op.WRAP_UP: ((*HELD, ENDED), "R-W-3"),
    Op.JOIN: (HELD, "R-S-2"),
    Op.EVALUATE: ((ENDED,), "R-A-5"),
    Op.ACCEPT: (("offered",), "R-Q-4"),
    Op.TRANSFER: (("assigned",), "R-W-5"),
    Op.PAUSE: (("assigned",), "R-W-6"),
    Op.END: ((*ROUTING, *HELD), "R-Q-7"),
    Op.KEY: (("in_flow", "waiting", "offered", "callback"), "R-Q-5"),
}


def accepts(status: str, op: Op) -> bool:
    """Whether an interaction in ``status`` accepts ``op``."""
    return status in ACCEPTED[op][0]


def refusal(status: str, op: Op) -> str:
    """Why an interaction in ``status`` refuses ``op``: one sentence naming the state."""
    if status == ENDED:
        why = "it has ended"
    elif status == "abandoned":
        why = "the contact left before an agent answered"
    elif status == "unrouted":
        why = "no targeting rule, queue or flow took it"
    elif status in ROUTING:
        why = "no agent handles it yet"
    else:
        why = f"it is {status.replace('_', ' ')}"
    return f"this interaction is {status} and takes {_WHAT[op]}: {why}"


_WHAT = {
    Op.MESSAGE: "no message",
    Op.TAGS: "no tags",
    Op.WRAP_UP: "no disposition or notes",
    Op.JOIN: "no one joining",
    Op.EVALUATE: "no evaluation",
    Op.ACCEPT: "no acceptance",
    Op.TRANSFER: "no transfer",
    Op.PAUSE: "no pause",
    Op.END: "no end",
    Op.KEY: "no key",
}
