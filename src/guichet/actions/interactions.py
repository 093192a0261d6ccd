"""Interactions: intake with idempotency and contact matching, end, transcript (R-Q-5, R-TR-1).

Who may create interactions: any authenticated user of the organization, for now (channels
will get keys of their own). Intake stores the interaction and hands its arrival to the
organization's routing loop in one transaction: targeting rules (R-TR-1) or the flow (R-Q-5)
decide, the decisions are written, then published.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.domain.events import EventType, LiveEvent
from guichet.domain.states import ACCEPTED, Op, accepts, refusal
from guichet.errors import Conflict, invalid
from guichet.live import LiveRegistry
from guichet.live.commands import submit_checked
from guichet.live.presence_sync import Publication
from guichet.live.recovery import arrival_event
from guichet.live.render import at, interaction_dict, iso, offer_dict
from guichet.persistence.models import (
    Contact,
    Interaction,
    InteractionEvent,
    InteractionTag,
    Message,
    Offer,
    Queue,
    Skill,
)
from guichet.queries.lookups import check_ids_in_org
from guichet.routing import (
    Decision,
    Event,
    InteractionEnded,
    KeyPressed,
    RefuseEvent,
    RoutingEngine,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"


def request_hash(body: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a request body (sorted keys, no spaces)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


async def replayed(
    session: AsyncSession, *, org_id: int, key: str | None, digest: str
) -> dict[str, Any] | None:
    """The first answer for this Idempotency-Key, or None; another body under it is a 409."""
    if key is None:
        return None
    row = await session.scalar(
        select(Interaction).where(Interaction.org_id == org_id, Interaction.idempotency_key == key)
    )
    if row is None:
        return None
    if row.request_hash != digest:
        raise Conflict(
            "this Idempotency-Key was already used with another body",
            field=IDEMPOTENCY_HEADER,
            code="idempotency_mismatch",
        )
    return row.intake_response or interaction_dict(row)


async def check_intake(session: AsyncSession, *, org_id: int, body: dict[str, Any]) -> None:
    """Ids named in the body belong to the organization (422 naming the field otherwise)."""
    for name, model in (("queue_id", Queue), ("skill_id", Skill)):
        if body.get(name) is not None:
            await check_ids_in_org(session, model, org_id=org_id, ids=[body[name]], field=name)
    if body.get("flow_id") is not None:
        from guichet.persistence.models import FlowRow

        await check_ids_in_org(
            session, FlowRow, org_id=org_id, ids=[body["flow_id"]], field="flow_id"
        )


async def match_contact(
    session: AsyncSession, *, org_id: int, identity: dict[str, Any]
) -> Contact | None:
    """The organization's contact with this e-mail, phone or external id; created if none."""
    email = (identity.get("email") or "").strip().lower() or None
    phone = (identity.get("phone") or "").strip() or None
    external = (identity.get("external_id") or "").strip() or None
    if not (email or phone or external):
        return None
    wanted = []
    if external:
        wanted.append(Contact.external_id == external)
    if email:
        wanted.append(Contact.email == email)
    if phone:
        wanted.append(Contact.phone == phone)
    found = await session.scalar(
        select(Contact).where(Contact.org_id == org_id, or_(*wanted)).order_by(Contact.id).limit(1)
    )
    if found is not None:
        return found
    contact = Contact(
        org_id=org_id,
        name=(identity.get("name") or "").strip(),
        email=email,
        phone=phone,
        external_id=external,
    )
    session.add(contact)
    await session.flush()
    return contact


async def do_intake(
    session: AsyncSession,
    live: LiveRegistry,
    *,
    org_id: int,
    actor_id: int,
    body: dict[str, Any],
    key: str | None,
) -> tuple[dict[str, Any], bool]:
    """Store and route a new interaction; returns (answer, created) (R-Q-5, R-TR-1)."""
    digest = request_hash(body)
    first = await replayed(session, org_id=org_id, key=key, digest=digest)
    if first is not None:
        return first, False
    await session.commit()  # release the request's transaction before the loop writes
    router = await live.router(org_id)
    box: dict[str, Any] = {}

    async def prepare(s: AsyncSession, _e: RoutingEngine) -> tuple[Event | None, Any]:
        again = await replayed(s, org_id=org_id, key=key, digest=digest)
        if again is not None:
            box["replay"] = again
            return None, None
        # Checked here, in the loop: on SQLite a check in the request would take the writer.
        await check_intake(s, org_id=org_id, body=body)
        contact = await match_contact(s, org_id=org_id, identity=body.get("contact") or {})
        context = dict(body.get("context") or {})
        row = Interaction(
            org_id=org_id,
            created_at=at(router.now()),
            channel=body["channel"],
            status="new",
            contact_id=None if contact is None else contact.id,
            requested_queue_id=body.get("queue_id"),
            requested_skill_id=body.get("skill_id"),
            flow_id=body.get("flow_id"),
            priority=body.get("priority"),
            caller_id=body.get("caller_id"),
            context=context,
            idempotency_key=key,
            request_hash=digest,
            created_by_id=actor_id,
        )
        s.add(row)
        await s.flush()
        box["row"] = row
        return arrival_event(row), row.id

    async def after(s: AsyncSession, decisions: list[Decision]) -> None:
        row: Interaction | None = box.get("row")
        if row is None:
            return
        if row.status == "new":
            # Refused (no targeting rule matched, or the queue is gone): kept, unrouted.
            row.status = "unrouted"
            s.add(
                InteractionEvent(
                    org_id=org_id,
                    at=at(live.clock()),
                    type=EventType.INTERACTION_UNROUTED,
                    interaction_id=row.id,
                    actor_id=actor_id,
                    channel=row.channel,
                    data={"refusals": [list(d) for d in decisions if isinstance(d, RefuseEvent)]},
                )
            )
        row.intake_response = interaction_dict(row)

    await router.run(prepare, actor_id=actor_id, after=after, keep_on_refusal=True)
    if "replay" in box:
        return box["replay"], False
    row = box["row"]
    return interaction_dict(row), True


async def tag_ids(session: AsyncSession, *, iid: int) -> list[int]:
    """The tags on an interaction (R-W-2)."""
    rows = await session.scalars(
        select(InteractionTag.tag_id).where(InteractionTag.interaction_id == iid)
    )
    return sorted(rows)


async def open_offers(
    session: AsyncSession, *, org_id: int, agent_id: int, now: float
) -> list[dict[str, Any]]:
    """R-Q-4, R-X-3: the agent's open offers that have not expired at ``now``, oldest first,
    each with its explanation and the interaction it proposes (`GET /agent/offers`)."""
    rows = await session.execute(
        select(Offer, Interaction)
        .join(Interaction, Interaction.id == Offer.interaction_id)
        .where(
            Offer.org_id == org_id,
            Offer.agent_id == agent_id,
            Offer.status == "open",
            Offer.expires_at > now,
        )
        .order_by(Offer.id)
    )
    out = []
    for offer, row in rows:
        body = offer_dict(offer)
        body["interaction"] = interaction_dict(row)
        out.append(body)
    return out


def check_state(row: Interaction, op: Op, *, field: str | None = None) -> None:
    """409 naming the rule when the interaction's state refuses ``op`` (domain/states.py, the
    one table of what each state accepts; docs/concepts.md "Interaction states")."""
    if not accepts(row.status, op):
        rule = ACCEPTED[op][1]
        raise Conflict(refusal(row.status, op), field=field, rule=rule, code="wrong_state")


async def do_end(
    session: AsyncSession, live: LiveRegistry, *, org_id: int, actor_id: int, iid: int
) -> list[Decision]:
    """End an interaction: abandoned if unanswered, else wrap-up (R-Q-7)."""
    event = InteractionEnded(str(iid))
    return await submit_checked(session, live, org_id=org_id, event=event, actor_id=actor_id)


#: Keys a caller may press: digits for menus, `*` to leave a queue (R-Q-5), `#` for a callback.
KEYS = frozenset("0123456789*#")


async def do_key(
    session: AsyncSession, live: LiveRegistry, *, row: Interaction, key: str, actor_id: int
) -> list[Decision]:
    """R-Q-6: `#` accepts an offered callback; R-Q-5: `*` and digits drive the flow."""
    if key not in KEYS:
        raise invalid("key", "a digit, * or #", "R-Q-5")
    event = KeyPressed(str(row.id), key)
    return await submit_checked(session, live, org_id=row.org_id, event=event, actor_id=actor_id)


async def do_post_message(
    session: AsyncSession,
    live: LiveRegistry,
    *,
    row: Interaction,
    sender: str,
    user_id: int | None,
    text: str,
) -> Message:
    """Store a transcript message and publish it to the agent and the queue's watchers."""
    check_state(row, Op.MESSAGE, field="body")
    if not text.strip():
        raise invalid("body", "a message needs some text")
    msg = Message(
        org_id=row.org_id,
        interaction_id=row.id,
        sender=sender,
        sender_user_id=user_id,
        body=text,
    )
    session.add(msg)
    await session.flush()
    session.add(message_event(row, msg, when=at(live.clock())))
    await session.commit()
    router = await live.router(row.org_id)
    users = router.loaded.audience.for_queues({row.queue_id} if row.queue_id else set())
    if row.agent_id is not None:
        users.add(row.agent_id)
    router.publish([Publication({"type": LiveEvent.MESSAGE, "message": message_dict(msg)}, users)])
    return msg


def message_event(row: Interaction, msg: Message, *, when: datetime) -> InteractionEvent:
    """The ``message.posted`` event-log row of a stored message (R-AN-8; first response time,
    R-AN-1), at ``when`` (the routing loop's clock, as every row it writes): ``agent_id`` is
    the sending user for agent messages."""
    return InteractionEvent(
        org_id=row.org_id,
        at=when,
        type=EventType.MESSAGE_POSTED,
        interaction_id=row.id,
        agent_id=msg.sender_user_id if msg.sender == "agent" else None,
        actor_id=msg.sender_user_id,
        queue_id=row.queue_id,
        skill_id=row.skill_id,
        channel=row.channel,
        data={"sender": msg.sender, "message_id": msg.id},
    )


def message_dict(msg: Message) -> dict[str, Any]:
    """The public view of a transcript message."""
    return {
        "id": msg.id,
        "interaction_id": msg.interaction_id,
        "sender": msg.sender,
        "sender_user_id": msg.sender_user_id,
        "body": msg.body,
        "created_at": iso(msg.created_at),
    }


async def list_messages(session: AsyncSession, *, iid: int) -> list[Message]:
    """The transcript, oldest first."""
    rows = await session.scalars(
        select(Message).where(Message.interaction_id == iid).order_by(Message.id)
    )
    return list(rows)
