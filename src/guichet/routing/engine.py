"""The routing engine: events in, decisions out; pure, in memory, reproducible (R-X-3).

`handle(event, now)` first fires the timers due at or before `now`, then applies the event.
Timers fire at their own due time, so the decisions do not depend on how often `advance` is
called. Given the same configuration, seed and events, the decisions are the same.

`RoutingEngine` holds plain parts, each with one job, built in dependency order (a part gets
the parts it calls, never the other way round):

- `state` (`engine_state.py`): configuration, skill tree, agents, queues, interactions;
- `timers` (`timers.py`): one heap of timers with lazy cancellation;
- `capacity` (`capacity.py`): whether an agent may take more work, the slots work holds
  (R-W-1, R-X-8);
- `availability` (`availability.py`): routing groups and heaps of available agents ordered by
  the queue's strategy (`strategies.py`, R-Q-4);
- `waiting` (`waiting.py`): heaps of waiting interactions, which one a freed agent gets
  (R-Q-8, R-W-5);
- `estimates` (`estimates.py`): position and estimated wait (R-X-6);
- `dispatch` (`dispatch.py`): offers, assignments, routing, serving a freed agent (R-X-10);
- `callbacks` (`callback_offers.py`): offering a callback (R-Q-6);
- `queueing` (`queueing.py`): queue entry, groups per step, re-queue, abandon, finish;
- `work` (`agent_work.py`): pausing an agent, wrap-up (R-Q-7);
- `widening` (`widening.py`): routing steps (R-X-7) and overflow (R-SK-4);
- the handlers of events: `offers` (`offer_events.py`), `interactions`
  (`interaction_events.py`, with targeting from `targeting.py`, R-TR-1), `agent_events`
  (`agent_events.py`), `transfers` (`transfers.py`, R-W-5), `conversations`
  (`conversations.py`, R-W-6), `flows` (`flow_events.py`, R-Q-5);
- `setup` (`setup.py`): applying a configuration, the new day;
- `views` (`views.py`): read-only queries for the live service, the simulator and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guichet.domain.enums import AgentState, Channel
from guichet.domain.routing import InteractionStatus

from .agent_events import AgentEvents
from .agent_work import AgentWork
from .availability import Availability
from .callback_offers import CallbackOffers
from .capacity import Capacity
from .config import RoutingConfig
from .conversations import Conversations
from .decisions import Decision
from .dispatch import Dispatch
from .engine_state import EngineState
from .estimate import WaitEstimate
from .estimates import Estimates
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
from .offer_events import OfferEvents
from .queueing import Queueing
from .setup import Configurator
from .state import AgentRt, Ix, QueueRt
from .timers import CALLBACK_CHECK, FLOW_WAIT, OFFER, OVERFLOW, STEP, WRAP, Fire, Timers, is_live
from .transfers import Transfers
from .views import AgentView, InteractionView, QueueView, Views
from .waiting import Waiting
from .widening import Widening

Handler = Callable[[Any, float, list[Decision]], None]


class RoutingEngine:
    """One organization's routing: `handle(event, now)` -> decisions (see docs/routing.md)."""

    def __init__(
        self,
        config: RoutingConfig,
        *,
        seed: int = 0,
        now: float = 0.0,
        keep_finished: bool = True,
    ) -> None:
        self.seed = seed
        self.now = now
        self.state = state = EngineState(config)
        self.timers = timers = Timers()
        self.capacity = capacity = Capacity()
        self.availability = availability = Availability(capacity, seed)
        self.waiting = waiting = Waiting(capacity)
        self.estimates = estimates = Estimates(capacity)
        self.dispatch = dispatch = Dispatch(timers, capacity, availability, waiting, state.tracker)
        self.callbacks = callbacks = CallbackOffers(state.tracker, availability, estimates)
        self.queueing = queueing = Queueing(
            state,
            timers,
            capacity,
            availability,
            waiting,
            dispatch,
            callbacks,
            keep_finished=keep_finished,
        )
        self.work = work = AgentWork(timers, dispatch, queueing)
        self.widening = widening = Widening(availability, waiting, dispatch, queueing)
        self.offers = offers = OfferEvents(state, capacity, availability, dispatch, queueing, work)
        self.flows = flows = FlowEvents(state, timers, capacity, waiting, dispatch, queueing)
        self.transfers = transfers = Transfers(state, capacity, waiting, dispatch, queueing)
        self.conversations = conversations = Conversations(
            state, capacity, waiting, dispatch, queueing
        )
        self.interactions = interactions = InteractionEvents(
            state, capacity, waiting, dispatch, queueing, work, flows, conversations
        )
        self.agent_events = agent_events = AgentEvents(state, availability, dispatch, work)
        self.setup = setup = Configurator(
            state, capacity, availability, waiting, dispatch, queueing
        )
        self.views = Views(state, capacity, estimates)
        self._handlers: dict[type, Handler] = {
            InteractionArrived: interactions.on_arrived,
            AgentStateChanged: agent_events.on_state,
            AgentCapacityChanged: agent_events.on_capacity,
            AgentQueuesChanged: agent_events.on_queues,
            OfferAccepted: offers.on_accepted,
            OfferRejected: offers.on_rejected,
            OfferExpired: offers.on_expired,
            InteractionEnded: interactions.on_ended,
            WrapUpEnded: agent_events.on_wrap_ended,
            KeyPressed: interactions.on_key,
            ConversationPaused: conversations.on_paused,
            ConversationResumed: conversations.on_resumed,
            InteractionTransferred: transfers.on_transferred,
            ConfigurationChanged: self._on_config,
        }
        # Indexed by timer kind (OFFER, WRAP, STEP, OVERFLOW, FLOW_WAIT, CALLBACK_CHECK).
        fire: dict[int, Fire] = {
            OFFER: offers.expire,
            WRAP: work.end_wrap,
            STEP: widening.widen,
            OVERFLOW: widening.overflow,
            FLOW_WAIT: flows.timeout,
            CALLBACK_CHECK: callbacks.check,
        }
        self._fire_kind = tuple(fire[k] for k in range(len(fire)))
        self._timer_heap = timers.heap  # the list itself: `handle` peeks at its head
        setup.apply(config, now)
        self.day_ends = setup.new_day(now)

    # -- events and time ------------------------------------------------------------------
    def handle(self, event: Event, now: float) -> list[Decision]:
        """Fire the timers due by `now`, then apply the event; returns the decisions."""
        if now < self.now:
            raise ValueError(f"time went backwards: {now} < {self.now}")
        self.now = now
        if now >= self.day_ends:
            self.day_ends = self.setup.new_day(now)
        out: list[Decision] = []
        heap = self._timer_heap
        if heap and heap[0][0] <= now:
            self.timers.fire(now, self._fire_kind, out)
        handler = self._handlers.get(type(event))
        if handler is None:
            raise TypeError(f"not a routing event: {type(event).__name__}")
        handler(event, now, out)
        return out

    def advance(self, now: float) -> list[Decision]:
        """Fire the timers due at or before `now` (offer expiry, wrap-up end, steps...)."""
        if now < self.now:
            raise ValueError(f"time went backwards: {now} < {self.now}")
        self.now = now
        if now >= self.day_ends:
            self.day_ends = self.setup.new_day(now)
        out: list[Decision] = []
        self.timers.fire(now, self._fire_kind, out)
        return out

    def next_deadline(self) -> float | None:
        """When the next live timer is due, or None."""
        heap = self._timer_heap
        if heap and is_live(heap[0]):  # the usual case, without a call into `timers`
            return heap[0][0]
        return self.timers.next_deadline()

    def _on_config(self, ev: ConfigurationChanged, now: float, out: list[Decision]) -> None:
        """The configuration changes at once; R-X-10 applies to every agent afterwards."""
        out.extend(self.setup.apply(ev.config, now))

    # -- state, read-only -----------------------------------------------------------------
    @property
    def config(self) -> RoutingConfig:
        """The configuration in force."""
        return self.state.config

    @property
    def agents(self) -> dict[str, AgentRt]:
        """Live agents by id (removed ones stay, marked `removed`)."""
        return self.state.agents

    @property
    def queues(self) -> dict[str, QueueRt]:
        """Live queues by id."""
        return self.state.queues

    @property
    def ixs(self) -> dict[str, Ix]:
        """Live interactions by id (finished ones too when the engine keeps them)."""
        return self.state.ixs

    @property
    def mixing(self) -> bool:
        """Whether a call may run alongside other channels (R-W-1)."""
        return self.capacity.mixing

    def can_take(self, a: AgentRt, ch: Channel) -> bool:
        """Whether the agent may receive one more interaction on this channel now."""
        return self.capacity.can_take(a, ch)

    def agent_state(self, a: AgentRt) -> AgentState:
        """R-W-1 state derived from presence, wrap-up and work."""
        return self.views.agent_state(a)

    def agent_view(self, agent_id: str) -> AgentView | None:
        """The agent's state and work, or None if unknown."""
        return self.views.agent_view(agent_id)

    def can_take_now(self, agent_id: str, channel: Channel) -> bool:
        """Whether the agent could receive one more interaction on this channel now."""
        return self.views.can_take_now(agent_id, channel)

    def interaction_status(self, interaction_id: str) -> InteractionStatus | None:
        """Status of the interaction, None if unknown (or forgotten after it finished)."""
        return self.views.interaction_status(interaction_id)

    def interaction_view(self, interaction_id: str) -> InteractionView | None:
        """Where the interaction is, with whom."""
        return self.views.interaction_view(interaction_id)

    def waiting_ids(self, queue_id: str) -> list[str]:
        """Waiting interactions of the queue, oldest place first (R-S-1)."""
        return self.views.waiting_ids(queue_id)

    def queue_view(self, queue_id: str, now: float) -> QueueView | None:
        """Waiting count, callbacks, longest wait of a queue (R-S-1)."""
        return self.views.queue_view(queue_id, now)

    def estimated_wait(self, interaction_id: str, now: float) -> WaitEstimate | None:
        """R-X-6: position and estimated wait of a waiting interaction."""
        return self.views.estimated_wait(interaction_id, now)
