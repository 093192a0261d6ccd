"""Offering a callback to a waiting caller (R-Q-6), once, when the queue's conditions hold.

The conditions themselves are `callback.py`'s (pure): average wait over the last 15 minutes,
no agent free, a caller number that may be called back. This part feeds them live numbers.
"""

from __future__ import annotations

from guichet.domain.routing import InteractionStatus

from .availability import Availability
from .callback import should_offer_callback
from .decisions import Decision, OfferCallback
from .estimates import Estimates
from .state import Ix
from .wait_tracker import WaitTracker

_WAITING = InteractionStatus.WAITING


class CallbackOffers:
    """Check a waiting interaction against its queue's callback policy."""

    __slots__ = (
        "availability",
        "estimates",
        "tracker",
    )

    def __init__(
        self, tracker: WaitTracker, availability: Availability, estimates: Estimates
    ) -> None:
        self.tracker = tracker
        self.availability = availability
        self.estimates = estimates

    def check(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """R-Q-6: offer a callback once, when the queue's 15-minute conditions hold."""
        q = ix.queue
        if q is None or ix.callback_offered or ix.status is not _WAITING:
            return
        check = should_offer_callback(
            q.cfg.callback,
            self.tracker,
            q.id,
            now=now,
            available_agents=self.availability.available_count(q, ix.channel),
            caller_id=ix.caller_id,
            already_offered=ix.callback_offered,
            call_id=ix.id,
        )
        if not check.offer:
            return
        ix.callback_offered = True
        estimate = self.estimates.estimate(ix, now)
        out.append(
            OfferCallback(
                ix.id,
                q.id,
                None if estimate is None else estimate.wait_s,
                check.average_wait_s or 0.0,
            )
        )
