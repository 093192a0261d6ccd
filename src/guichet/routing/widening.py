"""Widening who may take a waiting interaction: routing steps (R-X-7) and overflow (R-SK-4).

Both fire from timers set when the interaction's groups were chosen (`queueing.set_groups`);
a waiting interaction leaves the heaps of its old groups, joins the new ones and is offered at
once if someone there is free.
"""

from __future__ import annotations

from guichet.domain.routing import InteractionStatus

from .availability import Availability
from .decisions import Decision, Explanation, OverflowInteraction, WidenStep
from .dispatch import Dispatch
from .queueing import Queueing
from .state import WAITING_STATUSES, Ix
from .waiting import Waiting

_ROUTABLE = frozenset({*WAITING_STATUSES, InteractionStatus.OFFERED})


class Widening:
    """The next routing step, or the overflow pool, applies to an interaction."""

    __slots__ = (
        "availability",
        "dispatch",
        "queueing",
        "waiting",
    )

    def __init__(
        self, availability: Availability, waiting: Waiting, dispatch: Dispatch, queueing: Queueing
    ) -> None:
        self.availability = availability
        self.waiting = waiting
        self.dispatch = dispatch
        self.queueing = queueing

    def widen(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """R-X-7: the step expired; the next, wider step applies."""
        if ix.status not in _ROUTABLE:
            return
        ix.step += 1
        ix.step_started = now
        waiting = ix.status in WAITING_STATUSES and ix.personal is None
        if waiting:
            self.waiting.unwait(ix)
        self.queueing.set_groups(ix, now)
        q = ix.queue
        out.append(
            WidenStep(
                ix.id,
                ix.step,
                Explanation("R-X-7", None if q is None else q.id, ix.step, ix.skill, ix.overflow),
            )
        )
        if waiting and not self.dispatch.route(ix, now, out, "R-X-7"):
            self.waiting.wait(ix)

    def overflow(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """R-SK-4: `overflow_after_s` passed; agents outside the skill may take it."""
        if ix.status not in _ROUTABLE:
            return
        q = ix.queue
        assert q is not None
        waiting = ix.status in WAITING_STATUSES and ix.personal is None
        if waiting:
            self.waiting.unwait(ix)
        ix.overflow = True
        ix.groups = (*ix.groups[:1], self.availability.group(q, ix.channel, (), True))
        out.append(
            OverflowInteraction(
                ix.id, ix.skill, Explanation("R-SK-4", q.id, ix.step, ix.skill, True)
            )
        )
        if waiting and not self.dispatch.route(ix, now, out, "R-SK-4"):
            self.waiting.wait(ix)
