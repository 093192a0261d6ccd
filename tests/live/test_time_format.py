"""One time format in the HTTP API, the snapshots and the WebSocket events: ISO 8601 UTC to
the millisecond, `2026-12-04T01:02:03.456Z` (issue 12 finding 10: one answer mixed POSIX
seconds and ISO text)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from guichet.domain.times import iso, iso_t, parse_iso
from tests.factories import Org
from tests.live.conftest import LiveWorld
from tests.live.helpers import agent, chat, post, queue
from tests.live.test_snapshots import snapshot

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
#: Fields that hold a time (durations end in `_s`).
TIME_FIELD = re.compile(r".*(_at|_until|_since)$|^order_t$")


def times_in(value: Any, path: str = "") -> dict[str, Any]:
    """Every time field found anywhere in ``value``, by path."""
    found: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            if TIME_FIELD.match(str(key)) and not isinstance(item, dict | list):
                found[where] = item
            else:
                found |= times_in(item, where)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found |= times_in(item, f"{path}[{n}]")
    return found


def assert_one_format(value: Any) -> int:
    """Every time field is null or in the one format; returns how many were set."""
    found = times_in(value)
    bad = {k: v for k, v in found.items() if v is not None and not TIME.fullmatch(str(v))}
    assert not bad, bad
    return sum(1 for v in found.values() if v is not None)


def test_the_format() -> None:
    t = datetime(2026, 12, 4, 1, 2, 3, 456789, tzinfo=UTC)
    assert iso(t) == "2026-12-04T01:02:03.456Z"
    assert iso_t(t.timestamp()) == "2026-12-04T01:02:03.456Z"
    assert (
        parse_iso("2026-12-04T01:02:03.456Z")
        == datetime(2026, 12, 4, 1, 2, 3, 456000, tzinfo=UTC).timestamp()
    )


async def test_answers_snapshots_and_events_carry_one_time_format(
    world: LiveWorld, org_a: Org
) -> None:
    web = await queue(world, org_a, "Web", wrap_up_s=30, require_disposition=True,
                      disposition_timer_s=60)  # fmt: skip
    alice = await agent(world, org_a, "alice", queues=[web])
    alice_id = org_a.users["alice"]
    inbox = world.register(org_a, alice_id)
    ix = await chat(world, org_a, queue_id=web, contact={"name": "Zoé"})
    counted = assert_one_format(ix)
    offers = (await world.client.get("/api/v1/agent/offers", headers=alice)).json()
    counted += assert_one_format(offers)
    counted += assert_one_format(await snapshot(world, org_a, alice_id, ["agent"]))
    accepted = await post(world, f"/api/v1/agent/offers/{ix['id']}/accept", alice, None)
    counted += assert_one_format(accepted)
    counted += assert_one_format(
        await post(world, f"/api/v1/interactions/{ix['id']}/messages", alice, {"body": "Bonjour"})
    )
    ended = await post(world, f"/api/v1/interactions/{ix['id']}/end", alice, None)
    counted += assert_one_format(ended)
    assert ended["disposition_due_at"] == iso_t(parse_iso(ended["ended_at"]) + 60)
    me = (await world.client.get("/api/v1/agent", headers=alice)).json()
    counted += assert_one_format(me)
    assert me["wrap_up_until"] == iso_t(parse_iso(ended["ended_at"]) + 30)
    counted += assert_one_format(await snapshot(world, org_a, alice_id, ["agent"]))
    counted += assert_one_format(
        (await world.client.get("/api/v1/supervision/live", headers=org_a.admin)).json()
    )
    counted += assert_one_format((await world.client.get("/api/v1/me", headers=alice)).json())
    counted += assert_one_format(
        (await world.client.get(f"/api/v1/queues/{web}", headers=org_a.admin)).json()
    )
    events = await world.events(inbox)
    counted += assert_one_format(events)
    kinds = {e["type"] for e in events}
    assert {"offer", "interaction", "agent", "message"} <= kinds, kinds
    offer = next(e["offer"] for e in events if e["type"] == "offer" and e["op"] == "add")
    assert TIME.fullmatch(offer["expires_at"]) and TIME.fullmatch(offer["offered_at"])
    queued = [e["interaction"]["queued_at"] for e in events if e["type"] == "interaction"]
    assert any(q is not None for q in queued)
    assert counted > 20
