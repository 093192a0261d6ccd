"""Abandon-and-return (R-X-9): former place given back once, within the queue's window."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from guichet.routing.returns import ReturnMemory


def test_r_x_9_return_within_window_gets_former_place_once() -> None:
    """R-X-9: a contact back within N seconds gets the original arrival and priority, once."""
    memory = ReturnMemory({"q": 120.0})
    assert memory.remember(
        "tel:+33612345678",
        "q",
        arrived_at=10.0,
        abandoned_at=70.0,
        priority=2.0,
        interaction_id="i1",
    )
    ticket = memory.claim("tel:+33612345678", "q", now=190.0)
    assert ticket is not None
    assert (ticket.arrived_at, ticket.priority, ticket.interaction_id) == (10.0, 2.0, "i1")
    assert memory.claim("tel:+33612345678", "q", now=191.0) is None
    assert len(memory) == 0


def test_r_x_9_too_late_other_queue_or_other_contact_gets_nothing() -> None:
    """R-X-9: the place is kept per (identity, queue) and only for the queue's window."""
    memory = ReturnMemory({"q": 60.0, "r": 600.0})
    memory.remember("alice", "q", arrived_at=0.0, abandoned_at=100.0)
    memory.remember("alice", "r", arrived_at=0.0, abandoned_at=100.0)
    assert memory.claim("bob", "q", now=110.0) is None
    assert memory.claim("alice", "q", now=160.5) is None
    assert memory.claim("alice", "r", now=700.0) is not None


def test_r_x_9_disabled_queue_or_anonymous_contact_is_not_remembered() -> None:
    """R-X-9: a window of 0 turns the feature off; no identity means nothing to match."""
    memory = ReturnMemory(default_window_s=0.0)
    assert not memory.remember("alice", "q", arrived_at=0.0, abandoned_at=1.0)
    memory.set_window("q", 30.0)
    assert not memory.remember(None, "q", arrived_at=0.0, abandoned_at=1.0)
    assert memory.claim(None, "q", now=2.0) is None
    assert memory.remember("alice", "q", arrived_at=0.0, abandoned_at=1.0)
    assert memory.window("q") == 30.0


def test_r_x_9_newer_abandon_replaces_older_and_memory_is_bounded() -> None:
    """R-X-9: the latest abandon wins; beyond max_entries the soonest-expiring go first."""
    memory = ReturnMemory(default_window_s=100.0, max_entries=2)
    memory.remember("a", "q", arrived_at=0.0, abandoned_at=5.0)
    memory.remember("a", "q", arrived_at=50.0, abandoned_at=60.0)
    memory.remember("b", "q", arrived_at=0.0, abandoned_at=30.0)
    memory.remember("c", "q", arrived_at=0.0, abandoned_at=40.0)
    assert len(memory) == 2
    assert memory.claim("b", "q", now=61.0) is None
    ticket = memory.claim("a", "q", now=150.0)
    assert ticket is not None and ticket.arrived_at == 50.0


ops = st.lists(
    st.tuples(
        st.sampled_from(["remember", "claim"]),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["q", "r"]),
        st.floats(min_value=0, max_value=50, allow_nan=False),
    ),
    max_size=80,
)


@given(ops)
def test_r_x_9_matches_a_brute_force_model(steps: list[tuple[str, str, str, float]]) -> None:
    """R-X-9 (property): claims agree with a plain dict of (abandoned_at, window) entries."""
    windows = {"q": 30.0, "r": 90.0}
    memory = ReturnMemory(windows)
    model: dict[tuple[str, str], float] = {}
    now = 0.0
    for op, contact, queue, advance in steps:
        now += advance
        if op == "remember":
            memory.remember(contact, queue, arrived_at=now - 1, abandoned_at=now)
            model[(contact, queue)] = now
            continue
        abandoned = model.pop((contact, queue), None)
        expected = abandoned is not None and now <= abandoned + windows[queue]
        ticket = memory.claim(contact, queue, now)
        assert (ticket is not None) == expected
        if ticket is not None:
            assert ticket.abandoned_at == abandoned
