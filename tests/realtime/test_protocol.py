"""Client frames: what parses, what is refused, and that refusals never raise anything else."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.realtime import protocol as proto


def test_each_frame_kind_parses() -> None:
    assert proto.parse_frame('{"op": "ping"}') == proto.Ping(op="ping")
    assert proto.parse_frame('{"op": "register"}').event_types is None  # type: ignore[union-attr]
    got = proto.parse_frame('{"op": "register", "event_types": ["queue.updated"]}')
    assert got == proto.Register(op="register", event_types=["queue.updated"])
    got = proto.parse_frame('{"op": "resume", "queue_id": "q1", "last_event_id": 4}')
    assert got == proto.Resume(op="resume", queue_id="q1", last_event_id=4)
    assert proto.parse_frame('{"op": "ack", "last_event_id": 0}') == proto.Ack(
        op="ack", last_event_id=0
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "null",
        '"ping"',
        '{"op": "PING"}',
        '{"op": "register", "event_types": [1]}',
        '{"op": "register", "event_types": ' + json.dumps(["t"] * 201) + "}",
        '{"op": "resume", "queue_id": "", "last_event_id": 0}',
        '{"op": "resume", "queue_id": "q", "last_event_id": 1.5}',
        '{"op": "ack", "last_event_id": 99999999999999999999999}',
    ],
)
def test_bad_frames_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(proto.BadFrame) as info:
        proto.parse_frame(text)
    assert info.value.detail


@given(st.text(max_size=200) | st.recursive(st.none() | st.integers() | st.text(), st.lists))
def test_any_input_parses_or_is_a_bad_frame(value: object) -> None:
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        frame = proto.parse_frame(text)
    except proto.BadFrame as exc:
        assert exc.detail
    else:
        assert frame.op in {"register", "resume", "ack", "ping"}
