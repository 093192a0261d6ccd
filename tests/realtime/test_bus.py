"""EventBus unit tests: fan-out, isolation, filters, acknowledgement, long-polls."""

from __future__ import annotations

import asyncio
import threading

import pytest

from guichet.realtime import EventBus, QueueGone


def offered(n: int = 1) -> dict[str, object]:
    return {"type": "interaction.offered", "interaction_id": n}


async def test_register_then_publish_numbers_events_from_one() -> None:
    bus = EventBus()
    queue_id, last = bus.register(1, 10)
    assert last == 0
    bus.publish(1, offered(1), user_ids=[10])
    bus.publish(1, offered(2), user_ids=[10])
    events = await bus.get_events(queue_id, last, timeout_s=0)
    assert [(e["id"], e["interaction_id"]) for e in events] == [(1, 1), (2, 2)]
    assert all(e["type"] == "interaction.offered" for e in events)


async def test_r_a_6_event_never_crosses_organizations_even_for_the_same_user_id() -> None:
    """R-A-6: an event published for org 1 never reaches org 2's queue of user 10."""
    bus = EventBus()
    mine, _ = bus.register(1, 10)
    theirs, _ = bus.register(2, 10)
    bus.publish(1, offered(), user_ids=[10])
    assert len(await bus.get_events(mine, 0, timeout_s=0)) == 1
    assert await bus.get_events(theirs, 0, timeout_s=0) == []


async def test_r_a_6_only_the_listed_users_receive_the_event() -> None:
    """R-A-6: the audience is the user ids the action computed, nobody else."""
    bus = EventBus()
    alice, _ = bus.register(1, 10)
    bob, _ = bus.register(1, 11)
    bus.publish(1, offered(), user_ids=[11])
    assert await bus.get_events(alice, 0, timeout_s=0) == []
    assert len(await bus.get_events(bob, 0, timeout_s=0)) == 1


async def test_every_queue_of_a_user_gets_its_own_copy_and_ids() -> None:
    bus = EventBus()
    tab1, _ = bus.register(1, 10)
    tab2, _ = bus.register(1, 10)
    bus.publish(1, offered(), user_ids=[10, 10])
    one = await bus.get_events(tab1, 0, timeout_s=0)
    two = await bus.get_events(tab2, 0, timeout_s=0)
    assert [e["id"] for e in one] == [1] and [e["id"] for e in two] == [1]
    assert one[0] is not two[0]


async def test_event_type_filter_chosen_on_register() -> None:
    bus = EventBus()
    only_queues, _ = bus.register(1, 10, event_types=["queue.updated"])
    nothing, _ = bus.register(1, 10, event_types=[])
    bus.publish(1, offered(), user_ids=[10])
    bus.publish(1, {"type": "queue.updated", "queue_id": 3}, user_ids=[10])
    events = await bus.get_events(only_queues, 0, timeout_s=0)
    assert [(e["id"], e["type"]) for e in events] == [(1, "queue.updated")]
    assert await bus.get_events(nothing, 0, timeout_s=0) == []


async def test_resume_returns_what_follows_and_acknowledged_events_are_forgotten() -> None:
    bus = EventBus()
    queue_id, _ = bus.register(1, 10)
    for n in range(5):
        bus.publish(1, offered(n), user_ids=[10])
    assert [e["id"] for e in await bus.wait_events(queue_id, 0, timeout_s=0)] == [1, 2, 3, 4, 5]
    # A client that applied up to 3 gets 4 and 5 again, however often it asks.
    assert [e["id"] for e in await bus.get_events(queue_id, 3, timeout_s=0)] == [4, 5]
    assert [e["id"] for e in await bus.get_events(queue_id, 3, timeout_s=0)] == [4, 5]
    # Events up to 3 were acknowledged: asking from 0 cannot bring them back.
    assert [e["id"] for e in await bus.get_events(queue_id, 0, timeout_s=0)] == [4, 5]


async def test_unknown_queue_is_gone() -> None:
    bus = EventBus()
    with pytest.raises(QueueGone) as info:
        await bus.get_events("nope", 0, timeout_s=0)
    assert info.value.code == "BAD_EVENT_QUEUE_ID"
    with pytest.raises(QueueGone):
        bus.describe("nope")


async def test_slow_client_overflows_and_its_queue_is_dropped() -> None:
    bus = EventBus(max_queue_events=3)
    slow, _ = bus.register(1, 10)
    fast, _ = bus.register(1, 10)
    for n in range(3):
        bus.publish(1, offered(n), user_ids=[10])
        bus.ack(fast, n + 1)
    bus.publish(1, offered(3), user_ids=[10])
    with pytest.raises(QueueGone):
        await bus.get_events(slow, 0, timeout_s=0)
    assert [e["id"] for e in await bus.get_events(fast, 3, timeout_s=0)] == [4]
    assert bus.overflowed == 1


async def test_idle_queue_is_collected_after_the_timeout() -> None:
    now = [100.0]
    bus = EventBus(idle_timeout_s=10, clock=lambda: now[0])
    idle, _ = bus.register(1, 10)
    busy, _ = bus.register(1, 11)
    now[0] = 106.0
    await bus.get_events(busy, 0, timeout_s=0)
    now[0] = 111.0
    assert bus.collect_garbage() == 1
    assert len(bus) == 1
    with pytest.raises(QueueGone):
        await bus.get_events(idle, 0, timeout_s=0)
    assert await bus.get_events(busy, 0, timeout_s=0) == []


async def test_expired_queue_is_gone_even_before_a_collection_runs() -> None:
    now = [0.0]
    bus = EventBus(idle_timeout_s=5, gc_interval_s=1000, clock=lambda: now[0])
    queue_id, _ = bus.register(1, 10)
    now[0] = 6.0
    with pytest.raises(QueueGone):
        bus.ack(queue_id, 0)


async def test_publish_collects_idle_queues_lazily() -> None:
    now = [0.0]
    bus = EventBus(idle_timeout_s=5, gc_interval_s=1, clock=lambda: now[0])
    bus.register(1, 10)
    now[0] = 6.0
    bus.publish(1, offered(), user_ids=[10])
    assert len(bus) == 0 and bus.collected == 1


async def test_a_queue_being_waited_on_is_never_idle() -> None:
    now = [0.0]
    bus = EventBus(idle_timeout_s=5, clock=lambda: now[0])
    queue_id, _ = bus.register(1, 10)
    waiting = asyncio.create_task(bus.get_events(queue_id, 0, timeout_s=5))
    await asyncio.sleep(0.01)
    now[0] = 60.0
    assert bus.collect_garbage() == 0
    bus.publish(1, offered(), user_ids=[10])
    assert [e["id"] for e in await waiting] == [1]


async def test_long_poll_wakes_on_publish() -> None:
    bus = EventBus()
    queue_id, _ = bus.register(1, 10)
    waiting = asyncio.create_task(bus.get_events(queue_id, 0, timeout_s=5))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    bus.publish(1, offered(), user_ids=[10])
    events = await asyncio.wait_for(waiting, 1)
    assert [e["id"] for e in events] == [1]


async def test_long_poll_times_out_empty() -> None:
    bus = EventBus()
    queue_id, _ = bus.register(1, 10)
    assert await bus.get_events(queue_id, 0, timeout_s=0.05) == []


async def test_long_poll_woken_by_a_publish_from_another_thread() -> None:
    bus = EventBus()
    queue_id, _ = bus.register(1, 10)
    waiting = asyncio.create_task(bus.get_events(queue_id, 0, timeout_s=5))
    await asyncio.sleep(0.01)
    thread = threading.Thread(target=bus.publish, args=(1, offered()), kwargs={"user_ids": [10]})
    thread.start()
    events = await asyncio.wait_for(waiting, 1)
    thread.join()
    assert [e["id"] for e in events] == [1]


async def test_closing_a_queue_wakes_its_waiter_with_queue_gone() -> None:
    bus = EventBus()
    queue_id, _ = bus.register(1, 10)
    waiting = asyncio.create_task(bus.get_events(queue_id, 0, timeout_s=5))
    await asyncio.sleep(0.01)
    bus.close(queue_id)
    with pytest.raises(QueueGone):
        await asyncio.wait_for(waiting, 1)
    bus.close(queue_id)  # closing twice is harmless


async def test_shutdown_drops_every_queue() -> None:
    bus = EventBus()
    queue_id, _ = bus.register(1, 10)
    bus.register(2, 20)
    waiting = asyncio.create_task(bus.get_events(queue_id, 0, timeout_s=5))
    await asyncio.sleep(0.01)
    bus.shutdown()
    with pytest.raises(QueueGone):
        await asyncio.wait_for(waiting, 1)
    assert len(bus) == 0


async def test_too_many_queues_for_one_user_drops_the_least_recent() -> None:
    now = [0.0]
    bus = EventBus(max_queues_per_user=2, clock=lambda: now[0])
    first, _ = bus.register(1, 10)
    now[0] = 1.0
    second, _ = bus.register(1, 10)
    now[0] = 2.0
    await bus.get_events(first, 0, timeout_s=0)
    third, _ = bus.register(1, 10)
    with pytest.raises(QueueGone):
        bus.describe(second)
    assert bus.describe(first) == (1, 10, 0) and bus.describe(third)[:2] == (1, 10)
    bus.register(1, 11)  # another user's queues do not count
    assert len(bus) == 3


def test_publish_needs_an_event_type() -> None:
    bus = EventBus()
    with pytest.raises(ValueError):
        bus.publish(1, {"payload": 1}, user_ids=[10])


def test_publish_to_nobody_is_cheap_and_harmless() -> None:
    bus = EventBus()
    bus.publish(1, offered(), user_ids=[])
    bus.publish(1, offered(), user_ids=[42])
    assert len(bus) == 0
