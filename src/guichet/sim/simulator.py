"""Discrete-event simulator driving the real routing engine on a simulated clock (R-X-1).

One event heap holds arrivals, call ends, abandons, agent presence changes and trace samples;
the engine's own timers (wrap-up end, overflow delay, step expiry) are fired through
`engine.advance` at their deadline, so every decision happens at the right simulated time.
The simulator only reacts to the engine's decisions: who answers, when wrap-up ends and who
goes next are the engine's choices (auto-answer queues, R-Q-4, R-Q-7, R-Q-8, R-X-10).
No I/O: results come back as plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from heapq import heappop, heappush
from random import Random
from typing import Any

from guichet.domain.enums import AgentState
from guichet.routing import RoutingEngine
from guichet.routing.decisions import (
    AbandonInteraction,
    AssignInteraction,
    EndWrapUp,
    OfferInteraction,
    QueueInteraction,
    RefuseEvent,
    StartWrapUp,
)
from guichet.routing.events import (
    AgentStateChanged,
    InteractionArrived,
    InteractionEnded,
    OfferAccepted,
)
from guichet.sim.agents import AgentClock, agent_ids, presence_timeline, routing_config
from guichet.sim.measures import QueueTally, merge_tallies
from guichet.sim.scenario import Scenario
from guichet.sim.traffic import Sampler

_ARRIVE, _END, _ABANDON, _PRESENCE, _SAMPLE = range(5)
_ROUTING, _WAITING, _ANSWERED, _DONE = range(4)
_PROGRESS_EVERY = 8192
_TRACE_POINTS = 400


class SimulationError(RuntimeError):
    """The engine refused an event the simulator sent: a bug on one side or the other."""


class _Contact:
    """One simulated interaction."""

    __slots__ = ("arrived", "clock", "counted", "id", "patience", "state", "stream", "talk")

    def __init__(self, iid: str, stream: _Stream, arrived: float, talk: float) -> None:
        self.id = iid
        self.stream = stream
        self.arrived = arrived
        self.talk = talk
        self.counted = False
        self.state = _ROUTING
        self.patience = 0.0
        self.clock: AgentClock | None = None


class _Stream:
    """A traffic stream with its random generators and the tally of its queue."""

    __slots__ = ("arrivals", "channel", "handle", "patience", "queue", "skill", "tally", "wrap")

    def __init__(self, scenario: Scenario, index: int, tally: QueueTally, seeds: str) -> None:
        spec = scenario.traffic[index]
        queue = next(q for q in scenario.queues if q.id == spec.queue)
        self.arrivals: Iterator[float] = spec.arrivals.times(
            Random(f"{seeds}/{index}/arrivals"), scenario.duration_s
        )
        self.handle: Sampler = spec.handle.sampler(Random(f"{seeds}/{index}/handle"))
        self.patience: Sampler | None = (
            None
            if spec.patience is None
            else spec.patience.sampler(Random(f"{seeds}/{index}/patience"))
        )
        self.queue = queue.id
        self.channel = queue.channel
        self.skill = spec.skill
        self.tally = tally
        self.wrap = queue.wrap_up_s


#: Called after each engine call: (simulated time, input event or None for timers, decisions).
Recorder = Callable[[float, Any, list[Any]], None]


def _recording(
    engine: RoutingEngine, recorder: Recorder
) -> tuple[Callable[[Any, float], list[Any]], Callable[[float], list[Any]]]:
    """`engine.handle` and `engine.advance` that also report each call to `recorder`."""
    engine_handle, engine_advance = engine.handle, engine.advance

    def handle(event: Any, now: float) -> list[Any]:
        decisions = engine_handle(event, now)
        recorder(now, event, decisions)
        return decisions

    def advance(now: float) -> list[Any]:
        decisions = engine_advance(now)
        recorder(now, None, decisions)
        return decisions

    return handle, advance


@dataclass(slots=True)
class RunResult:
    """Measures of one replication, overall and per queue, plus optional traces."""

    overall: dict[str, float]
    queues: dict[str, dict[str, float]]
    interactions: int
    events: int
    #: Realized offered load in Erlangs: work drawn for the measured arrivals / window length.
    load: float
    #: Time in queue of every measured contact, answered or abandoned (when tracing).
    waits: list[float] = field(default_factory=list)
    #: (interval start, most contacts waiting at once in it) over the measured window, in
    #: 400 intervals (when tracing): the peaks survive the down-sampling.
    queue_samples: list[tuple[float, int]] = field(default_factory=list)


def run_replication(
    scenario: Scenario,
    *,
    seed: int,
    replication: int = 0,
    trace: bool = False,
    progress: Callable[[float], None] | None = None,
    recorder: Recorder | None = None,
) -> RunResult:
    """Simulate one independent replication of `scenario` (R-X-1).

    `recorder`, when given, is called after every engine call with the simulated time, the
    input event (None for the engine's timers) and the decisions, in order: enough to write
    the event log the live service would have written (`guichet_testing.simlog`).
    """
    start, end = scenario.warmup_s, scenario.duration_s
    threshold = scenario.sl_threshold_s
    engine = RoutingEngine(
        routing_config(scenario), seed=seed * 1_000_003 + replication, keep_finished=False
    )
    handle: Callable[[Any, float], list[Any]] = engine.handle
    advance: Callable[[float], list[Any]] = engine.advance
    next_deadline = engine.next_deadline
    if recorder is not None:
        handle, advance = _recording(engine, recorder)

    tallies = {q.id: QueueTally() for q in scenario.queues}
    heap: list[tuple[float, int, int, Any]] = []
    seq = 0
    # String seeds are hashed with SHA-512 by `random`: stable across runs and platforms.
    seeds = f"guichet-sim/{seed}/{replication}"
    for i, spec in enumerate(scenario.traffic):
        stream = _Stream(scenario, i, tallies[spec.queue], seeds)
        first = next(stream.arrivals, None)
        if first is not None:
            seq += 1
            heappush(heap, (first, seq, _ARRIVE, stream))

    clocks: dict[str, AgentClock] = {}
    for group in scenario.agents:
        timeline = presence_timeline(group, end)
        for agent_id in agent_ids(group):
            clocks[agent_id] = AgentClock(start, end, group.handle_factor)
            for t, state, reason in timeline:
                seq += 1
                heappush(heap, (t, seq, _PRESENCE, (agent_id, state, reason)))
    step = (end - start) / _TRACE_POINTS
    peaks = [0] * _TRACE_POINTS
    if trace:
        for k in range(_TRACE_POINTS):
            seq += 1
            heappush(heap, (start + k * step, seq, _SAMPLE, k))

    contacts: dict[str, _Contact] = {}
    waiting = max_waiting = 0  # contacts waiting in every queue together
    interactions = events = 0
    countdown = _PROGRESS_EVERY
    deadline = next_deadline()

    offers: list[Any] = []

    def other(d: Any, now: float) -> None:
        """Decisions besides assignments: offers, wrap-up (busy time), abandons, refusals."""
        kind = type(d)
        if kind is OfferInteraction:
            # Ring-all offers to several agents (R-Q-4): the first listed answers at once.
            offers.append(d)
        elif kind is StartWrapUp or kind is EndWrapUp:
            clock = clocks[d.agent_id]
            clock.wrap = kind is StartWrapUp
            clock.update(now)
        elif kind is AbandonInteraction:
            contacts.pop(d.interaction_id, None)
        elif kind is RefuseEvent:
            raise SimulationError(f"engine refused {d.event}: {d.code} ({d.subject_id})")

    def apply(decisions: list[Any], now: float) -> None:
        nonlocal seq, waiting
        for d in decisions:
            kind = type(d)
            if kind is not AssignInteraction:
                if kind is not QueueInteraction:
                    other(d, now)
                continue
            c = contacts[d.interaction_id]
            c.clock = clock = clocks[d.agent_id]
            clock.active += 1
            if not clock.busy:
                clock.update(now)
            if c.state == _WAITING:
                c.stream.tally.queue_length -= 1
                waiting -= 1
            c.state = _ANSWERED
            talk = c.talk if clock.factor == 1.0 else c.talk * clock.factor
            seq += 1
            heappush(heap, (now + talk, seq, _END, c))
            if c.counted:
                tally = c.stream.tally
                wait = now - c.arrived
                tally.answered += 1
                tally.wait_answered_sum += wait
                tally.handle_sum += talk + c.stream.wrap
                tally.waits.append(wait)
                if wait <= threshold:
                    tally.answered_within += 1
        while offers:
            offer = offers.pop()
            apply(handle(OfferAccepted(offer.interaction_id, offer.agent_ids[0]), now), now)

    while True:
        if deadline is not None and (not heap or deadline <= heap[0][0]):
            apply(advance(deadline), deadline)
            deadline = next_deadline()
            continue
        if not heap:
            break
        now, _, kind, obj = heappop(heap)
        events += 1
        if kind == _ARRIVE:
            s = obj
            following = next(s.arrivals, None)
            if following is not None:
                seq += 1
                heappush(heap, (following, seq, _ARRIVE, s))
            interactions += 1
            iid = str(interactions)
            contacts[iid] = c = _Contact(iid, s, now, s.handle())
            if s.patience is not None:
                c.patience = s.patience()
            tally = s.tally
            if now >= start:
                c.counted = True
                tally.offered += 1
                tally.work_offered += c.talk + s.wrap
            apply(handle(InteractionArrived(iid, s.channel, s.queue, s.skill), now), now)
            if c.state == _ROUTING:  # no agent free: it waits (P(wait > 0))
                c.state = _WAITING
                tally.queue_length += 1
                waiting += 1
                if now < end:
                    if tally.queue_length > tally.max_queue_length:
                        tally.max_queue_length = tally.queue_length
                    if waiting > max_waiting:
                        max_waiting = waiting
                    if trace and now >= start:
                        k = int((now - start) / step)
                        if waiting > peaks[k]:
                            peaks[k] = waiting
                if c.counted:
                    tally.waited += 1
                if s.patience is not None:
                    seq += 1
                    heappush(heap, (now + c.patience, seq, _ABANDON, c))
        elif kind == _END:
            c = obj
            del contacts[c.id]
            clock = c.clock
            clock.active -= 1
            if not clock.active:
                clock.update(now)
            decisions = handle(InteractionEnded(c.id), now)
            if decisions:
                apply(decisions, now)
        elif kind == _ABANDON:
            c = obj
            if c.state == _WAITING:
                c.state = _DONE
                tally = c.stream.tally
                tally.queue_length -= 1
                waiting -= 1
                if c.counted:
                    tally.abandoned += 1
                    tally.wait_all_sum += c.patience
                    tally.waits.append(c.patience)
                    if c.patience <= threshold:
                        tally.abandoned_within += 1
                apply(handle(InteractionEnded(c.id), now), now)
        elif kind == _PRESENCE:
            agent_id, state, reason = obj
            clock = clocks[agent_id]
            clock.logged = state == AgentState.AVAILABLE
            clock.update(now)
            apply(handle(AgentStateChanged(agent_id, state, reason), now), now)
        else:
            peaks[obj] = max(peaks[obj], waiting)
        deadline = next_deadline()
        countdown -= 1
        if not countdown:
            countdown = _PROGRESS_EVERY
            if progress is not None:
                progress(min(now / end, 1.0))

    busy = staffed = 0.0
    for clock in clocks.values():
        b, st = clock.totals(end)
        busy += b
        staffed += st
    occupancy = busy / staffed if staffed else 0.0
    for tally in tallies.values():
        tally.wait_all_sum += tally.wait_answered_sum
    overall = merge_tallies(tallies.values())
    overall.max_queue_length = max_waiting
    if progress is not None:
        progress(1.0)
    return RunResult(
        overall=overall.measures(occupancy),
        queues={qid: tally.measures(occupancy) for qid, tally in tallies.items()},
        interactions=interactions,
        events=events,
        load=overall.work_offered / (end - start),
        waits=overall.waits.tolist() if trace else [],
        queue_samples=[(start + k * step, n) for k, n in enumerate(peaks)] if trace else [],
    )
