"""Agent work: pausing an agent, wrap-up start and end (R-W-1, R-Q-4, R-Q-7, R-X-10)."""

from __future__ import annotations

from guichet.domain.routing import WithdrawReason

from .decisions import Decision, EndWrapUp, StartWrapUp
from .dispatch import Dispatch
from .queueing import Queueing
from .state import AgentRt, Ix
from .timers import WRAP, Timers


class AgentWork:
    """An agent stops taking new work, enters wrap-up or leaves it."""

    __slots__ = (
        "dispatch",
        "queueing",
        "timers",
    )

    def __init__(self, timers: Timers, dispatch: Dispatch, queueing: Queueing) -> None:
        self.timers = timers
        self.dispatch = dispatch
        self.queueing = queueing

    def pause(
        self, a: AgentRt, reason: str | None, now: float, out: list[Decision], offline: bool = False
    ) -> None:
        """The agent stops taking new work; its open offers go back to waiting."""
        a.presence = "offline" if offline else "paused"
        a.reason = reason
        a.blocked = True
        a.stamp += 1
        self.queueing.withdraw_agent_offers(a, WithdrawReason.AGENT_LEFT, now, out)

    def start_wrap(self, a: AgentRt, ix: Ix, until: float, now: float, out: list[Decision]) -> None:
        """R-Q-7: the agent enters wrap-up and takes no new work until it ends."""
        if a.wrap_until is None or until > a.wrap_until:
            a.wrap_until = until
            a.wrap_token += 1
            self.timers.at(until, WRAP, a, a.wrap_token)
        a.wrap_queue = None if ix.queue is None else ix.queue.cfg
        a.blocked = True
        a.stamp += 1
        out.append(StartWrapUp(a.id, ix.id, a.wrap_until))
        self.queueing.withdraw_agent_offers(a, WithdrawReason.AGENT_LEFT, now, out)

    def end_wrap(self, a: AgentRt, now: float, out: list[Decision]) -> None:
        """R-Q-7: wrap-up is over; R-X-10 the agent gets waiting work at once."""
        a.wrap_until = None
        a.wrap_token += 1
        a.blocked = a.presence != "available"
        a.stamp += 1
        out.append(EndWrapUp(a.id))
        self.dispatch.freed(a, now, out)
