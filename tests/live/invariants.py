"""Invariants of the live tables and the event log (issue 12: nothing stuck, nothing lost).

A checker over what the routing loop leaves in the database, run after every live test (the
`world` fixtures call `assert_invariants`) and usable after a kill -9 restart: it needs only a
database (an `AsyncEngine` or a session factory), an organization id (or None for every
organization) and the time `now` on the engine clock (POSIX seconds).

Each invariant is one function over a `LiveState` read once from the tables; each returns
readable `Violation`s, so a failing test says which rule broke, where, and how:

- `legal_states`: every interaction is in exactly one legal status and its columns, open
  offers and active assignments agree with it (assigned: its agent and one active assignment;
  waiting: a queue or a personal queue; ended: `ended_at` set; ...), docs/events.md;
- `single_assignment`: at most one active assignment per interaction, no two of its
  assignments overlapping in time, no more accepted offers than assignments (R-Q-4);
- `capacity`: no agent above capacity (R-W-1 counts per channel, no voice beside other work
  without mixing, the R-X-8 budget), counting open offers and active work as the engine does;
- `offers_unexpired`: every open offer is unexpired (R-Q-4: it goes to the next agent when
  its timeout passes; recovery reclaims what was open at a restart);
- `references`: nothing points to a deleted or deactivated object (queues, skills, flows,
  users; `agent_presence.queue_ids`; flow graphs naming queues; another organization's rows);
- `log_agrees`: the event log (R-AN-8) agrees with the tables: an interaction's last status
  event matches its status and queue, every offer and assignment row has its event, every
  closed offer the event that closed it;
- `declines_kept`: an agent who let an offer expire or rejected it is not offered the same
  interaction again before being paused or offline (R-Q-4), even across a restart.

Campaigns (R-Q-3) hold no live work in the schema (no interaction, offer or assignment names
a campaign), so they have no reference to check.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from guichet.api.deps import AppState
from guichet.domain.enums import Channel
from guichet.live import LiveRegistry
from guichet.live.routing_rules import flow_queue_ids
from guichet.persistence.models import (
    AgentPresence,
    Assignment,
    FlowRow,
    Interaction,
    InteractionEvent,
    Offer,
    Organization,
    Queue,
    Skill,
    User,
)
from guichet.routing.config import DEFAULT_CAPACITY, merged_costs, merged_paused_cost

#: Every status an interaction row may have (docs/events.md, "An interaction").
STATUSES = frozenset(
    {
        "new",
        "unrouted",
        "in_flow",
        "waiting",
        "offered",
        "assigned",
        "paused",
        "callback",
        "abandoned",
        "ended",
    }
)
#: Statuses routing still owns (guichet.live.recovery.LIVE).
LIVE = frozenset({"new", "in_flow", "waiting", "offered", "callback", "assigned", "paused"})
#: An agent works on it.
HELD = frozenset({"assigned", "paused"})
#: It waits in a queue list or a personal queue.
WAITING = frozenset({"waiting", "callback"})
#: It is over.
FINISHED = frozenset({"ended", "abandoned"})
#: Offer statuses (guichet.persistence.models.live.Offer).
OFFER_STATUSES = frozenset({"open", "accepted", "rejected", "expired", "withdrawn", "reclaimed"})
#: R-W-1 agent states in `agent_presence.state`, and what the agent asked for.
AGENT_STATES = frozenset({"offline", "available", "busy", "wrap_up", "paused"})
PRESENCES = frozenset({"offline", "available", "paused"})

#: Event-log types that set an interaction's status, with the statuses each may leave it in
#: when it is the last of them. Events that leave the status as it was (overflow, widening,
#: callback offered, key presses, messages, joins, evaluations, withdrawals of a ring-all
#: loser, dispositions) are not listed.
STATUS_EVENTS: Mapping[str, frozenset[str]] = {
    "interaction.arrived": frozenset({"in_flow"}),
    "interaction.unrouted": frozenset({"unrouted"}),
    "interaction.flow_moved": frozenset({"in_flow", "ended"}),
    "interaction.queued": frozenset({"waiting"}),
    "interaction.requeued": frozenset({"waiting"}),
    "offer.reclaimed": frozenset({"waiting"}),
    "interaction.transferred": frozenset({"waiting"}),
    "conversation.resumed": frozenset({"waiting"}),
    "offer.rejected": frozenset({"waiting", "offered"}),
    "offer.expired": frozenset({"waiting", "offered"}),
    "interaction.offered": frozenset({"offered"}),
    "offer.accepted": frozenset({"assigned"}),
    "interaction.assigned": frozenset({"assigned"}),
    "conversation.paused": frozenset({"paused"}),
    "callback.accepted": frozenset({"callback"}),
    "interaction.abandoned": frozenset({"abandoned"}),
    "interaction.ended": frozenset({"ended"}),
}

#: Seconds an open offer may outlive its expiry before it counts as stuck (the loop's wake-up
#: and one command's latency).
GRACE_S = 1.0


@dataclass(frozen=True)
class Violation:
    """One broken invariant: which, in which organization, about what, and how."""

    invariant: str
    org_id: int | None
    subject: str
    message: str

    def __str__(self) -> str:
        return f"[{self.invariant}] org {self.org_id} {self.subject}: {self.message}"


@dataclass
class LiveState:
    """The rows the invariants read, loaded once (or built by hand in the checker's tests)."""

    interactions: list[Interaction] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    presence: list[AgentPresence] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)
    skills: list[Skill] = field(default_factory=list)
    flows: list[FlowRow] = field(default_factory=list)
    events: list[InteractionEvent] = field(default_factory=list)
    #: Their settings: call-and-chat mixing (R-W-1), budget costs (R-X-8); none: the defaults.
    organizations: list[Organization] = field(default_factory=list)
    #: The organization checked (None: all). Users, queues, skills and flows are read for
    #: every organization, so a reference to another organization's row is told apart from
    #: one to a deleted row.
    org_id: int | None = None


Source = AsyncEngine | async_sessionmaker[AsyncSession]


def _sessions(source: Source) -> async_sessionmaker[AsyncSession]:
    if isinstance(source, AsyncEngine):
        return async_sessionmaker(bind=source, expire_on_commit=False)
    return source


async def load_state(source: Source, *, org_id: int | None = None) -> LiveState:
    """Read the live tables and the event log of one organization (None: all of them)."""

    def scoped(model: Any) -> Any:
        stmt = select(model)
        if org_id is not None:
            stmt = stmt.where(model.org_id == org_id)
        return stmt

    def every(model: Any) -> Any:
        return select(model)

    async with _sessions(source)() as s:
        state = LiveState(
            interactions=list(await s.scalars(scoped(Interaction).order_by(Interaction.id))),
            offers=list(await s.scalars(scoped(Offer).order_by(Offer.id))),
            assignments=list(await s.scalars(scoped(Assignment).order_by(Assignment.id))),
            presence=list(await s.scalars(scoped(AgentPresence).order_by(AgentPresence.user_id))),
            users=list(await s.scalars(every(User).order_by(User.id))),
            queues=list(await s.scalars(every(Queue).order_by(Queue.id))),
            skills=list(await s.scalars(every(Skill).order_by(Skill.id))),
            flows=list(await s.scalars(every(FlowRow).order_by(FlowRow.id))),
            events=list(await s.scalars(scoped(InteractionEvent).order_by(InteractionEvent.id))),
            organizations=list(await s.scalars(every(Organization).order_by(Organization.id))),
            org_id=org_id,
        )
    # Closing the session (not rolling back) keeps the loaded attributes on the rows.
    return state


# -- helpers ------------------------------------------------------------------------------------


def _ix(row: Interaction) -> str:
    return f"interaction {row.id} ({row.status})"


def _open_offers(state: LiveState) -> dict[int, list[Offer]]:
    out: dict[int, list[Offer]] = defaultdict(list)
    for o in state.offers:
        if o.status == "open":
            out[o.interaction_id].append(o)
    return out


def _active(state: LiveState) -> dict[int, list[Assignment]]:
    out: dict[int, list[Assignment]] = defaultdict(list)
    for a in state.assignments:
        if a.active:
            out[a.interaction_id].append(a)
    return out


def _by_interaction(rows: Iterable[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        out[r.interaction_id].append(r)
    return out


def _agent_ids(data: Mapping[str, Any]) -> set[str]:
    ids = data.get("agent_ids")
    return {str(i) for i in ids} if isinstance(ids, list) else set()


# -- the invariants -----------------------------------------------------------------------------


def legal_states(state: LiveState, now: float | None = None) -> list[Violation]:
    """Every interaction is in exactly one legal status, and its columns, open offers and
    active assignments agree with that status (docs/events.md)."""
    out: list[Violation] = []
    offers = _open_offers(state)
    active = _active(state)
    every_offer = _by_interaction(state.offers)
    every_assignment = _by_interaction(state.assignments)

    def bad(row: Interaction, message: str) -> None:
        out.append(Violation("legal_states", row.org_id, _ix(row), message))

    for row in state.interactions:
        st = row.status
        open_ = offers.get(row.id, [])
        held = active.get(row.id, [])
        if st not in STATUSES:
            bad(row, f"status {st!r} is not one of {sorted(STATUSES)}")
            continue
        if st in LIVE and row.ended_at is not None:
            bad(row, f"still {st} but ended_at is set ({row.ended_at.isoformat()})")
        if st in FINISHED and row.ended_at is None:
            bad(row, "over but ended_at is not set")
        if st != "offered" and open_:
            bad(
                row,
                f"not offered yet has open offers to agents {sorted(o.agent_id for o in open_)}",
            )
        if st not in HELD and held:
            bad(
                row,
                f"not assigned yet has active assignments to {sorted(a.agent_id for a in held)}",
            )
        if st not in HELD and st not in FINISHED and row.agent_id is not None:
            bad(row, f"agent_id is {row.agent_id} though no agent handles it")
        if st in HELD:
            if row.agent_id is None:
                bad(row, "no agent_id though an agent handles it")
            if len(held) != 1:
                bad(row, f"{len(held)} active assignments, not exactly one")
            elif row.agent_id is not None and held[0].agent_id != row.agent_id:
                bad(
                    row,
                    f"agent_id {row.agent_id} but the active assignment is agent "
                    f"{held[0].agent_id}'s",
                )
        if st == "offered" and not open_:
            bad(row, "offered but no offer is open")
        if st in WAITING or st == "offered":
            if row.queue_id is None and row.personal_agent_id is None:
                bad(row, "in no queue: queue_id and personal_agent_id are both null")
            if row.queued_at is None:
                bad(row, "queued_at is null")
        if st == "in_flow" and row.flow_id is None:
            bad(row, "in a flow but flow_id is null")
        if st in ("new", "unrouted"):
            if every_offer.get(row.id):
                bad(row, "never routed yet has offers")
            if every_assignment.get(row.id):
                bad(row, "never routed yet has assignments")
    for p in state.presence:
        who = f"agent {p.user_id}"
        if p.state not in AGENT_STATES:
            out.append(Violation("legal_states", p.org_id, who, f"state {p.state!r} is unknown"))
        if p.presence not in PRESENCES:
            out.append(
                Violation("legal_states", p.org_id, who, f"presence {p.presence!r} is unknown")
            )
        if (p.state == "wrap_up") != (p.wrap_up_until is not None):
            out.append(
                Violation(
                    "legal_states",
                    p.org_id,
                    who,
                    f"state {p.state} but wrap_up_until is {p.wrap_up_until}",
                )
            )
    return out


def single_assignment(state: LiveState, now: float | None = None) -> list[Violation]:
    """At most one active assignment per interaction, assignments of one interaction never
    overlapping, and no more accepted offers than assignments (R-Q-4)."""
    out: list[Violation] = []
    orgs = {r.id: r.org_id for r in state.interactions}
    accepted: dict[int, int] = defaultdict(int)
    for o in state.offers:
        if o.status == "accepted":
            accepted[o.interaction_id] += 1
    for iid, rows in sorted(_by_interaction(state.assignments).items()):
        subject = f"interaction {iid}"
        org = orgs.get(iid, rows[0].org_id)
        live = [a for a in rows if a.active]
        if len(live) > 1:
            agents = sorted(a.agent_id for a in live)
            out.append(
                Violation(
                    "single_assignment",
                    org,
                    subject,
                    f"{len(live)} active assignments (agents {agents})",
                )
            )
        for a in rows:
            if a.active and a.ended_at is not None:
                out.append(
                    Violation(
                        "single_assignment",
                        org,
                        subject,
                        f"assignment {a.id} is active but has ended_at",
                    )
                )
            if not a.active and a.ended_at is None:
                out.append(
                    Violation(
                        "single_assignment",
                        org,
                        subject,
                        f"assignment {a.id} is over but has no ended_at",
                    )
                )
        spans = sorted(rows, key=lambda a: (a.started_at, a.id))
        for first, second in itertools.pairwise(spans):
            if first.ended_at is None or first.ended_at > second.started_at:
                out.append(
                    Violation(
                        "single_assignment",
                        org,
                        subject,
                        f"assignments {first.id} (agent {first.agent_id}) and {second.id} "
                        f"(agent {second.agent_id}) overlap",
                    )
                )
    counts = {iid: len(rows) for iid, rows in _by_interaction(state.assignments).items()}
    for iid, n in sorted(accepted.items()):
        if n > counts.get(iid, 0):
            out.append(
                Violation(
                    "single_assignment",
                    orgs.get(iid),
                    f"interaction {iid}",
                    f"{n} accepted offers but {counts.get(iid, 0)} assignments",
                )
            )
    return out


def capacity(state: LiveState, now: float | None = None) -> list[Violation]:
    """No agent above capacity: open offers and active, unpaused work per channel within the
    user's capacity (R-W-1), a call never beside other work unless the organization allows
    mixing, and the weighted budget at the organization's costs, paused conversations at their
    reduced cost (R-X-8, R-W-6). The engine holds a slot for an offer from the moment it is
    made (guichet.routing.capacity)."""
    out: list[Violation] = []
    channel_of = {r.id: r.channel for r in state.interactions}
    status_of = {r.id: r.status for r in state.interactions}
    load: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    paused: dict[int, int] = defaultdict(int)
    for o in state.offers:
        if o.status == "open":
            load[o.agent_id][channel_of.get(o.interaction_id, "?")] += 1
    for a in state.assignments:
        if not a.active:
            continue
        if status_of.get(a.interaction_id) == "paused":
            paused[a.agent_id] += 1
        else:
            load[a.agent_id][channel_of.get(a.interaction_id, "?")] += 1
    users = {u.id: u for u in state.users}
    orgs = {o.id: o for o in state.organizations}
    for uid in sorted(set(load) | set(paused)):
        user = users.get(uid)
        org = None if user is None else user.org_id
        subject = f"agent {uid}"
        if user is None:
            continue  # `references` reports it
        caps = {c.value: n for c, n in DEFAULT_CAPACITY.items()}
        caps.update({str(k): int(v) for k, v in (user.capacity or {}).items()})
        per = load.get(uid, {})
        for ch, n in sorted(per.items()):
            if n > caps.get(ch, 0):
                out.append(
                    Violation(
                        "capacity",
                        org,
                        subject,
                        f"{n} {ch} offers/interactions, capacity {caps.get(ch, 0)} (R-W-1)",
                    )
                )
        settings = orgs.get(user.org_id)
        mixing = settings is not None and settings.allow_mixing
        if (
            not mixing
            and per.get(Channel.VOICE.value, 0)
            and any(n for ch, n in per.items() if ch != Channel.VOICE.value)
        ):
            out.append(
                Violation(
                    "capacity",
                    org,
                    subject,
                    f"a call beside other work without mixing: {dict(per)} (R-W-1)",
                )
            )
        stored = None if settings is None else settings.channel_costs
        costs = {c.value: n for c, n in merged_costs(stored).items()}
        paused_cost = merged_paused_cost(None if settings is None else settings.paused_cost)
        used = sum(costs.get(ch, 0) * n for ch, n in per.items())
        used += paused_cost * paused.get(uid, 0)
        if user.budget is not None and used > user.budget:
            out.append(
                Violation(
                    "capacity",
                    org,
                    subject,
                    f"uses {used} budget units of {user.budget}: {dict(per)} and "
                    f"{paused.get(uid, 0)} paused (R-X-8)",
                )
            )
    return out


def offers_unexpired(
    state: LiveState, now: float | None = None, *, grace_s: float = GRACE_S
) -> list[Violation]:
    """Every open offer is unexpired: past its expiry (plus `grace_s`) the loop must have
    moved it on (R-Q-4) or recovery reclaimed it. Without `now` nothing is checked."""
    if now is None:
        return []
    out: list[Violation] = []
    for o in state.offers:
        if o.status not in OFFER_STATUSES:
            out.append(
                Violation(
                    "offers_unexpired",
                    o.org_id,
                    f"offer {o.id}",
                    f"status {o.status!r} is not one of {sorted(OFFER_STATUSES)}",
                )
            )
        if o.status == "open" and o.expires_at < now - grace_s:
            out.append(
                Violation(
                    "offers_unexpired",
                    o.org_id,
                    f"offer {o.id} of interaction {o.interaction_id} to agent {o.agent_id}",
                    f"still open {now - o.expires_at:.1f} s after it expired (R-Q-4)",
                )
            )
        if o.status != "open" and o.closed_at is None:
            out.append(
                Violation(
                    "offers_unexpired",
                    o.org_id,
                    f"offer {o.id}",
                    f"{o.status} but closed_at is null",
                )
            )
    return out


def references(state: LiveState, now: float | None = None) -> list[Violation]:
    """Nothing points to a deleted object, a deactivated user, or another organization's row.

    Foreign keys guard some columns, but with ``ON DELETE SET NULL`` a delete empties them
    (what `legal_states` then sees); this checks the columns no key guards (`agent_presence`
    queue logins, requested queue, skill and flow, flow graphs), the organization of every
    reference, and that live work names only active users."""
    out: list[Violation] = []
    queues = {q.id: q.org_id for q in state.queues}
    skills = {s.id: s.org_id for s in state.skills}
    flows = {f.id: f.org_id for f in state.flows}
    users = {u.id: u for u in state.users}
    interactions = {r.id: r.org_id for r in state.interactions}

    def ref(
        kind: str, table: Mapping[int, int], value: int | None, org: int, subject: str, what: str
    ) -> None:
        if value is None:
            return
        owner = table.get(value)
        if owner is None:
            out.append(
                Violation(
                    "references",
                    org,
                    subject,
                    f"{what} names {kind} {value}, which does not exist (deleted)",
                )
            )
        elif owner != org:
            out.append(
                Violation(
                    "references",
                    org,
                    subject,
                    f"{what} names {kind} {value} of organization {owner}",
                )
            )

    user_orgs = {uid: u.org_id for uid, u in users.items()}

    def active_user(value: int | None, org: int, subject: str, what: str) -> None:
        if value is None:
            return
        ref("user", user_orgs, value, org, subject, what)
        u = users.get(value)
        if u is not None and not u.is_active:
            out.append(
                Violation(
                    "references", org, subject, f"{what} names user {value}, who is deactivated"
                )
            )

    for row in state.interactions:
        subject, org = _ix(row), row.org_id
        ref("queue", queues, row.queue_id, org, subject, "queue_id")
        ref("skill", skills, row.skill_id, org, subject, "skill_id")
        if row.status in LIVE:
            active_user(row.agent_id, org, subject, "agent_id")
            active_user(row.personal_agent_id, org, subject, "personal_agent_id")
        else:
            ref("user", user_orgs, row.agent_id, org, subject, "agent_id")
            ref("user", user_orgs, row.personal_agent_id, org, subject, "personal_agent_id")
        if row.status == "new":
            # Recovery routes it from what was asked (guichet.live.recovery.arrival_event).
            ref("queue", queues, row.requested_queue_id, org, subject, "requested_queue_id")
            ref("skill", skills, row.requested_skill_id, org, subject, "requested_skill_id")
        if row.status in ("new", "in_flow"):
            ref("flow", flows, row.flow_id, org, subject, "flow_id")
    for o in state.offers:
        subject = f"offer {o.id} of interaction {o.interaction_id}"
        ref("interaction", interactions, o.interaction_id, o.org_id, subject, "interaction_id")
        if o.status == "open":
            active_user(o.agent_id, o.org_id, subject, "agent_id")
        else:
            ref("user", user_orgs, o.agent_id, o.org_id, subject, "agent_id")
    for a in state.assignments:
        subject = f"assignment {a.id} of interaction {a.interaction_id}"
        ref("interaction", interactions, a.interaction_id, a.org_id, subject, "interaction_id")
        if a.active:
            active_user(a.agent_id, a.org_id, subject, "agent_id")
        else:
            ref("user", user_orgs, a.agent_id, a.org_id, subject, "agent_id")
    for p in state.presence:
        subject = f"agent {p.user_id}"
        ref("user", user_orgs, p.user_id, p.org_id, subject, "agent_presence")
        for q in p.queue_ids or []:
            qid = int(q) if isinstance(q, int | str) and str(q).isdigit() else None
            if qid is None:
                out.append(
                    Violation(
                        "references", p.org_id, subject, f"queue_ids holds {q!r}, not a queue id"
                    )
                )
                continue
            ref("queue", queues, qid, p.org_id, subject, "queue login (queue_ids)")
        ref(
            "interaction",
            interactions,
            p.wrap_interaction_id,
            p.org_id,
            subject,
            "wrap_interaction_id",
        )
        u = users.get(p.user_id)
        if u is not None and not u.is_active and p.state != "offline":
            out.append(
                Violation("references", p.org_id, subject, f"deactivated user still {p.state}")
            )
    for q in state.queues:
        if state.org_id in (None, q.org_id):
            ref("skill", skills, q.skill_id, q.org_id, f"queue {q.id}", "skill_id")
    for f in state.flows:
        if state.org_id not in (None, f.org_id):
            continue
        for node_queue in sorted(flow_queue_ids(f.graph or {})):
            if node_queue.isdigit():
                ref("queue", queues, int(node_queue), f.org_id, f"flow {f.id}", "a queue node")
    return out


def log_agrees(state: LiveState, now: float | None = None) -> list[Violation]:
    """The event log agrees with the tables (R-AN-8, docs/events.md).

    An interaction's last status-setting event allows its status (`STATUS_EVENTS`), and an
    interaction still in a queue is in the queue and skill of its last `interaction.queued`
    or queue-naming `interaction.offered` (offered straight from a queue it was moved to);
    an interaction still `new` has no status event. Every offer row has the
    `interaction.offered` event that made it (agent and expiry), every assignment row its
    `interaction.assigned`, and every closed offer the event that closed it."""
    out: list[Violation] = []
    events = _by_interaction(e for e in state.events if e.interaction_id is not None)

    def bad(org: int | None, subject: str, message: str) -> None:
        out.append(Violation("log_agrees", org, subject, message))

    for row in state.interactions:
        mine = events.get(row.id, [])
        status_events = [e for e in mine if e.type in STATUS_EVENTS]
        if row.status == "new":
            if status_events:
                bad(
                    row.org_id,
                    _ix(row),
                    f"still new after {status_events[-1].type} (event {status_events[-1].id})",
                )
            continue
        if not status_events:
            if row.status != "unrouted" and row.status in STATUSES:
                bad(row.org_id, _ix(row), "no event in the log says how it got there")
            continue
        last = status_events[-1]
        if row.status not in STATUS_EVENTS[last.type]:
            bad(
                row.org_id,
                _ix(row),
                f"the last status event is {last.type} (event {last.id}), "
                f"which leaves it {'/'.join(sorted(STATUS_EVENTS[last.type]))}",
            )
        # Where it was last placed: queued, or offered straight from a queue (a transfer to
        # a queue with a free agent logs no `interaction.queued` for the new queue).
        placed = [
            e
            for e in mine
            if e.type == "interaction.queued"
            or (e.type == "interaction.offered" and e.queue_id is not None)
        ]
        if row.status in LIVE and row.status != "in_flow" and placed:
            q = placed[-1]
            if q.queue_id != row.queue_id:
                bad(
                    row.org_id,
                    _ix(row),
                    f"queue_id is {row.queue_id} but it was last placed in "
                    f"queue {q.queue_id} (event {q.id}, {q.type})",
                )
            if q.skill_id != row.skill_id:
                bad(
                    row.org_id,
                    _ix(row),
                    f"skill_id is {row.skill_id} but it was last placed "
                    f"for skill {q.skill_id} (event {q.id}, {q.type})",
                )
    for o in state.offers:
        subject = f"offer {o.id} of interaction {o.interaction_id} to agent {o.agent_id}"
        mine = events.get(o.interaction_id, [])
        made = [
            e
            for e in mine
            if e.type == "interaction.offered" and str(o.agent_id) in _agent_ids(e.data or {})
        ]
        if not made:
            bad(o.org_id, subject, "no interaction.offered event names this agent")
        elif not any(
            isinstance(e.data.get("expires_at"), int | float)
            and abs(float(e.data["expires_at"]) - o.expires_at) < 1e-3
            for e in made
        ):
            bad(
                o.org_id,
                subject,
                f"expires at {o.expires_at} but no interaction.offered event says so",
            )
        if o.status != "open" and not _closed_by(o, mine):
            bad(o.org_id, subject, f"{o.status} but no event in the log closed it")
    for a in state.assignments:
        mine = events.get(a.interaction_id, [])
        if not any(e.type == "interaction.assigned" and e.agent_id == a.agent_id for e in mine):
            bad(
                a.org_id,
                f"assignment {a.id} of interaction {a.interaction_id}",
                f"no interaction.assigned event for agent {a.agent_id}",
            )
    return out


def declines_kept(state: LiveState, now: float | None = None) -> list[Violation]:
    """R-Q-4 (issue 12 finding 4): an agent who let an offer expire or rejected it is not
    offered that interaction again until they have been paused or offline since (an
    `agent.state_changed` to `paused` or `offline`), or the interaction was transferred
    (which starts its routing afresh). Read from the event log, in id order, so it holds
    across restarts too. An interaction in an agent's personal queue (R-W-5) may only go to
    that agent, so it is offered to them again (docs/routing.md): left out."""
    out: list[Violation] = []
    personal: set[int] = set()
    by_ix: dict[int, set[int]] = defaultdict(set)
    by_agent: dict[int, set[int]] = defaultdict(set)
    last_offered: dict[int, set[int]] = {}
    for e in state.events:
        data = e.data or {}
        if e.type == "agent.state_changed":
            if e.agent_id is not None and data.get("to") in ("paused", "offline"):
                for waiting in by_agent.pop(e.agent_id, set()):
                    by_ix[waiting].discard(e.agent_id)
            continue
        if e.interaction_id is None:
            continue
        iid = e.interaction_id
        declined: set[int] = set()
        if e.type == "interaction.queued":
            if data.get("personal_agent_id") is None:
                personal.discard(iid)
            else:
                personal.add(iid)
        if e.type == "interaction.offered":
            agents = {int(a) for a in _agent_ids(data) if a.isdigit()}
            for a in sorted(agents & by_ix[iid] if iid not in personal else ()):
                out.append(
                    Violation(
                        "declines_kept",
                        e.org_id,
                        f"interaction {iid}",
                        f"offered again to agent {a} (event {e.id}), who let it expire or "
                        "rejected it and was not paused or offline since (R-Q-4)",
                    )
                )
            last_offered[iid] = agents
        elif e.type in ("offer.expired", "offer.rejected") and e.agent_id is not None:
            declined = {e.agent_id}
        elif e.type == "interaction.requeued" and data.get("reason") in ("expired", "rejected"):
            declined = {e.agent_id} if e.agent_id is not None else last_offered.get(iid, set())
        elif e.type == "interaction.transferred":
            for a in by_ix.pop(iid, set()):
                by_agent[a].discard(iid)
        for a in declined:
            by_ix[iid].add(a)
            by_agent[a].add(iid)
    return out


#: The events that close an offer with each status, for the offer's own agent.
_CLOSED_BY_AGENT: Mapping[str, frozenset[str]] = {
    "accepted": frozenset({"offer.accepted", "interaction.assigned"}),
    "rejected": frozenset({"offer.rejected"}),
    "expired": frozenset({"offer.expired"}),
}


def _closed_by(o: Offer, events: Sequence[InteractionEvent]) -> bool:
    """Whether an event of the log closes this offer the way its status says."""
    agent = str(o.agent_id)
    for e in events:
        data = e.data or {}
        if e.type in _CLOSED_BY_AGENT.get(o.status, ()) and e.agent_id == o.agent_id:
            return True
        requeued = e.type == "interaction.requeued" and e.agent_id in (None, o.agent_id)
        if o.status == "expired" and requeued and data.get("reason") == "expired":
            return True
        reclaims = e.type == "offer.reclaimed" and data.get("offer_id") == o.id
        if o.status == "reclaimed" and reclaims:
            return True
        if o.status == "withdrawn":
            if e.type == "offer.withdrawn" and agent in _agent_ids(data):
                return True
            if requeued:
                return True
    return False


Check = Callable[[LiveState, float | None], list[Violation]]

#: Every invariant, in the order they are reported.
CHECKS: tuple[Check, ...] = (
    legal_states,
    single_assignment,
    capacity,
    offers_unexpired,
    references,
    log_agrees,
    declines_kept,
)


def check_state(
    state: LiveState, *, now: float | None, grace_s: float = GRACE_S
) -> list[Violation]:
    """Every invariant over rows already loaded (`grace_s`: see `offers_unexpired`)."""
    out: list[Violation] = []
    for check in CHECKS:
        if check is offers_unexpired:
            out.extend(offers_unexpired(state, now, grace_s=grace_s))
        else:
            out.extend(check(state, now))
    return out


async def check_invariants(
    source: Source, *, org_id: int | None = None, now: float | None, grace_s: float = GRACE_S
) -> list[Violation]:
    """Every invariant over one organization's rows (None: every organization).

    For a fault test after a kill -9 restart: ``check_invariants(engine, now=time.time())``
    on an engine of the restarted server's database; a larger ``grace_s`` allows for a real
    loop's latency."""
    return check_state(await load_state(source, org_id=org_id), now=now, grace_s=grace_s)


async def organization_ids(source: Source) -> list[int]:
    """Every organization's id (for a caller that checks them one by one)."""
    async with _sessions(source)() as s:
        ids = list(await s.scalars(select(Organization.id).order_by(Organization.id)))
        await s.rollback()
    return ids


def report(violations: Sequence[Violation]) -> str:
    """A readable list, one violation a line."""
    lines = [f"{len(violations)} invariant violation(s) (tests/live/invariants.py):"]
    lines.extend(f"  - {v}" for v in violations)
    return "\n".join(lines)


async def assert_invariants(
    source: Source, *, org_id: int | None = None, now: float | None, grace_s: float = GRACE_S
) -> None:
    """Fail with the list of violations, if any."""
    found = await check_invariants(source, org_id=org_id, now=now, grace_s=grace_s)
    if found:
        raise AssertionError(report(found))


async def settle(live: LiveRegistry) -> list[Violation]:
    """Fire the timers due now in every running loop, as a loop waking at its deadline would
    have (a test clock does not wake it); a loop that broke and was never rebuilt, or whose
    timers fail, is reported (`loop_alive`)."""
    stuck: list[Violation] = []
    for org_id, router in sorted(live._routers.items()):
        if router.broken:
            stuck.append(Violation("loop_alive", org_id, "routing loop", "broken and not rebuilt"))
            continue
        try:
            await router.tick()
        except Exception as exc:  # the loop died on a timer: that is what this reports
            stuck.append(Violation("loop_alive", org_id, "routing loop", f"tick failed: {exc!r}"))
    return stuck


async def check_app(state: AppState, *, now: float | None = None) -> None:
    """The hook of the app fixtures: settle the running loops, then check every organization
    on the app's database at the loops' clock (or `now`); fails with the list."""
    found: list[Violation] = []
    if state.live is not None:
        found.extend(await settle(state.live))
        if now is None:
            now = state.live.clock()
    found.extend(await check_invariants(state.sessions, now=now))
    if found:
        raise AssertionError(report(found))
