"""Hand-made and generated event logs for the analytics tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from guichet.analytics.facts import LogRow


@dataclass
class Log:
    """Builds rows with increasing ids."""

    org_id: int = 1
    rows: list[LogRow] = field(default_factory=list)

    def add(self, at: float, type: str, iid: int | None = None, **kw: Any) -> LogRow:
        row = LogRow(
            id=len(self.rows) + 1,
            at_ts=float(at),
            type=type,
            interaction_id=iid,
            org_id=self.org_id,
            **kw,
        )
        self.rows.append(row)
        return row

    def state(self, at: float, agent: int, to: str, reason: str | None = None) -> LogRow:
        return self.add(
            at, "agent.state_changed", agent_id=agent, data={"to": to, "reason": reason}
        )


@dataclass
class Expected:
    """What a generated interaction must fold to (computed while generating)."""

    offered: bool = False
    answered: bool = False
    outcome: str = "waiting"
    wait: float | None = None
    talk: float = 0.0
    hold: float = 0.0
    wrap: float = 0.0
    segments: int = 0
    transfers: int = 0
    no_answers: int = 0
    resolved: bool = False


@st.composite
def interaction_log(draw: st.DrawFn, log: Log, iid: int, t0: float) -> Expected:
    """Rows of one interaction in the order the routing loop writes them (a batch's event,
    then its decisions, all at the same time), and the expected fold."""
    exp = Expected()
    t = t0
    agents = [7, 8, 9]
    channel = draw(st.sampled_from(["chat", "voice"]))
    ch: dict[str, Any] = {"channel": channel}

    def later() -> float:
        nonlocal t
        t += float(draw(st.integers(0, 60)))
        return t

    queued = t
    exp.offered = True
    state = "waiting"
    agent = 0
    seg_start = 0.0
    hold_since: float | None = None
    seg_hold = 0.0
    first = draw(st.sampled_from(["wait", "offer", "auto"]))
    # The loop logs a batch's input event, then the decisions it caused (one time).
    log.add(t, "interaction.arrived", iid, queue_id=1, **ch)
    if first == "wait":
        log.add(t, "interaction.queued", iid, queue_id=1, **ch)
    else:
        # Offered or auto-assigned at once: the engine logs no ``queued`` row then.
        agent = draw(st.sampled_from(agents))
        kind = "interaction.offered" if first == "offer" else "interaction.assigned"
        log.add(t, kind, iid, agent_id=agent, queue_id=1, **ch)
        if first == "offer":
            state = "offered"
        else:
            state, seg_start = "assigned", t
            exp.segments += 1
            exp.answered, exp.wait = True, 0.0
    for _ in range(draw(st.integers(0, 8))):
        if state == "waiting":
            move = draw(st.sampled_from(["offer", "auto", "abandon", "miss"]))
            now = later()
            if move == "offer":
                agent = draw(st.sampled_from(agents))
                log.add(now, "interaction.offered", iid, agent_id=agent, queue_id=1, **ch)
                state = "offered"
            elif move == "auto":
                agent = draw(st.sampled_from(agents))
                log.add(now, "interaction.assigned", iid, agent_id=agent, queue_id=1, **ch)
                state, seg_start, seg_hold = "assigned", now, 0.0
                exp.segments += 1
                if not exp.answered:
                    exp.answered, exp.wait = True, now - queued
            elif move == "abandon":
                log.add(now, "interaction.ended", iid)
                log.add(now, "interaction.abandoned", iid, queue_id=1)
                if not exp.answered:
                    exp.outcome, exp.wait = "abandoned", now - queued
                return _finish(exp)
            else:
                log.add(now, "interaction.ended", iid)
                if not exp.answered:
                    exp.outcome = "missed"
                return _finish(exp)
        elif state == "offered":
            move = draw(st.sampled_from(["accept", "expire"]))
            now = later()
            if move == "accept":
                log.add(now, "offer.accepted", iid, agent_id=agent)
                log.add(now, "interaction.assigned", iid, agent_id=agent, queue_id=1, **ch)
                state, seg_start, seg_hold = "assigned", now, 0.0
                exp.segments += 1
                if not exp.answered:
                    exp.answered, exp.wait = True, now - queued
            else:
                log.add(
                    now, "interaction.requeued", iid, agent_id=agent, data={"reason": "expired"}
                )
                exp.no_answers += 1
                state = "waiting"
        elif state in ("assigned", "paused"):
            moves = (
                ["end", "requeue", "transfer", "pause"]
                if state == "assigned"
                else ["end", "resume"]
            )
            move = draw(st.sampled_from(moves))
            now = later()
            if move == "pause" and channel == "chat":
                log.add(now, "conversation.paused", iid)
                state, hold_since = "paused", now
                continue
            if move == "pause":
                continue
            if hold_since is not None:
                seg_hold += now - hold_since
                hold_since = None
            exp.hold += seg_hold
            exp.talk += now - seg_start - seg_hold
            if move == "end":
                wraps = state == "assigned" and draw(st.booleans())
                log.add(now, "interaction.ended", iid)
                if wraps:
                    log.add(now, "agent.wrap_up_started", iid, agent_id=agent)
                exp.resolved = True
                exp.outcome = "handled"
                if wraps and draw(st.booleans()):
                    end = now + float(draw(st.integers(0, 90)))
                    log.add(end, "agent.wrap_up_ended", iid, agent_id=agent)
                    exp.wrap += end - now
                return _finish(exp)
            if move == "resume":
                log.add(now, "conversation.resumed", iid)
                log.add(
                    now, "interaction.requeued", iid, agent_id=agent, data={"reason": "resumed"}
                )
                state = "waiting"
            elif move == "requeue":
                log.add(
                    now, "interaction.requeued", iid, agent_id=agent, data={"reason": "agent_left"}
                )
                state = "waiting"
            else:
                target = draw(st.sampled_from([a for a in agents if a != agent]))
                log.add(now, "interaction.transferred", iid, data={"to_agent_id": str(target)})
                log.add(
                    now, "interaction.queued", iid, queue_id=1, data={"personal_agent_id": target}
                )
                direct = draw(st.booleans())
                if direct:
                    log.add(now, "interaction.assigned", iid, agent_id=target, queue_id=1, **ch)
                exp.transfers += 1
                agent = target
                if direct:
                    state, seg_start, seg_hold = "assigned", now, 0.0
                    exp.segments += 1
                else:
                    state = "waiting"
    if state in ("assigned", "paused"):
        pass  # still held: the open segment counts nothing yet
    exp.outcome = "handled" if exp.answered else "waiting"
    return exp


def _finish(exp: Expected) -> Expected:
    if exp.answered:
        exp.outcome = "handled"
    return exp
