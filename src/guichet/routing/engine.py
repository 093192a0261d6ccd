"""The routing engine: events in, decisions out; pure, in memory, reproducible (R-X-3).

`handle(event, now)` first fires the timers due at or before `now`, then applies the event.
Timers fire at their own due time, so the decisions do not depend on how often `advance` is
called. Given the same configuration, seed and events, the decisions are the same.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from heapq import heappop
from typing import Any

from guichet.domain.routing import InteractionStatus

from .agent_events import AgentEvents
from .config import RoutingConfig
from .core import CALLBACK_CHECK, FLOW_WAIT, OFFER, OVERFLOW, STEP, WRAP
from .decisions import Decision, Explanation, OverflowInteraction, WidenStep
from .events import (
    AgentCapacityChanged,
    AgentQueuesChanged,
    AgentStateChanged,
    ConfigurationChanged,
    ConversationPaused,
    ConversationResumed,
    Event,
    InteractionArrived,
    InteractionEnded,
    InteractionTransferred,
    KeyPressed,
    OfferAccepted,
    OfferExpired,
    OfferRejected,
    WrapUpEnded,
)
from .flow_events import FlowEvents
from .interaction_events import InteractionEvents
from .returns import ReturnMemory
from .setup import apply_config
from .state import WAITING_STATUSES, Ix
from .transfers import Transfers
from .views import Views

_OFFERED = InteractionStatus.OFFERED
_WAITING = InteractionStatus.WAITING
_ROUTABLE = frozenset({*WAITING_STATUSES, InteractionStatus.OFFERED})
Handler = Callable[[Any, Any, float, list[Decision]], None]


class RoutingEngine(InteractionEvents, AgentEvents, Transfers, FlowEvents, Views):
    """One organization's routing: `handle(event, now)` -> decisions (see docs/routing.md)."""

    def __init__(
        self,
        config: RoutingConfig,
        *,
        seed: int = 0,
        now: float = 0.0,
        keep_finished: bool = True,
    ) -> None:
        super().__init__(seed)
        self.keep_finished = keep_finished
        self.now = now
        self.returns = ReturnMemory()
        self.day_ends = float("-inf")
        self.config = config
        self._handlers: dict[type, Handler] = {
            InteractionArrived: RoutingEngine.on_arrived,
            AgentStateChanged: RoutingEngine.on_state,
            AgentCapacityChanged: RoutingEngine.on_capacity,
            AgentQueuesChanged: RoutingEngine.on_queues,
            OfferAccepted: RoutingEngine.on_accepted,
            OfferRejected: RoutingEngine.on_rejected,
            OfferExpired: RoutingEngine.on_expired,
            InteractionEnded: RoutingEngine.on_ended,
            WrapUpEnded: RoutingEngine.on_wrap_ended,
            KeyPressed: RoutingEngine.on_key,
            ConversationPaused: RoutingEngine.on_conv_paused,
            ConversationResumed: RoutingEngine.on_conv_resumed,
            InteractionTransferred: RoutingEngine.on_transferred,
            ConfigurationChanged: RoutingEngine.on_config,
        }
        self._configure(config, now, [])
        self._new_day(now)

    def handle(self, event: Event, now: float) -> list[Decision]:
        """Fire the timers due by `now`, then apply the event; returns the decisions."""
        if now < self.now:
            raise ValueError(f"time went backwards: {now} < {self.now}")
        self.now = now
        if now >= self.day_ends:
            self._new_day(now)
        out: list[Decision] = []
        timers = self.timers
        if timers and timers[0][0] <= now:
            self._fire(now, out)
        handler = self._handlers.get(type(event))
        if handler is None:
            raise TypeError(f"not a routing event: {type(event).__name__}")
        handler(self, event, now, out)
        return out

    def advance(self, now: float) -> list[Decision]:
        """Fire the timers due at or before `now` (offer expiry, wrap-up end, steps...)."""
        if now < self.now:
            raise ValueError(f"time went backwards: {now} < {self.now}")
        self.now = now
        if now >= self.day_ends:
            self._new_day(now)
        out: list[Decision] = []
        self._fire(now, out)
        return out

    def _new_day(self, now: float) -> None:
        """R-Q-4 fewest today: the counts start again at the organization's local midnight."""
        local = datetime.fromtimestamp(now, self.config.timezone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        self.day_ends = (midnight + timedelta(days=1)).timestamp()
        for a in self.agents.values():
            if a.today:
                a.today = 0
                a.stamp += 1
                self.relist(a)

    def next_deadline(self) -> float | None:
        """When the next live timer is due, or None."""
        timers = self.timers
        while timers:
            if self._live_timer(timers[0]):
                return timers[0][0]
            heappop(timers)
        return None

    def _live_timer(self, t: tuple[float, int, int, Any, int]) -> bool:
        kind, obj, token = t[2], t[3], t[4]
        if kind == OFFER:
            return bool(obj.offer_token == token and obj.status is _OFFERED)
        if kind == WRAP:
            return bool(obj.wrap_token == token and obj.wrap_until is not None)
        if kind == FLOW_WAIT:
            return bool(obj.flow_token == token)
        if kind == CALLBACK_CHECK:
            return bool(obj.status is _WAITING and not obj.callback_offered)
        return bool(obj.route_token == token)

    def _fire(self, now: float, out: list[Decision]) -> None:
        timers = self.timers
        while timers and timers[0][0] <= now:
            t = heappop(timers)
            if not self._live_timer(t):
                continue
            due, kind, obj = t[0], t[2], t[3]
            if kind == OFFER:
                self.expire(obj, due, out)
            elif kind == WRAP:
                self.end_wrap(obj, due, out)
            elif kind == STEP:
                self._widen(obj, due, out)
            elif kind == OVERFLOW:
                self._overflow(obj, due, out)
            elif kind == FLOW_WAIT:
                self.flow_timeout(obj, due, out)
            elif kind == CALLBACK_CHECK:
                self.check_callback(obj, due, out)

    def _widen(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """R-X-7: the step expired; the next, wider step applies."""
        if ix.status not in _ROUTABLE:
            return
        ix.step += 1
        ix.step_started = now
        waiting = ix.status in WAITING_STATUSES and ix.personal is None
        if waiting:
            self.unwait(ix)
        self.set_groups(ix, now)
        q = ix.queue
        out.append(
            WidenStep(
                ix.id,
                ix.step,
                Explanation("R-X-7", None if q is None else q.id, ix.step, ix.skill, ix.overflow),
            )
        )
        if waiting and not self.route(ix, now, out, "R-X-7"):
            self.wait(ix)

    def _overflow(self, ix: Ix, now: float, out: list[Decision]) -> None:
        """R-SK-4: `overflow_after_s` passed; agents outside the skill may take it."""
        if ix.status not in _ROUTABLE:
            return
        q = ix.queue
        assert q is not None
        waiting = ix.status in WAITING_STATUSES and ix.personal is None
        if waiting:
            self.unwait(ix)
        ix.overflow = True
        ix.groups = (*ix.groups[:1], self.get_group(q, ix.channel, (), True))
        out.append(
            OverflowInteraction(
                ix.id, ix.skill, Explanation("R-SK-4", q.id, ix.step, ix.skill, True)
            )
        )
        if waiting and not self.route(ix, now, out, "R-SK-4"):
            self.wait(ix)

    def on_config(self, ev: ConfigurationChanged, now: float, out: list[Decision]) -> None:
        """The configuration changes at once; R-X-10 applies to every agent afterwards."""
        self._configure(ev.config, now, out)

    def _configure(self, config: RoutingConfig, now: float, out: list[Decision]) -> None:
        for qc in config.queues:
            self.returns.set_window(qc.id, qc.return_window_s)
        out.extend(apply_config(self, config, now))
