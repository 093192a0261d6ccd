"""A realistic flow used across the flow tests (R-Q-5), in its stored JSON form."""

from __future__ import annotations

from typing import Any

import pytest


def example_flow_dict() -> dict[str, Any]:
    """Entry, business hours, menu, chatbot, two queues, callback, voicemail, hang-ups."""
    return {
        "id": "main",
        "name": "Main line",
        "nodes": [
            {
                "id": "in",
                "kind": "entry",
                "entry_type": "phone",
                "address": "+33 1 23 45 67 89",
                "next": "hours",
            },
            {
                "id": "hours",
                "kind": "business_hours",
                "open": "welcome",
                "closed": "closed_msg",
                "schedule": {
                    "time_zone": "Europe/Paris",
                    "days": {
                        d: [["09:00", "12:30"], ["13:30", "18:00"]]
                        for d in ("mon", "tue", "wed", "thu", "fri")
                    },
                    "holidays": ["2026-12-25"],
                },
            },
            {"id": "welcome", "kind": "message", "text": "Welcome.", "next": "menu"},
            {
                "id": "menu",
                "kind": "menu",
                "prompt": "1 sales, 2 support",
                "choices": {"1": "sales_q", "2": "bot"},
                "invalid": "retry",
                "no_input": "sales_q",
            },
            {"id": "retry", "kind": "message", "text": "Sorry, again.", "next": "menu"},
            {
                "id": "bot",
                "kind": "chatbot",
                "next": "support_q",
                "questions": [
                    {
                        "key": "topic",
                        "prompt": "Billing or technical?",
                        "choices": ["billing", "technical"],
                    },
                    {"key": "order_ref", "prompt": "Order number?", "required": False},
                ],
            },
            {
                "id": "sales_q",
                "kind": "queue",
                "queue_id": "sales",
                "wait_timeout_s": 120,
                "on_timeout": "cb",
                "on_exit": "vm",
            },
            {
                "id": "support_q",
                "kind": "queue",
                "queue_id": "support",
                "wait_timeout_s": 300,
                "on_timeout": "vm",
                "on_exit": "vm",
            },
            {
                "id": "cb",
                "kind": "callback",
                "queue_id": "sales",
                "prompt": "Press # for a callback",
                "accepted": "thanks",
                "declined": "sales_q",
            },
            {"id": "closed_msg", "kind": "message", "text": "We are closed.", "next": "vm"},
            {
                "id": "vm",
                "kind": "voicemail",
                "greeting": "Leave a message.",
                "mailbox": "sales",
                "next": "bye",
            },
            {"id": "thanks", "kind": "hangup", "message": "We will call you back."},
            {"id": "bye", "kind": "hangup", "message": "Goodbye."},
        ],
    }


@pytest.fixture
def flow_dict() -> dict[str, Any]:
    """The example flow's stored form, fresh for each test."""
    return example_flow_dict()
