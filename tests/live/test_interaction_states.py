"""One vocabulary of interaction states, enforced in one place (issue 12 finding 9).

An unrouted interaction answered "the conversation is over" to a message yet took a
disposition; now what each state accepts is one table (domain/states.py), documented in
docs/concepts.md and checked by `actions.interactions.check_state`.
"""

from __future__ import annotations

import re
from pathlib import Path

from guichet.domain import states
from tests.factories import Org, problem
from tests.live.conftest import LiveWorld
from tests.live.helpers import chat, post

DOCS = Path(__file__).resolve().parents[2] / "docs" / "concepts.md"


async def test_an_unrouted_interaction_takes_no_message_tag_or_disposition(
    world: LiveWorld, org_a: Org
) -> None:
    """R-TR-1, R-W-2, R-W-3: never handled, so nothing of handling applies to it."""
    ix = await chat(world, org_a)
    assert ix["status"] == "unrouted"
    iid = ix["id"]
    solved = await post(world, "/api/v1/dispositions", org_a.admin, {"name": "Solved"})
    tag = await post(world, "/api/v1/tags", org_a.admin, {"name": "refund"})
    url = f"/api/v1/interactions/{iid}"

    r = await world.client.post(
        f"{url}/messages", json={"body": "hello?", "sender": "contact"}, headers=org_a.admin
    )
    body = problem(r, 409)
    assert (body["code"], body["rule"], body["field"]) == ("wrong_state", "R-W-2", "body")
    assert "unrouted" in body["detail"]

    r = await world.client.patch(
        f"{url}/wrap-up", json={"disposition_id": solved["id"]}, headers=org_a.admin
    )
    body = problem(r, 409)
    assert (body["code"], body["rule"], body["field"]) == ("wrong_state", "R-W-3", "disposition_id")
    r = await world.client.patch(f"{url}/wrap-up", json={"notes": "x"}, headers=org_a.admin)
    assert problem(r, 409)["field"] == "notes"

    r = await world.client.put(f"{url}/tags", json={"tag_ids": [tag["id"]]}, headers=org_a.admin)
    body = problem(r, 409)
    assert (body["code"], body["rule"], body["field"]) == ("wrong_state", "R-W-2", "tag_ids")

    got = (await world.client.get(url, headers=org_a.admin)).json()
    assert (got["disposition_id"], got["notes"], got["tag_ids"]) == (None, "", [])


def test_every_status_and_operation_is_in_the_table() -> None:
    assert set(states.ALL) == {
        "new", "in_flow", "waiting", "offered", "callback", "assigned", "paused",
        "ended", "abandoned", "unrouted",
    }  # fmt: skip
    assert set(states.ACCEPTED) == set(states.Op)
    for accepted, rule in states.ACCEPTED.values():
        assert set(accepted) <= set(states.ALL) and re.fullmatch(r"R-[A-Z]+-\d+", rule)
    never = set(states.NEVER_HANDLED)
    for op in (states.Op.MESSAGE, states.Op.TAGS, states.Op.WRAP_UP):
        assert not never & set(states.ACCEPTED[op][0]), op


def test_docs_concepts_states_the_same_table() -> None:
    """docs/concepts.md "Interaction states" lists what the code enforces, group by group."""
    text = DOCS.read_text()
    section = text.split("## Interaction states", 1)[1].split("\n## ", 1)[0]
    groups = {
        "routing": set(states.ROUTING),
        "held": set(states.HELD),
        "`ended`": {states.ENDED},
        "`offered`": {"offered"},
        "`assigned`": {"assigned"},
    }
    rows = re.findall(r"^\| ([a-z][^|]*?) \| ([^|]+) \| (R-[A-Z]+-\d+) \|$", section, re.M)
    documented = {}
    for what, accepted, rule in rows:
        names: set[str] = set()
        for part in accepted.split(","):
            names |= groups[part.strip()]
        documented[what.split(" (")[0]] = (names, rule)
    words = {
        states.Op.MESSAGE: "message",
        states.Op.TAGS: "tags",
        states.Op.WRAP_UP: "disposition and notes",
        states.Op.JOIN: "join",
        states.Op.EVALUATE: "evaluate",
        states.Op.ACCEPT: "accept or reject an offer",
        states.Op.TRANSFER: "transfer",
        states.Op.PAUSE: "pause",
        states.Op.END: "end",
        states.Op.KEY: "key press",
    }
    for op, (accepted, rule) in states.ACCEPTED.items():
        assert documented[words[op]] == (set(accepted), rule), op
