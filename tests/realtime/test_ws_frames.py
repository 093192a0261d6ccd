"""Socket frames (docs/realtime.md): heartbeat, ping, malformed frames, close codes, overflow,
the snapshot provider; on SQLite and PostgreSQL through Starlette's TestClient.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from guichet.api.deps import Principal
from tests.conftest import Database
from tests.realtime.ws_support import (
    MAX_EVENTS,
    Live,
    frame,
    ids,
    register,
    serve,
    until_closed,
)


@pytest.fixture
def live(database: Database) -> Iterator[Live]:
    """The app on a fresh database, served by a TestClient."""
    with serve(database) as world:
        yield world


def test_heartbeat_every_period_and_ping_answers_pong(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        started = time.monotonic()
        assert ws.receive_json() == {"op": "heartbeat"}
        assert ws.receive_json() == {"op": "heartbeat"}
        # Two beats at 0.2 s; generous bounds for a loaded machine.
        assert 0.3 <= time.monotonic() - started < 5
        ws.send_json({"op": "ping"})
        assert frame(ws, "pong") == {"op": "pong"}


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        "{}",
        '{"op": "subscribe"}',
        '{"op": "resume", "queue_id": "q"}',
        '{"op": "resume", "queue_id": "q", "last_event_id": "3"}',
        '{"op": "resume", "queue_id": "q", "last_event_id": -1}',
        '{"op": "ack", "last_event_id": true}',
        '{"op": "register", "event_types": "all"}',
        '{"op": "register", "event_types": [""]}',
        '{"op": "ping", "extra": 1}',
        '{"op": "ack", "last_event_id": 0}',
    ],
)
def test_malformed_frame_answers_bad_request_and_keeps_the_socket(live: Live, text: str) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        ws.send_text(text)
        error = frame(ws, "error")
        assert error["code"] == "BAD_REQUEST" and error["detail"]
        ws.send_bytes(b'{"op": "ping"}')
        assert frame(ws, "error")["code"] == "BAD_REQUEST"
        ws.send_json({"op": "ping"})
        assert frame(ws, "pong") == {"op": "pong"}


def test_acknowledging_ahead_of_what_was_sent_is_a_bad_request(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        queue_id = register(ws)["queue_id"]
        live.publish(ada, {"type": "agent.updated"})
        assert ids(frame(ws, "events")) == [1]
        ws.send_json({"op": "ack", "last_event_id": 2})
        assert frame(ws, "error")["code"] == "BAD_REQUEST"
        ws.send_json({"op": "resume", "queue_id": queue_id, "last_event_id": 9})
        assert frame(ws, "error")["code"] == "BAD_REQUEST"
        ws.send_json({"op": "ack", "last_event_id": 1})
        ws.send_json({"op": "resume", "queue_id": queue_id, "last_event_id": 1})
        assert frame(ws, "events")["events"] == []


def test_too_large_frame_closes_4400(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        ws.send_text('{"op": "ping", "pad": "' + "x" * 70_000 + '"}')
        assert until_closed(ws) == 4400


def test_too_many_malformed_frames_close_4400(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        for _ in range(30):
            ws.send_text("{")
        assert until_closed(ws) == 4400


def test_deactivated_user_loses_an_open_socket_at_the_next_heartbeat(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        register(ws)
        assert len(live.state.bus) == 1
        live.deactivate(ada)
        assert until_closed(ws) == 4001
    # An ended session cannot resume: its queue went with the socket, before the close.
    assert len(live.state.bus) == 0


def test_slow_client_queue_overflows_and_must_register_again(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        queue_id = register(ws)["queue_id"]
        # Nothing acknowledged: the queue holds at most MAX_EVENTS events.
        for n in range(MAX_EVENTS + 1):
            live.publish(ada, {"type": "message.posted", "n": n})
        error = frame(ws, "error")
        assert error == {
            "op": "error",
            "code": "BAD_EVENT_QUEUE_ID",
            "detail": error["detail"],
            "queue_id": queue_id,
        }
        got = register(ws)
        assert got["queue_id"] != queue_id and got["last_event_id"] == 0


def test_acknowledged_events_do_not_count_toward_overflow(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        register(ws)
        for n in range(1, 3 * MAX_EVENTS):
            live.publish(ada, {"type": "message.posted", "n": n})
            assert ids(frame(ws, "events")) == [n]
            ws.send_json({"op": "ack", "last_event_id": n})


def test_register_again_on_the_same_socket_replaces_the_queue(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        first = register(ws)["queue_id"]
        second = register(ws)["queue_id"]
        ws.send_json({"op": "resume", "queue_id": first, "last_event_id": 0})
        assert frame(ws, "error")["code"] == "BAD_EVENT_QUEUE_ID"
        live.publish(ada, {"type": "agent.updated", "at": datetime(2026, 1, 2, tzinfo=UTC)})
        got = frame(ws, "events")
    assert got["queue_id"] == second
    assert got["events"] == [{"type": "agent.updated", "at": "2026-01-02T00:00:00.000Z", "id": 1}]


def test_snapshot_comes_from_the_installed_provider_after_the_queue_exists(live: Live) -> None:
    ada = live.member("alpha")
    seen: list[Principal] = []

    async def provider(principal: Principal) -> dict[str, Any]:
        seen.append(principal)
        # Published while the snapshot is taken: the queue already exists, so it is kept.
        live.state.bus.publish(
            principal.org_id, {"type": "queue.updated"}, user_ids=[principal.user_id]
        )
        return {"agents": {str(principal.user_id): "available"}}

    live.state.snapshots = provider
    with live.connect(ada) as ws:
        got = register(ws)
        assert got["snapshot"] == {"agents": {str(ada.user_id): "available"}}
        assert ids(frame(ws, "events")) == [1]
    assert [p.user_id for p in seen] == [ada.user_id]


def test_failing_snapshot_answers_an_error_and_keeps_the_socket(live: Live) -> None:
    ada = live.member("alpha")

    async def broken(principal: Principal) -> dict[str, Any]:
        raise RuntimeError("database unavailable")

    live.state.snapshots = broken
    with live.connect(ada) as ws:
        ws.send_json({"op": "register"})
        assert frame(ws, "error")["code"] == "SNAPSHOT_FAILED"
        ws.send_json({"op": "ping"})
        assert frame(ws, "pong") == {"op": "pong"}
    assert len(live.state.bus) == 0


def test_event_that_cannot_be_encoded_costs_the_queue_not_the_socket(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        queue_id = register(ws)["queue_id"]
        live.publish(ada, {"type": "agent.updated", "oops": object()})
        error = frame(ws, "error")
        assert error["code"] == "BAD_EVENT_QUEUE_ID" and error["queue_id"] == queue_id
        register(ws)
        live.publish(ada, {"type": "agent.updated"})
        assert ids(frame(ws, "events")) == [1]


def test_snapshot_follows_the_current_roles_and_refuses_a_deactivated_user(live: Live) -> None:
    ada = live.member("alpha")
    roles: list[list[str]] = []

    async def provider(principal: Principal) -> dict[str, Any]:
        roles.append(list(principal.user.roles))
        return {}

    live.state.snapshots = provider
    with live.connect(ada) as ws:
        register(ws)
        live.update_user(ada, roles=["agent", "supervisor"])
        register(ws)
        live.deactivate(ada)
        ws.send_json({"op": "register"})
        assert until_closed(ws) == 4001
    assert roles == [["agent"], ["agent", "supervisor"]]
    assert len(live.state.bus) == 0  # the refused register replaced the socket's queue
