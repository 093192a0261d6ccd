"""Pure folds of the event log into facts (R-AN-1, R-AN-3, R-AN-8). No I/O.

The definitions are those of docs/metrics.md. Choices for odd orders, all deliberate:

- Rows are read by id: the routing loop writes a batch's accepted input event
  (``interaction.ended``, ``interaction.transferred``...) and then the decisions it caused,
  all at one time, so the ids follow causes.
- A row id seen twice is read once; a second ``interaction.arrived`` is ignored; an
  ``interaction.assigned`` to the agent already holding the interaction is ignored (recovery
  gives interactions back); an assignment while another agent holds it closes that segment
  as ``requeued``.
- ``interaction.ended`` while paused closes the hold at the end; there is no wrap-up then.
- A wrap-up counts only once its ``agent.wrap_up_ended`` row (carrying the interaction) is
  read: a wrap-up still running, or one ended before that row carried the interaction, adds 0.
- ``interaction.ended`` while an accepted callback waits (the caller hung up, the callback keeps
  its place, R-Q-6) does not end the interaction.
- An open segment (the agent still holds it) has ``end_ts`` None and counts 0 talk and hold;
  it counts once it ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from guichet.analytics.facts import AgentStateFact, InteractionFact, LogRow, SegmentFact
from guichet.domain.events import EventType

#: Rows that put an interaction in front of agents (the engine logs ``queued`` only when it
#: has to wait: an interaction offered or auto-assigned at once has no ``queued`` row).
_ENTERS_QUEUE = frozenset(
    {EventType.INTERACTION_QUEUED, EventType.INTERACTION_OFFERED, EventType.INTERACTION_ASSIGNED}
)


def _ordered(rows: Iterable[LogRow]) -> list[LogRow]:
    """Rows by id, each row once.

    Ids follow causes: the routing loop writes a batch's input event, then the decisions it
    caused, all at one time (R-AN-8), so reading by id replays what happened.
    """
    seen: set[int] = set()
    out: list[LogRow] = []
    for row in sorted(rows, key=lambda r: r.id):
        if row.id not in seen:
            seen.add(row.id)
            out.append(row)
    return out


def _agent_of(row: LogRow) -> int | None:
    if row.agent_id is not None:
        return row.agent_id
    value: Any = row.data.get("agent_id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


@dataclass
class _Segment:
    agent_id: int
    queue_id: int | None
    start_ts: float
    end_ts: float | None = None
    hold_s: float = 0.0
    hold_since: float | None = None
    wrap_s: float = 0.0
    end_reason: str = "open"

    def close(self, ts: float, reason: str) -> None:
        if self.hold_since is not None:
            self.hold_s += max(0.0, ts - self.hold_since)
            self.hold_since = None
        self.end_ts = ts
        self.end_reason = reason


@dataclass
class _Fold:
    arrived: LogRow | None = None
    channel: str | None = None
    queue_id: int | None = None
    skill_id: int | None = None
    queued_ts: float | None = None
    answered_ts: float | None = None
    abandoned_ts: float | None = None
    ended_ts: float | None = None
    first_response_s: float | None = None
    offers: int = 0
    no_answers: int = 0
    transfers: int = 0
    overflowed: bool = False
    callback: bool = False
    callback_pending: bool = False
    unrouted: bool = False
    resolved: bool = False
    resolved_by: int | None = None
    segments: list[_Segment] = field(default_factory=list)
    wraps: dict[int, float] = field(default_factory=dict)
    last_event_id: int = 0

    @property
    def open(self) -> _Segment | None:
        seg = self.segments[-1] if self.segments else None
        return seg if seg is not None and seg.end_ts is None else None

    def step(self, row: LogRow) -> None:
        kind = row.type
        ts = row.at_ts
        self.last_event_id = max(self.last_event_id, row.id)
        if self.channel is None and row.channel:
            self.channel = row.channel
        if kind == EventType.INTERACTION_ARRIVED:
            if self.arrived is None or self.arrived.type != kind:
                self.arrived = row
                if row.channel:
                    self.channel = row.channel
                elif isinstance(row.data.get("channel"), str):
                    self.channel = row.data["channel"]
                self.queue_id = self.queue_id or row.queue_id or _int(row.data.get("queue_id"))
                self.skill_id = self.skill_id or row.skill_id
            return
        if kind in _ENTERS_QUEUE:
            # The queue (and skill) of the first entry: queued_ts, answered_ts and wait_s
            # are of that entry too, so a transfer does not move them to another queue.
            if self.queued_ts is None:
                self.queued_ts = ts
                if row.queue_id is not None:
                    self.queue_id = row.queue_id
                if row.skill_id is not None:
                    self.skill_id = row.skill_id
            elif self.queue_id is None and row.queue_id is not None:
                self.queue_id = row.queue_id
            if self.skill_id is None and row.skill_id is not None:
                self.skill_id = row.skill_id
            if kind == EventType.INTERACTION_OFFERED:
                self.offers += 1
            elif kind == EventType.INTERACTION_ASSIGNED:
                self._assigned(row)
            return
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, row)

    def _assigned(self, row: LogRow) -> None:
        agent = _agent_of(row)
        if agent is None:
            return
        seg = self.open
        if seg is not None:
            if seg.agent_id == agent:
                return
            seg.close(row.at_ts, "requeued")
        if self.answered_ts is None:
            self.answered_ts = row.at_ts
        self.callback_pending = False
        self.segments.append(_Segment(agent, row.queue_id or self.queue_id, row.at_ts))

    def _requeued(self, row: LogRow) -> None:
        if row.data.get("reason") == "expired":
            self.no_answers += 1
        seg = self.open
        if seg is not None:
            seg.close(row.at_ts, "requeued")

    def _transferred(self, row: LogRow) -> None:
        seg = self.open
        if seg is None:
            return
        self.transfers += 1
        seg.close(row.at_ts, "transferred")

    def _paused(self, row: LogRow) -> None:
        seg = self.open
        if seg is not None and seg.hold_since is None:
            seg.hold_since = row.at_ts

    def _resumed(self, row: LogRow) -> None:
        seg = self.open
        if seg is not None and seg.hold_since is not None:
            seg.hold_s += max(0.0, row.at_ts - seg.hold_since)
            seg.hold_since = None

    def _ended(self, row: LogRow) -> None:
        seg = self.open
        if seg is None and self.callback_pending and self.abandoned_ts is None:
            return  # the caller's leg of an accepted callback (R-Q-6)
        if self.ended_ts is not None and seg is None:
            return  # a duplicate end
        self.ended_ts = row.at_ts
        if seg is not None:
            seg.close(row.at_ts, "ended")
            self.resolved = True
            self.resolved_by = seg.agent_id

    def _abandoned(self, row: LogRow) -> None:
        if self.answered_ts is None and self.abandoned_ts is None:
            self.abandoned_ts = row.at_ts
        self.callback_pending = False

    def _wrap_started(self, row: LogRow) -> None:
        agent = _agent_of(row)
        if agent is not None and agent not in self.wraps:
            self.wraps[agent] = row.at_ts

    def _wrap_ended(self, row: LogRow) -> None:
        agent = _agent_of(row)
        if agent is None or agent not in self.wraps:
            return
        wrap = max(0.0, row.at_ts - self.wraps.pop(agent))
        for seg in reversed(self.segments):
            if seg.agent_id == agent:
                seg.wrap_s += wrap
                return

    def _message(self, row: LogRow) -> None:
        if self.first_response_s is not None or self.arrived is None:
            return
        if row.data.get("sender") == "agent" and row.at_ts >= self.arrived.at_ts:
            self.first_response_s = row.at_ts - self.arrived.at_ts

    def _overflowed(self, row: LogRow) -> None:
        self.overflowed = True

    def _callback_accepted(self, row: LogRow) -> None:
        self.callback = True
        if self.answered_ts is None or self.open is None:
            self.callback_pending = True

    def _unrouted(self, row: LogRow) -> None:
        self.unrouted = True
        if self.arrived is None:
            # Intake no rule, queue or flow could take is logged only as unrouted (R-TR-1).
            self.arrived = row

    def facts(self) -> tuple[InteractionFact, list[SegmentFact]]:
        arrived = self.arrived
        assert arrived is not None
        iid = arrived.interaction_id
        assert iid is not None
        channel = self.channel or ""
        segs = [
            SegmentFact(
                interaction_id=iid,
                seq=i,
                org_id=arrived.org_id,
                agent_id=s.agent_id,
                queue_id=s.queue_id,
                channel=channel,
                start_ts=s.start_ts,
                end_ts=s.end_ts,
                talk_s=0.0 if s.end_ts is None else max(0.0, s.end_ts - s.start_ts - s.hold_s),
                hold_s=0.0 if s.end_ts is None else s.hold_s,
                wrap_s=s.wrap_s,
                end_reason=s.end_reason,
            )
            for i, s in enumerate(self.segments)
        ]
        wait: float | None = None
        if self.queued_ts is not None:
            if self.answered_ts is not None:
                wait = max(0.0, self.answered_ts - self.queued_ts)
            elif self.abandoned_ts is not None:
                wait = max(0.0, self.abandoned_ts - self.queued_ts)
        if self.answered_ts is not None:
            outcome = "handled"
        elif self.abandoned_ts is not None:
            outcome = "abandoned"
        elif self.unrouted and self.queued_ts is None:
            outcome = "unrouted"
        elif self.ended_ts is not None:
            outcome = "missed"
        else:
            outcome = "waiting"
        fact = InteractionFact(
            interaction_id=iid,
            org_id=arrived.org_id,
            channel=channel,
            queue_id=self.queue_id,
            skill_id=self.skill_id,
            agent_id=self.segments[-1].agent_id if self.segments else None,
            first_agent_id=self.segments[0].agent_id if self.segments else None,
            arrived_ts=arrived.at_ts,
            queued_ts=self.queued_ts,
            answered_ts=self.answered_ts,
            abandoned_ts=self.abandoned_ts,
            ended_ts=self.ended_ts,
            wait_s=wait,
            talk_s=sum(s.talk_s for s in segs),
            hold_s=sum(s.hold_s for s in segs),
            wrap_s=sum(s.wrap_s for s in segs),
            first_response_s=self.first_response_s,
            offers=self.offers,
            no_answers=self.no_answers,
            transfers=self.transfers,
            overflowed=self.overflowed,
            callback=self.callback,
            outcome=outcome,
            resolved=self.resolved,
            last_event_id=self.last_event_id,
        )
        return fact, segs


_HANDLERS: dict[str, Any] = {
    EventType.INTERACTION_REQUEUED: _Fold._requeued,
    EventType.INTERACTION_TRANSFERRED: _Fold._transferred,
    EventType.CONVERSATION_PAUSED: _Fold._paused,
    EventType.CONVERSATION_RESUMED: _Fold._resumed,
    EventType.INTERACTION_ENDED: _Fold._ended,
    EventType.INTERACTION_ABANDONED: _Fold._abandoned,
    EventType.AGENT_WRAP_UP_STARTED: _Fold._wrap_started,
    EventType.AGENT_WRAP_UP_ENDED: _Fold._wrap_ended,
    EventType.MESSAGE_POSTED: _Fold._message,
    EventType.INTERACTION_OVERFLOWED: _Fold._overflowed,
    EventType.CALLBACK_ACCEPTED: _Fold._callback_accepted,
    EventType.INTERACTION_UNROUTED: _Fold._unrouted,
}


def fold_interaction(
    rows: Sequence[LogRow],
) -> tuple[InteractionFact, list[SegmentFact]] | None:
    """The fact and segments of ONE interaction from all its rows (any order); None when
    there is no arrival (``interaction.arrived``, or ``interaction.unrouted`` for intake that
    nothing could route, which is logged without an arrival)."""
    fold = _Fold()
    for row in _ordered(rows):
        if row.type != EventType.AGENT_STATE_CHANGED:
            fold.step(row)
    if fold.arrived is None or fold.arrived.interaction_id is None:
        return None
    return fold.facts()


def fold_agent_states(rows: Iterable[LogRow]) -> list[AgentStateFact]:
    """One fact per ``agent.state_changed`` row (other rows ignored), ended by the same
    agent's next change (``end_ts`` None for the current state); sorted by agent, time."""
    by_agent: dict[int, list[LogRow]] = defaultdict(list)
    for row in _ordered(rows):
        if row.type == EventType.AGENT_STATE_CHANGED and row.agent_id is not None:
            by_agent[row.agent_id].append(row)
    out: list[AgentStateFact] = []
    for agent in sorted(by_agent):
        changes = by_agent[agent]
        for i, row in enumerate(changes):
            nxt = changes[i + 1].at_ts if i + 1 < len(changes) else None
            reason = row.data.get("reason")
            out.append(
                AgentStateFact(
                    event_id=row.id,
                    org_id=row.org_id,
                    agent_id=agent,
                    state=str(row.data.get("to") or "offline"),
                    reason=None if reason is None else str(reason),
                    start_ts=row.at_ts,
                    end_ts=nxt,
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class LogFacts:
    """Every fact of a log."""

    interactions: list[InteractionFact]
    segments: list[SegmentFact]
    states: list[AgentStateFact]


def fold_log(rows: Iterable[LogRow]) -> LogFacts:
    """All facts of a log: rows grouped by interaction and by agent (interactions without an
    arrival in the log are left out)."""
    by_ix: dict[int, list[LogRow]] = defaultdict(list)
    states: list[LogRow] = []
    for row in rows:
        if row.type == EventType.AGENT_STATE_CHANGED:
            states.append(row)
        elif row.interaction_id is not None:
            by_ix[row.interaction_id].append(row)
    facts: list[InteractionFact] = []
    segments: list[SegmentFact] = []
    for iid in sorted(by_ix):
        folded = fold_interaction(by_ix[iid])
        if folded is not None:
            facts.append(folded[0])
            segments.extend(folded[1])
    return LogFacts(facts, segments, fold_agent_states(states))
