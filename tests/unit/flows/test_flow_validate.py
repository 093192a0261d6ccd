"""Flow validation on save (R-Q-5, R-W-7): dangling edges and the other structural rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from guichet.flows import FlowFormatError, flow_from_dict, flow_to_dict, validate_flow


def nodes_by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in data["nodes"]}


def test_r_q_5_example_flow_is_valid_and_round_trips_through_json(
    flow_dict: dict[str, Any],
) -> None:
    """R-Q-5: the example graph validates; dict -> flow -> JSON -> flow is lossless."""
    flow = flow_from_dict(flow_dict)
    assert validate_flow(flow, known_queue_ids={"sales", "support"}) == []
    again = flow_from_dict(json.loads(json.dumps(flow_to_dict(flow))))
    assert again == flow


def _set(node: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        nodes_by_id(data)[node][key] = value

    return change


def _drop(node: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["nodes"] = [n for n in data["nodes"] if n["id"] != node]

    return change


def _add(node: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["nodes"].append(node)

    return change


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        (_set("welcome", "next", None), "/nodes/welcome/next", "dangling_edge"),
        (_set("sales_q", "on_exit", None), "/nodes/sales_q/on_exit", "dangling_edge"),
        (
            _set("menu", "choices", {"1": "sales_q", "2": None}),
            "/nodes/menu/choices/2",
            "dangling_edge",
        ),
        (_set("menu", "no_input", ""), "/nodes/menu/no_input", "dangling_edge"),
        (_set("cb", "accepted", "nowhere"), "/nodes/cb/accepted", "unknown_target"),
        (_set("retry", "next", "in"), "/nodes/retry/next", "edge_to_entry"),
        (_drop("in"), "/nodes", "no_entry"),
        (
            _add(
                {
                    "id": "in2",
                    "kind": "entry",
                    "entry_type": "widget",
                    "address": "site",
                    "next": "welcome",
                }
            ),
            "/nodes/in2",
            "several_entries",
        ),
        (
            _add(
                {
                    "id": "lost",
                    "kind": "queue",
                    "queue_id": "sales",
                    "on_timeout": "vm",
                    "on_exit": "vm",
                }
            ),
            "/nodes/lost",
            "orphan_queue",
        ),
        (_add({"id": "lone", "kind": "hangup"}), "/nodes/lone", "unreachable"),
        (
            _set("menu", "choices", {"1": "sales_q", "A": "bot"}),
            "/nodes/menu/choices/A",
            "bad_menu_key",
        ),
        (_set("menu", "choices", {}), "/nodes/menu/choices", "empty_menu"),
        (_set("sales_q", "wait_timeout_s", 0), "/nodes/sales_q/wait_timeout_s", "bad_timeout"),
        (_set("sales_q", "queue_id", ""), "/nodes/sales_q/queue_id", "missing_queue"),
        (_set("support_q", "queue_id", "ghost"), "/nodes/support_q/queue_id", "unknown_queue"),
        (_set("in", "address", "not a number"), "/nodes/in/address", "bad_entry"),
        # Issue 12 finding 7: digits are ASCII digits (full-width ones are no phone number).
        (_set("in", "address", "+３３ １ ２３ ４５ ６７ ８９"), "/nodes/in/address", "bad_entry"),
        (
            _set("hours", "schedule", {"days": {"mon": [["０９:００", "18:00"]]}}),
            "/nodes/hours/schedule/days/mon/0",
            "bad_schedule",
        ),
        (_set("welcome", "text", "  "), "/nodes/welcome/text", "empty_text"),
        (
            _set("hours", "schedule", {"time_zone": "Mars/Olympus"}),
            "/nodes/hours/schedule/time_zone",
            "bad_schedule",
        ),
        (
            _set("hours", "schedule", {"days": {"mon": [["18:00", "09:00"]]}}),
            "/nodes/hours/schedule/days/mon/0",
            "bad_schedule",
        ),
        (_set("closed_msg", "next", "welcome2"), "/nodes/closed_msg/next", "unknown_target"),
    ],
)
def test_r_q_5_validation_refuses(
    flow_dict: dict[str, Any], change: Callable[[dict[str, Any]], None], path: str, code: str
) -> None:
    """R-Q-5: each broken rule is reported with its path, code and rule id."""
    change(flow_dict)
    problems = validate_flow(flow_from_dict(flow_dict), known_queue_ids={"sales", "support"})
    assert (path, code) in {(p.path, p.code) for p in problems}
    assert all(p.rule_id in ("R-Q-5", "R-W-7") for p in problems)


def test_r_q_5_message_only_cycle_is_refused(flow_dict: dict[str, Any]) -> None:
    """R-Q-5: messages pointing at each other would loop forever without the caller."""
    nodes = nodes_by_id(flow_dict)
    nodes["welcome"]["next"] = "retry"
    nodes["retry"]["next"] = "welcome"
    codes = {p.code for p in validate_flow(flow_from_dict(flow_dict))}
    assert "endless_loop" in codes


def test_r_q_5_menu_retry_loop_is_allowed(flow_dict: dict[str, Any]) -> None:
    """R-Q-5: a loop through a menu waits for the caller each time, so it is fine."""
    nodes_by_id(flow_dict)["menu"]["invalid"] = "menu"
    _drop("retry")(flow_dict)
    assert validate_flow(flow_from_dict(flow_dict)) == []


def test_r_w_7_chatbot_questions_are_checked(flow_dict: dict[str, Any]) -> None:
    """R-W-7: a chatbot asks something, with distinct, well-formed context keys."""
    bot = nodes_by_id(flow_dict)["bot"]
    bot["questions"] = [
        {"key": "topic", "prompt": "?"},
        {"key": "topic", "prompt": "?"},
        {"key": "1bad key", "prompt": "?"},
    ]
    problems = validate_flow(flow_from_dict(flow_dict))
    assert {(p.code, p.rule_id) for p in problems} == {
        ("duplicate_key", "R-W-7"),
        ("bad_key", "R-W-7"),
    }
    bot["questions"] = []
    assert [p.code for p in validate_flow(flow_from_dict(flow_dict))] == ["empty_chatbot"]


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.update(nodes={}), "/nodes"),
        (lambda d: d.update(extra=1), "/extra"),
        (lambda d: d["nodes"].append({"id": "x", "kind": "teleport"}), "/nodes/13/kind"),
        (lambda d: d["nodes"].append({"kind": "hangup"}), "/nodes/13/id"),
        (lambda d: d["nodes"].append(dict(d["nodes"][0])), "/nodes/13/id"),
        (lambda d: d["nodes"][6].update(wait_timeout_s="long"), "/nodes/6/wait_timeout_s"),
        (lambda d: d["nodes"][6].update(script="rm -rf"), "/nodes/6/script"),
        (
            lambda d: d["nodes"][1]["schedule"].update(holidays=["25/12"]),
            "/nodes/1/schedule/holidays/0",
        ),
        (lambda d: d["nodes"][0].update(entry_type="fax"), "/nodes/0/entry_type"),
    ],
)
def test_r_q_5_malformed_data_is_refused_with_a_path(
    flow_dict: dict[str, Any], mutate: Callable[[dict[str, Any]], None], path: str
) -> None:
    """R-Q-5: stored/submitted data is allowlisted; wrong keys or types name their path."""
    mutate(flow_dict)
    with pytest.raises(FlowFormatError) as info:
        flow_from_dict(flow_dict)
    assert info.value.path == path
    assert info.value.rule_id == "R-Q-5"
