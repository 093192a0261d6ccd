"""Engine refusals as API errors naming the rule (409/403/422 with the rule id)."""

from __future__ import annotations

from collections.abc import Iterable

from guichet.domain.routing import RefusalCode
from guichet.errors import Conflict, Forbidden, GuichetError, Invalid, NotFound
from guichet.routing import Decision, RefuseEvent

#: (engine event name, refusal code) -> (error class, field, rule, message).
_MAP: dict[tuple[str, RefusalCode], tuple[type[GuichetError], str | None, str, str]] = {
    ("offer_accepted", RefusalCode.NOT_OFFERED): (
        Conflict,
        None,
        "R-Q-4",
        "this offer is no longer open (expired, withdrawn or taken)",
    ),
    ("offer_accepted", RefusalCode.UNKNOWN_INTERACTION): (
        Conflict,
        None,
        "R-Q-4",
        "this offer is no longer open",
    ),
    ("offer_rejected", RefusalCode.NOT_OFFERED): (
        Conflict,
        None,
        "R-Q-4",
        "this offer is no longer open (expired, withdrawn or taken)",
    ),
    ("offer_rejected", RefusalCode.UNKNOWN_INTERACTION): (
        Conflict,
        None,
        "R-Q-4",
        "this offer is no longer open",
    ),
    ("wrap_up_ended", RefusalCode.WRAP_UP_END_NOT_ALLOWED): (
        Forbidden,
        None,
        "R-Q-7",
        "this queue does not let agents end their wrap-up",
    ),
    ("wrap_up_ended", RefusalCode.WRONG_STATE): (
        Conflict,
        None,
        "R-Q-7",
        "the agent is not in wrap-up",
    ),
    ("interaction_transferred", RefusalCode.TARGET_BUSY): (
        Conflict,
        "to_agent_id",
        "R-W-5",
        "the target agent is on an interaction or in wrap-up: no transfer",
    ),
    ("interaction_transferred", RefusalCode.WRONG_STATE): (
        Conflict,
        None,
        "R-W-5",
        "a warm transfer needs the consulted agent available; or the interaction is not held",
    ),
    ("interaction_transferred", RefusalCode.UNKNOWN_AGENT): (
        Invalid,
        "to_agent_id",
        "R-W-5",
        "unknown agent in this organization",
    ),
    ("interaction_transferred", RefusalCode.UNKNOWN_QUEUE): (
        Invalid,
        "to_queue_id",
        "R-W-5",
        "unknown queue in this organization",
    ),
    ("interaction_transferred", RefusalCode.NO_ROUTE): (
        Invalid,
        None,
        "R-W-5",
        "name an agent, a queue or a skill",
    ),
    ("conversation_paused", RefusalCode.SLOTS_FULL): (
        Conflict,
        None,
        "R-W-6",
        "the queue's conversation slots are all taken",
    ),
    ("conversation_paused", RefusalCode.WRONG_STATE): (
        Conflict,
        None,
        "R-W-6",
        "only a held messaging conversation can be paused",
    ),
    ("conversation_resumed", RefusalCode.WRONG_STATE): (
        Conflict,
        None,
        "R-W-6",
        "the conversation is not paused",
    ),
    ("key_pressed", RefusalCode.UNKNOWN_INTERACTION): (
        Conflict,
        None,
        "R-Q-6",
        "the interaction is not in routing",
    ),
    ("interaction_ended", RefusalCode.WRONG_STATE): (
        Conflict,
        None,
        "R-Q-4",
        "the interaction is already over",
    ),
    ("interaction_ended", RefusalCode.UNKNOWN_INTERACTION): (
        Conflict,
        None,
        "R-Q-4",
        "the interaction is not in routing",
    ),
}


def raise_refusal(decisions: Iterable[Decision]) -> None:
    """Raise the API error of the first refusal among ``decisions``, if any."""
    for d in decisions:
        if not isinstance(d, RefuseEvent):
            continue
        found = _MAP.get((d.event, d.code))
        if found is None:
            if d.code in (RefusalCode.UNKNOWN_AGENT, RefusalCode.UNKNOWN_INTERACTION):
                noun = "agent" if d.code is RefusalCode.UNKNOWN_AGENT else "interaction"
                raise NotFound(f"{noun} {d.subject_id} not found")
            raise Conflict(f"{d.event} refused: {d.code.value}")
        cls, field, rule, message = found
        raise cls(message, field=field, rule=rule)
