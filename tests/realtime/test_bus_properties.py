"""Property: whatever the interleaving of publishes, polls, pushes, lost deliveries and
resumes, a client that always continues from the last id it applied sees every event meant
for it exactly once and in order, and nothing meant for anyone else (R-A-6).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.realtime import Event, EventBus

ME = (1, 10)
# Other audiences: another user of my organization, and my user id in another organization.
AUDIENCES = [[10], [11], [10, 11], [], [10, 10]]
ORGS = [1, 2]

publish = st.tuples(st.just("publish"), st.sampled_from(ORGS), st.sampled_from(AUDIENCES))
poll = st.tuples(st.just("poll"), st.booleans())  # (lost on the way?)
push = st.tuples(st.just("push"), st.booleans())
resume = st.tuples(st.just("resume"))
long_poll = st.tuples(st.just("long_poll"), st.sampled_from(ORGS), st.sampled_from(AUDIENCES))
operations = st.lists(st.one_of(publish, poll, push, resume, long_poll), max_size=60)


@dataclass
class Client:
    """A client: what it applied, the last id it applied, the server's push cursor."""

    queue_id: str
    last: int = 0
    pushed: int = 0
    connected: bool = True
    applied: list[int] = field(default_factory=list)

    def apply(self, events: list[Event]) -> None:
        """Apply events in order; ids already applied (a repeated push) are skipped."""
        for event in events:
            if event["id"] <= self.last:
                continue
            assert event["id"] == self.last + 1, "a gap in the ids"
            self.applied.append(event["serial"])
            self.last = event["id"]


def assert_follows(events: list[Event], last: int) -> None:
    """The bus answers the ids right after ``last``, consecutive, each once."""
    assert [e["id"] for e in events] == list(range(last + 1, last + 1 + len(events)))


async def scenario(ops: list[tuple[Any, ...]]) -> None:
    bus = EventBus(max_queue_events=10_000)
    client = Client(bus.register(*ME)[0])
    bus.register(1, 11)
    bus.register(2, 10)
    expected: list[int] = []
    serial = 0

    def send(org_id: int, audience: list[int]) -> None:
        nonlocal serial
        serial += 1
        bus.publish(org_id, {"type": "t", "serial": serial}, user_ids=audience)
        if org_id == ME[0] and ME[1] in audience:
            expected.append(serial)

    for op in ops:
        kind = op[0]
        if kind == "publish":
            send(op[1], op[2])
        elif kind == "poll":
            events = await bus.get_events(client.queue_id, client.last, timeout_s=0)
            assert_follows(events, client.last)
            if not op[1]:
                client.apply(events)
        elif kind == "push":
            if not client.connected:
                continue
            # The server never pushes from before what the client acknowledged by polling.
            client.pushed = max(client.pushed, client.last)
            events = await bus.wait_events(client.queue_id, client.pushed, timeout_s=0)
            assert_follows(events, client.pushed)
            if events:
                client.pushed = events[-1]["id"]
            if op[1]:
                # One socket delivers frames in order or not at all: a lost frame means a
                # dropped connection, and nothing more is pushed until the client resumes.
                client.connected = False
            else:
                client.apply(events)
                bus.ack(client.queue_id, client.last)
        elif kind == "resume":
            # A new socket: pushes continue from what the client says it applied.
            bus.ack(client.queue_id, client.last)
            client.pushed = client.last
            client.connected = True
        else:
            waiting = asyncio.create_task(
                bus.get_events(client.queue_id, client.last, timeout_s=0.5)
            )
            await asyncio.sleep(0)
            send(op[1], op[2])
            await asyncio.sleep(0)  # let a woken waiter run first if it was woken
            send(ME[0], [ME[1]])
            client.apply(await waiting)
    client.apply(await bus.get_events(client.queue_id, client.last, timeout_s=0))
    assert client.applied == expected


@settings(max_examples=300, deadline=None)
@given(operations)
def test_r_a_6_resuming_client_sees_each_of_its_events_exactly_once_in_order(
    ops: list[tuple[Any, ...]],
) -> None:
    """R-A-6 and the resume contract, for any interleaving."""
    asyncio.run(scenario(ops))
