"""Stateful property tests of the routing engine over random event sequences.

Invariants checked after every step (R-W-1, R-X-8, R-Q-4, R-Q-7, R-Q-8, R-X-10):
no agent above capacity or budget, or offered work while paused, offline or in wrap-up; an
interaction offered to at most one agent at a time (ring-all: several offers, one accept);
no interaction lost; FIFO within equal priority; no qualified available agent idle while a
matching interaction waits; replaying the same events gives the same decisions.

Example counts: the default run (`make test`) explores 300 sequences of up to 50 steps per
machine; the slow run (`make test-slow`, marked `slow`) 1,000 sequences of up to 100 steps
(a few minutes).
"""

from __future__ import annotations

from typing import Any

import pytest
from engine_invariants import (
    check_capacity_and_state,
    check_fifo,
    check_no_stale_backlog,
    check_nothing_lost,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from guichet.domain.enums import AgentState, Channel, Strategy
from guichet.domain.routing import InteractionStatus
from guichet.flows.model import EntryNode, Flow, HangupNode, MenuNode, QueueNode
from guichet.routing import (
    AgentCapacityChanged,
    AgentConfig,
    AgentQueuesChanged,
    AgentStateChanged,
    AssignInteraction,
    ConfigurationChanged,
    ConversationPaused,
    ConversationResumed,
    Decision,
    Event,
    InteractionArrived,
    InteractionEnded,
    InteractionTransferred,
    KeyPressed,
    OfferAccepted,
    OfferInteraction,
    OfferRejected,
    QueueConfig,
    RoutingConfig,
    RoutingEngine,
    RoutingStep,
    SkillConfig,
    WrapUpEnded,
)
from guichet.routing.callback import CallbackPolicy
from guichet.routing.state import WAITING_STATUSES

CHANNELS = (Channel.VOICE, Channel.CHAT, Channel.MESSAGING)
SKILLS = (
    SkillConfig("s"),
    SkillConfig("s1", parent="s", overflow_after_s=15),
    SkillConfig("s2", parent="s", overflow_out=False),
    SkillConfig("t", overflow_in=False),
)
AGENT_SKILLS: tuple[dict[str, int], ...] = (
    {"s1": 4},
    {"s2": 2},
    {"s": 3},
    {},
    {"t": 5},
    {"s1": 1, "t": 2},
)
TARGETS = (None, "s", "s1", "s2", "t")
CALLBACK = CallbackPolicy(enabled=True, threshold_s=1.0)
#: R-X-7 steps that widen: expert in s1, then anyone in s, then anyone.
STEPS = (
    RoutingStep((("s1", 4),), expires_after_s=5.0),
    RoutingStep((("s", 1),), expires_after_s=10.0),
    RoutingStep(()),
)


#: R-Q-5: menu (1: q0, else hang up; no input: q0); q0 waits 20 s then q1, which waits 30 s.
FLOW = Flow(
    "f",
    "main",
    {
        "entry": EntryNode(id="entry", next="menu"),
        "menu": MenuNode(id="menu", choices={"1": "wait0"}, invalid="bye", no_input="wait0"),
        "wait0": QueueNode(
            id="wait0", queue_id="q0", wait_timeout_s=20, on_timeout="wait1", on_exit="bye"
        ),
        "wait1": QueueNode(
            id="wait1", queue_id="q1", wait_timeout_s=30, on_timeout="bye", on_exit="bye"
        ),
        "bye": HangupNode(id="bye"),
    },
)


def make_config(variant: int, mixing: bool | None = None) -> RoutingConfig:
    """Small organizations that differ in strategy, wrap-up, budget, slots and callbacks."""
    strategies = list(Strategy)
    queues = []
    for n in range(3):
        strategy = strategies[(variant + n) % len(strategies)]
        queues.append(
            QueueConfig(
                f"q{n}",
                strategy=strategy,
                channels=CHANNELS,
                offer_timeout_s=10.0 + 5 * n,
                max_no_answer=2 + (variant % 2),
                wrap_up_s=(0.0, 5.0, 12.0)[(variant + n) % 3],
                weight=(1.0, 2.0, 1.0)[n] if variant % 2 else 1.0,
                auto_accept=variant % 4 == 3 and n == 0,
                async_slots=2 if n == 1 else None,
                return_window_s=60.0 if n == 2 else 0.0,
                callback=CALLBACK if n == 0 and variant % 3 == 0 else None,
            )
        )
    agents = []
    for n in range(6):
        member = tuple(f"q{k}" for k in range(3) if (n + k + variant) % 3 != 0)
        agents.append(
            AgentConfig(
                f"a{n}",
                AGENT_SKILLS[n],
                member,
                capacity={Channel.CHAT: 1 + n % 3, Channel.MESSAGING: 2},
                budget=100 if (n + variant) % 4 == 0 else None,
            )
        )
    return RoutingConfig(
        skills=SKILLS,
        agents=tuple(agents),
        queues=tuple(queues),
        allow_mixing=variant % 5 == 4 if mixing is None else mixing,
        flows={"f": FLOW},
    )


class EngineMachine(RuleBasedStateMachine):
    """Drives one engine with random events and checks the invariants after each."""

    def __init__(self) -> None:
        super().__init__()
        self.engine: RoutingEngine | None = None
        self.log: list[tuple[Event, float]] = []
        self.decisions: list[list[Decision]] = []
        self.now = 0.0
        self.arrived: list[str] = []
        self.count = 0
        self.new_work: set[tuple[str, Channel]] = set()

    @property
    def e(self) -> RoutingEngine:
        assert self.engine is not None
        return self.engine

    def send(self, event: Event) -> list[Decision]:
        before = self.waiting_now()
        out = self.e.handle(event, self.now)
        self.log.append((event, self.now))
        self.decisions.append(out)
        accepted = isinstance(event, OfferAccepted)
        self.check_fifo(out, before, accepted=accepted)
        self.note_new_work(out, accepted=accepted)
        return out

    def note_new_work(self, out: list[Decision], *, accepted: bool) -> None:
        """(agent, channel) pairs that received new work in the last step."""
        new: set[tuple[str, Channel]] = set()
        for d in out:
            if isinstance(d, OfferInteraction):
                ch = self.e.ixs[d.interaction_id].channel
                new.update((aid, ch) for aid in d.agent_ids)
            elif isinstance(d, AssignInteraction) and not accepted:
                new.add((d.agent_id, self.e.ixs[d.interaction_id].channel))
        self.new_work = new

    @initialize(
        variant=st.integers(0, 19), seed=st.integers(0, 2**16), ready=st.sets(st.integers(0, 5))
    )
    def setup(self, variant: int, seed: int, ready: set[int]) -> None:
        self.config = make_config(variant)
        self.seed = seed
        self.engine = RoutingEngine(self.config, seed=seed)
        for n in sorted(ready):
            self.send(AgentStateChanged(f"a{n}", AgentState.AVAILABLE))

    # -- events ------------------------------------------------------------------------
    @rule(
        queue=st.sampled_from((0, 0, 1, 2)),
        channel=st.sampled_from((Channel.VOICE, Channel.VOICE, *CHANNELS)),
        skill=st.sampled_from((None, None, "steps", "flow", *TARGETS)),
        dt=st.sampled_from((0.0, 1.0, 2.5)),
        priority=st.sampled_from((None, None, 3.0)),
        contact=st.sampled_from((None, "c1", "c2")),
    )
    def arrive(
        self,
        queue: int,
        channel: Channel,
        skill: str | None,
        priority: float | None,
        contact: str | None,
        dt: float,
    ) -> None:
        self.now += dt
        self.count += 1
        iid = f"i{self.count}"
        steps = STEPS if skill == "steps" else ()
        flow = skill == "flow"
        out = self.send(
            InteractionArrived(
                iid,
                channel,
                None if flow else f"q{queue}",
                None if skill in ("steps", "flow") else skill,
                steps,
                flow_id="f" if flow else None,
                priority=priority,
                contact_id=contact,
                caller_id="+33612345678",
            )
        )
        assert not any(type(d).__name__ == "RefuseEvent" for d in out)
        self.arrived.append(iid)

    @rule(
        queue=st.integers(0, 2),
        channel=st.sampled_from(CHANNELS),
        skill=st.sampled_from(TARGETS),
        n=st.integers(2, 6),
    )
    def burst(self, queue: int, channel: Channel, skill: str | None, n: int) -> None:
        """Several alike interactions a second apart: exercises FIFO (R-Q-8)."""
        for _ in range(n):
            self.arrive(queue, channel, skill, None, None, 1.0)

    @rule(
        agent=st.integers(0, 5),
        state=st.sampled_from((AgentState.AVAILABLE, AgentState.PAUSED, AgentState.OFFLINE)),
    )
    def agent_state(self, agent: int, state: AgentState) -> None:
        self.send(
            AgentStateChanged(
                f"a{agent}", state, None if state is AgentState.AVAILABLE else "break"
            )
        )

    def _offers(self) -> list[tuple[str, str]]:
        return sorted((iid, a.id) for a in self.e.agents.values() for iid in a.offers)

    @precondition(lambda self: self.engine is not None and self._offers())
    @rule(pick=st.integers(0, 10_000), accept=st.booleans())
    def answer(self, pick: int, accept: bool) -> None:
        pairs = self._offers()
        iid, aid = pairs[pick % len(pairs)]
        self.send(OfferAccepted(iid, aid) if accept else OfferRejected(iid, aid))

    def _live(self) -> list[str]:
        final = (InteractionStatus.ENDED, InteractionStatus.ABANDONED)
        return [i for i in self.arrived if self.e.interaction_status(i) not in final]

    @precondition(lambda self: self.engine is not None and self._live())
    @rule(pick=st.integers(0, 10_000))
    def end(self, pick: int) -> None:
        live = self._live()
        self.send(InteractionEnded(live[pick % len(live)]))

    @rule(dt=st.sampled_from((0.0, 0.5, 1.0, 3.0, 7.0, 15.0, 40.0)))
    def tick(self, dt: float) -> None:
        self.now += dt
        before = self.waiting_now()
        out = self.e.advance(self.now)
        self.decisions.append(out)
        self.log.append((None, self.now))  # type: ignore[arg-type]
        self.check_fifo(out, before, accepted=False)
        self.note_new_work(out, accepted=False)

    @rule(agent=st.integers(0, 5), by_supervisor=st.booleans())
    def wrap_end(self, agent: int, by_supervisor: bool) -> None:
        self.send(WrapUpEnded(f"a{agent}", by_supervisor))

    @rule(agent=st.integers(0, 5), chats=st.integers(0, 3), budget=st.sampled_from((None, 68, 100)))
    def capacity(self, agent: int, chats: int, budget: int | None) -> None:
        self.send(AgentCapacityChanged(f"a{agent}", {Channel.CHAT: chats}, budget))

    @rule(agent=st.integers(0, 5), queues=st.sets(st.integers(0, 2)))
    def queues(self, agent: int, queues: set[int]) -> None:
        self.send(AgentQueuesChanged(f"a{agent}", tuple(f"q{k}" for k in sorted(queues))))

    @precondition(lambda self: self.engine is not None and self._live())
    @rule(pick=st.integers(0, 10_000), kind=st.integers(0, 5), agent=st.integers(0, 5))
    def interaction_event(self, pick: int, kind: int, agent: int) -> None:
        live = self._live()
        iid = live[pick % len(live)]
        event: Event
        if kind == 0:
            event = ConversationPaused(iid)
        elif kind == 1:
            event = ConversationResumed(iid)
        elif kind == 2:
            event = InteractionTransferred(iid, to_agent_id=f"a{agent}", consulted=agent % 2 == 0)
        elif kind == 3:
            event = InteractionTransferred(
                iid, to_queue_id=f"q{agent % 3}", to_skill=TARGETS[agent % 5]
            )
        elif kind == 4:
            event = KeyPressed(iid, "#")
        elif agent % 2:
            event = KeyPressed(iid, "*")
        else:
            event = KeyPressed(iid, "1")
        self.send(event)

    @rule(variant=st.integers(0, 19))
    def reconfigure(self, variant: int) -> None:
        # Mixing stays as first configured, so the no-mixing invariant keeps its meaning.
        self.send(ConfigurationChanged(make_config(variant, self.config.allow_mixing)))

    # -- invariants (engine_invariants.py) ---------------------------------------------
    @invariant()
    def capacity_and_state(self) -> None:
        """R-W-1, R-X-8, R-Q-7: within capacity and budget; no offers unless available."""
        if self.engine is not None:
            check_capacity_and_state(self.e, self.new_work)

    @invariant()
    def nothing_lost(self) -> None:
        """Every arrived interaction is in exactly one consistent place."""
        if self.engine is not None:
            check_nothing_lost(self.e, self.arrived)

    @invariant()
    def no_stale_backlog(self) -> None:
        """R-X-10: no able agent of a group idles while a matching interaction waits."""
        if self.engine is not None:
            check_no_stale_backlog(self.e, self.arrived)

    def waiting_now(self) -> set[str]:
        if self.engine is None:
            return set()
        return {i for i in self.arrived if self.e.ixs[i].status in WAITING_STATUSES}

    def check_fifo(self, out: list[Decision], before: set[str], *, accepted: bool) -> None:
        """R-Q-8: FIFO within equal weight and group, as of each offer."""
        check_fifo(self.e, out, before, accepted=accepted)

    def teardown(self) -> None:
        """Replaying the same events on a fresh engine gives the same decisions."""
        if self.engine is None:
            return
        replay = RoutingEngine(self.config, seed=self.seed)
        got: list[list[Any]] = []
        for event, now in self.log:
            got.append(replay.advance(now) if event is None else replay.handle(event, now))
        assert got == self.decisions


EngineMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_engine_invariants = EngineMachine.TestCase


class SlowEngineMachine(EngineMachine):
    """The same machine with many more examples (make test-slow)."""


SlowEngineMachine.TestCase.settings = settings(
    max_examples=1000,
    stateful_step_count=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_engine_invariants_long = pytest.mark.slow(SlowEngineMachine.TestCase)
