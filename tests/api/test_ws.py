"""The real-time socket (docs/realtime.md) over Starlette's TestClient, on SQLite and PostgreSQL:
tickets, register and snapshot, pushed events, resume, unknown queues, organization isolation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Database
from tests.realtime.ws_support import Live, closed_with, frame, ids, register, serve


@pytest.fixture
def live(database: Database) -> Iterator[Live]:
    """The app on a fresh database, served by a TestClient."""
    with serve(database) as world:
        yield world


def test_ticket_then_register_gives_snapshot_and_last_event_id(live: Live) -> None:
    ada = live.member("alpha")
    r = live.client.post("/api/v1/ws/tickets", headers=ada.headers)
    assert r.status_code == 201 and r.json()["expires_in"] == 30
    assert r.json()["ticket"].startswith("gwt_")
    with live.client.websocket_connect(f"/api/v1/ws?ticket={r.json()['ticket']}") as ws:
        got = register(ws)
    assert got["last_event_id"] == 0 and isinstance(got["queue_id"], str)
    assert got["snapshot"] == {"user_id": ada.user_id, "org_id": ada.org_id}


def test_ticket_needs_authentication_and_csrf_header_with_a_cookie(live: Live) -> None:
    assert live.client.post("/api/v1/ws/tickets").status_code == 401
    bad = {"authorization": "Bearer gch_nope"}
    assert live.client.post("/api/v1/ws/tickets", headers=bad).status_code == 401
    live.member("alpha")  # the login left its session cookie on the client
    assert live.client.post("/api/v1/ws/tickets").status_code == 403
    r = live.client.post("/api/v1/ws/tickets", headers={"x-guichet-csrf": "1"})
    assert r.status_code == 201
    live.client.cookies.clear()


def test_bad_missing_used_or_expired_ticket_closes_4001(live: Live) -> None:
    ada = live.member("alpha")
    assert closed_with(live.client.websocket_connect("/api/v1/ws")) == 4001
    assert closed_with(live.client.websocket_connect("/api/v1/ws?ticket=gwt_forged")) == 4001
    token = ada.headers["authorization"].removeprefix("Bearer ")
    assert closed_with(live.client.websocket_connect(f"/api/v1/ws?ticket={token}")) == 4001
    ticket = live.ticket(ada)
    with live.client.websocket_connect(f"/api/v1/ws?ticket={ticket}") as ws:
        register(ws)
    assert closed_with(live.client.websocket_connect(f"/api/v1/ws?ticket={ticket}")) == 4001
    live.state.tickets.ttl_s = 0
    assert closed_with(live.connect(ada)) == 4001


def test_ticket_of_a_deactivated_user_or_ended_session_is_refused(live: Live) -> None:
    ada = live.member("alpha", "ada")
    bob = live.member("alpha", "bob")
    cid = live.member("alpha", "cid")
    ticket = live.ticket(ada)
    r = live.client.post("/api/v1/auth/logout", headers=ada.headers)
    assert r.status_code in (200, 204), r.text
    assert closed_with(live.client.websocket_connect(f"/api/v1/ws?ticket={ticket}")) == 4001
    ticket = live.ticket(bob)
    live.deactivate(bob)
    assert closed_with(live.client.websocket_connect(f"/api/v1/ws?ticket={ticket}")) == 4001
    with live.connect(cid) as ws:
        assert register(ws)["snapshot"]["user_id"] == cid.user_id


def test_published_event_is_pushed_with_the_next_id(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        register(ws)
        live.publish(ada, {"type": "interaction.offered", "interaction_id": 7})
        got = frame(ws, "events")
    assert got["events"] == [{"type": "interaction.offered", "interaction_id": 7, "id": 1}]


def test_register_with_event_types_receives_only_those(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        register(ws, event_types=["queue.updated"])
        live.publish(ada, {"type": "interaction.offered"})
        live.publish(ada, {"type": "queue.updated"})
        got = frame(ws, "events")
    assert [(e["id"], e["type"]) for e in got["events"]] == [(1, "queue.updated")]


def test_drop_then_resume_gets_exactly_the_missed_events(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        queue_id = register(ws)["queue_id"]
        live.publish(ada, {"type": "message.posted", "n": 1})
        assert ids(frame(ws, "events")) == [1]
        live.publish(ada, {"type": "message.posted", "n": 2})
        assert ids(frame(ws, "events")) == [2]
        ws.send_json({"op": "ack", "last_event_id": 1})
    # The socket dropped; event 2 was sent but the client only applied 1.
    live.publish(ada, {"type": "message.posted", "n": 3})
    with live.connect(ada) as ws:
        ws.send_json({"op": "resume", "queue_id": queue_id, "last_event_id": 1})
        got = frame(ws, "events")
        assert got["queue_id"] == queue_id
        assert [(e["id"], e["n"]) for e in got["events"]] == [(2, 2), (3, 3)]
        live.publish(ada, {"type": "message.posted", "n": 4})
        assert ids(frame(ws, "events")) == [4]
        # Resuming with nothing missed answers an empty list, then pushes continue.
        ws.send_json({"op": "resume", "queue_id": queue_id, "last_event_id": 4})
        assert frame(ws, "events")["events"] == []
        live.publish(ada, {"type": "message.posted", "n": 5})
        assert ids(frame(ws, "events")) == [5]


def test_unknown_or_foreign_queue_answers_bad_event_queue_id_then_register_works(
    live: Live,
) -> None:
    ada = live.member("alpha", "ada")
    bob = live.member("alpha", "bob")
    with live.connect(bob) as ws:
        bobs_queue = register(ws)["queue_id"]
    with live.connect(ada) as ws:
        for queue_id in ("no-such-queue", bobs_queue):
            ws.send_json({"op": "resume", "queue_id": queue_id, "last_event_id": 0})
            error = frame(ws, "error")
            assert error["code"] == "BAD_EVENT_QUEUE_ID" and error["queue_id"] == queue_id
        got = register(ws)
        live.publish(ada, {"type": "agent.updated"})
        assert frame(ws, "events")["queue_id"] == got["queue_id"]
    # Bob's queue was untouched by the attempt.
    live.publish(bob, {"type": "agent.updated"})
    with live.connect(bob) as ws:
        ws.send_json({"op": "resume", "queue_id": bobs_queue, "last_event_id": 0})
        assert ids(frame(ws, "events")) == [1]


def test_closed_queue_is_reported_on_the_socket(live: Live) -> None:
    ada = live.member("alpha")
    with live.connect(ada) as ws:
        queue_id = register(ws)["queue_id"]
        live.state.bus.close(queue_id)
        assert frame(ws, "error")["code"] == "BAD_EVENT_QUEUE_ID"
        ws.send_json({"op": "resume", "queue_id": queue_id, "last_event_id": 0})
        assert frame(ws, "error")["code"] == "BAD_EVENT_QUEUE_ID"


def test_r_a_6_events_of_one_organization_never_reach_another(live: Live) -> None:
    """R-A-6: a publish for org A, even listing org B's user id, reaches only org A."""
    ada = live.member("alpha")
    bea = live.member("bravo", "bea")
    with live.connect(ada) as ws_a, live.connect(bea) as ws_b:
        register(ws_a)
        register(ws_b)
        live.state.bus.publish(
            ada.org_id, {"type": "queue.updated", "org": "a"}, user_ids=[ada.user_id, bea.user_id]
        )
        live.publish(bea, {"type": "queue.updated", "org": "b"})
        got_a = frame(ws_a, "events")
        got_b = frame(ws_b, "events")
    assert [e["org"] for e in got_a["events"]] == ["a"]
    # Bravo's first event is its own: nothing from alpha came before it.
    assert [(e["id"], e["org"]) for e in got_b["events"]] == [(1, "b")]
