"""Over the WebSocket: the live snapshot, then offers, assignments and messages as events."""

from __future__ import annotations

from typing import Any

from guichet.live.snapshot import apply_event, live_snapshot
from tests.conftest import Database
from tests.realtime.ws_support import Live, frame, register, serve


def _ok(r: Any) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_r_x_3_offer_reaches_the_agent_socket_with_its_explanation(database: Database) -> None:
    """R-X-3, R-Q-4: register, then the offer (with why), assignment and messages arrive."""
    with serve(database) as live:
        _run(live)


def _run(live: Live) -> None:
    live.state.snapshots = live_snapshot(live.state.sessions)
    ada = live.member("ws", "ada", roles=("administrator", "supervisor"))
    ann = live.member("ws", "ann", roles=("agent",))
    c = live.client
    q = _ok(
        c.post(
            "/api/v1/queues",
            json={"kind": "chat", "name": "Web", "channel_types": ["chat"]},
            headers=ada.headers,
        )
    )
    _ok(
        c.put(
            f"/api/v1/queues/{q['id']}/members",
            json={"agents": [ann.user_id], "supervisors": []},
            headers=ada.headers,
        )
    )
    _ok(c.put("/api/v1/agent/queues", json={"queue_ids": [q["id"]]}, headers=ann.headers))
    _ok(c.put("/api/v1/agent/state", json={"state": "available"}, headers=ann.headers))
    with live.connect(ann) as ws:
        got = register(ws)
        snap = got["snapshot"]
        assert snap["agent"]["state"] == "available" and snap["offers"] == {}
        ix = _ok(
            c.post(
                "/api/v1/interactions",
                json={"channel": "chat", "queue_id": q["id"]},
                headers=ada.headers,
            )
        )
        events = frame(ws, "events")["events"]
        offer = next(e for e in events if e["type"] == "offer")
        assert offer["offer"]["interaction_id"] == ix["id"]
        assert offer["offer"]["explanation"]["rule"] == "R-Q-4"
        _ok(c.post(f"/api/v1/agent/offers/{ix['id']}/accept", headers=ann.headers))
        _ok(
            c.post(
                f"/api/v1/interactions/{ix['id']}/messages",
                json={"body": "hello", "sender": "contact"},
                headers=ada.headers,
            )
        )
        seen = list(events)
        while not any(e["type"] == "message" for e in seen):
            seen += frame(ws, "events")["events"]
        state = snap
        for e in seen:
            state = apply_event(state, e)
        assert state["interactions"][str(ix["id"])]["status"] == "assigned"
        assert state["offers"] == {}
        message = next(e for e in seen if e["type"] == "message")["message"]
        assert (message["sender"], message["body"]) == ("contact", "hello")
