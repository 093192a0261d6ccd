"""Flows API: every save-time rule of the engine answers 422 with its path (R-Q-5, R-W-7)."""

from __future__ import annotations

from typing import Any

from tests.api.test_flows import URL, graph, node, queue, refused
from tests.factories import Org, World


async def test_r_q_5_dangling_edge_refused_on_save(world: World, org_a: Org) -> None:
    """R-Q-5: an output that leads nowhere is refused, "so calls cannot get lost"."""
    sales = await queue(world, org_a)
    g = graph(sales)
    node(g, "sales_q")["on_exit"] = None
    node(g, "menu")["choices"]["2"] = "nowhere"
    r = await world.client.post(URL, json={"name": "Lost", "graph": g}, headers=org_a.admin)
    body = refused(
        r,
        ("/graph/nodes/sales_q/on_exit", "dangling_edge"),
        ("/graph/nodes/menu/choices/2", "unknown_target"),
    )
    assert "2 problems" in body["detail"]
    assert (await world.client.get(URL, headers=org_a.admin)).json() == []


async def test_r_q_5_orphan_queue_and_unreachable_nodes(world: World, org_a: Org) -> None:
    """R-Q-5: every node is reachable from the entry; a queue nobody reaches is an orphan."""
    sales = await queue(world, org_a)
    g = graph(sales)
    g["nodes"].append(
        {"id": "lonely_q", "kind": "queue", "queue_id": sales, "on_timeout": "bye",
         "on_exit": "bye"}
    )  # fmt: skip
    g["nodes"].append({"id": "note", "kind": "message", "text": "Hi", "next": "bye"})
    r = await world.client.post(URL, json={"name": "Orphans", "graph": g}, headers=org_a.admin)
    refused(r, ("/graph/nodes/lonely_q", "orphan_queue"), ("/graph/nodes/note", "unreachable"))


async def test_r_q_5_queue_of_another_organization_is_unknown(
    world: World, org_a: Org, org_b: Org
) -> None:
    """R-Q-5: queue and callback nodes name a queue of the flow's organization."""
    sales = await queue(world, org_a)
    foreign = await queue(world, org_b, "Theirs")
    g = graph(sales)
    node(g, "sales_q")["queue_id"] = foreign
    r = await world.client.post(URL, json={"name": "X", "graph": g}, headers=org_a.admin)
    refused(r, ("/graph/nodes/sales_q/queue_id", "unknown_queue"))
    node(g, "sales_q")["queue_id"] = ""
    r = await world.client.post(URL, json={"name": "X", "graph": g}, headers=org_a.admin)
    refused(r, ("/graph/nodes/sales_q/queue_id", "missing_queue"))


async def test_r_q_5_format_errors_and_node_rules(world: World, org_a: Org) -> None:
    """R-Q-5: malformed graphs (kind, key, type, duplicate id) and node rules answer 422."""
    sales = await queue(world, org_a)
    cases: list[tuple[str, Any, str, str]] = [
        ("sales_q", {"kind": "teleport"}, "/graph/nodes/3/kind", "bad_format"),
        ("sales_q", {"colour": "red"}, "/graph/nodes/3/colour", "bad_format"),
        ("sales_q", {"wait_timeout_s": "long"}, "/graph/nodes/3/wait_timeout_s", "bad_format"),
        ("menu_again", {"id": "menu"}, "/graph/nodes/2/id", "bad_format"),
        ("sales_q", {"wait_timeout_s": 0}, "/graph/nodes/sales_q/wait_timeout_s", "bad_timeout"),
        ("menu", {"choices": {"x": "sales_q"}}, "/graph/nodes/menu/choices/x", "bad_menu_key"),
        ("in", {"address": "not a number"}, "/graph/nodes/in/address", "bad_entry"),
        ("menu_again", {"text": " "}, "/graph/nodes/menu_again/text", "empty_text"),
        ("menu_again", {"next": "in"}, "/graph/nodes/menu_again/next", "edge_to_entry"),
    ]
    for node_id, change, field, code in cases:
        g = graph(sales)
        node(g, node_id).update(change)
        r = await world.client.post(URL, json={"name": "X", "graph": g}, headers=org_a.admin)
        refused(r, (field, code))
    g = graph(sales)
    g["nodes"] = [n for n in g["nodes"] if n["kind"] != "entry"]
    r = await world.client.post(URL, json={"name": "X", "graph": g}, headers=org_a.admin)
    refused(r, ("/graph/nodes", "no_entry"))
    r = await world.client.post(URL, json={"name": "X", "graph": {"nodes": "all"}},
                                headers=org_a.admin)  # fmt: skip
    refused(r, ("/graph/nodes", "bad_format"))
    assert (await world.client.get(URL, headers=org_a.admin)).json() == []


async def test_r_q_5_validate_is_a_dry_run(world: World, org_a: Org) -> None:
    """R-Q-5: /flows/validate lists the problems (or none) and saves nothing."""
    sales = await queue(world, org_a)
    check = f"{URL}/validate"
    r = await world.client.post(check, json={"graph": graph(sales)}, headers=org_a.admin)
    assert r.status_code == 200 and r.json() == {"valid": True, "errors": []}
    g = graph(sales)
    node(g, "vm")["next"] = None
    node(g, "menu_again")["next"] = "menu_again"  # a message looping on itself
    out = (await world.client.post(check, json={"graph": g}, headers=org_a.admin)).json()
    assert out["valid"] is False
    found = {(e["field"], e["code"], e["rule"]) for e in out["errors"]}
    assert ("/graph/nodes/vm/next", "dangling_edge", "R-Q-5") in found
    assert ("/graph/nodes/menu_again", "endless_loop", "R-Q-5") in found
    g = graph(sales)
    g["nodes"].insert(1, {"id": "bot", "kind": "chatbot", "questions": [], "next": "menu"})
    node(g, "in")["next"] = "bot"
    out = (await world.client.post(check, json={"graph": g}, headers=org_a.admin)).json()
    assert out["errors"] == [
        {"field": "/graph/nodes/bot/questions", "message": "ask one question at least",
         "rule": "R-W-7", "code": "empty_chatbot"}
    ]  # fmt: skip
    out = await world.client.post(check, json={"graph": {"edges": []}}, headers=org_a.admin)
    assert out.json()["errors"][0]["code"] == "bad_format"
    assert (await world.client.get(URL, headers=org_a.admin)).json() == []
