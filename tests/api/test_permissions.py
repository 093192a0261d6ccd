"""Contact-center permission switches: read, change, reset, and their effect (R-P-2..R-P-4)."""

from __future__ import annotations

from typing import Any

from tests.factories import Org, World, problem

URL = "/api/v1/contact-center/permissions"

DEFAULTS: dict[str, dict[str, bool]] = {
    "supervisor": {
        "supervisor_config_portal": True,
        "supervisor_limit_to_assigned_queues": True,
        "supervisor_view_queue_settings": True,
        "supervisor_manage_queue_settings": False,
        "supervisor_view_pause_reasons": True,
        "supervisor_manage_pause_reasons": False,
        "supervisor_view_skills": True,
        "supervisor_manage_skills": False,
    },
    "agent": {
        "agent_manage_own_canned": True,
        "agent_manage_public_canned": False,
        "agent_create_labels": False,
    },
    "organization": {"allow_unassigned_queue_login": False},
}


async def _get(world: World, headers: dict[str, str]) -> Any:
    r = await world.client.get(URL, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _patch(world: World, headers: dict[str, str], body: dict[str, Any]) -> Any:
    r = await world.client.patch(URL, json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_r_p_2_every_switch_grouped_with_defaults(world: World, org_a: Org) -> None:
    """R-P-2, R-P-3, R-P-4: GET shows every switch by group, at their defaults."""
    body = await _get(world, org_a.admin)
    assert {k: body[k] for k in DEFAULTS} == DEFAULTS
    assert body["version"] >= 1


async def test_r_p_2_patch_changes_only_the_switches_sent(world: World, org_a: Org) -> None:
    """R-P-2: a PATCH changes the given switches and leaves the others."""
    before = await _get(world, org_a.admin)
    after = await _patch(
        world,
        org_a.admin,
        {
            "supervisor": {"supervisor_manage_skills": True, "supervisor_view_skills": None},
            "agent": {"agent_manage_own_canned": False},
        },
    )
    expected = {g: dict(v) for g, v in DEFAULTS.items()}
    expected["supervisor"]["supervisor_manage_skills"] = True
    expected["agent"]["agent_manage_own_canned"] = False
    assert {k: after[k] for k in DEFAULTS} == expected
    assert after["version"] == before["version"] + 1
    assert {k: v for k, v in (await _get(world, org_a.admin)).items() if k in DEFAULTS} == expected
    # sending values already in place is not a change
    same = await _patch(world, org_a.admin, {"supervisor": {"supervisor_manage_skills": True}})
    assert same["version"] == after["version"]


async def test_r_p_2_unknown_or_non_boolean_switches_are_refused(world: World, org_a: Org) -> None:
    """R-P-2: unknown keys, flat keys and non-booleans are 422 and change nothing."""
    before = await _get(world, org_a.admin)
    bodies: list[dict[str, Any]] = [
        {"supervisor": {"supervisor_fly": True}},
        {"agent": {"supervisor_manage_skills": True}},
        {"agent_create_labels": True},
        {"agent": {"agent_create_labels": "yes"}},
        {"agent": {"agent_create_labels": 1}},
        {"organization": {"allow_unassigned_queue_login": True}, "billing": {}},
    ]
    for body in bodies:
        problem(await world.client.patch(URL, json=body, headers=org_a.admin), 422)
    assert await _get(world, org_a.admin) == before


async def test_r_p_2_reset_restores_every_default(world: World, org_a: Org) -> None:
    """R-P-2 "reset to defaults" restores supervisor, agent and organization switches."""
    flipped = {g: {k: not v for k, v in switches.items()} for g, switches in DEFAULTS.items()}
    changed = await _patch(world, org_a.admin, flipped)
    assert {k: changed[k] for k in DEFAULTS} == flipped
    r = await world.client.post(f"{URL}/reset", headers=org_a.admin)
    assert r.status_code == 200
    assert {k: r.json()[k] for k in DEFAULTS} == DEFAULTS
    assert r.json()["version"] > changed["version"]
    assert {k: v for k, v in (await _get(world, org_a.admin)).items() if k in DEFAULTS} == DEFAULTS


async def test_r_p_4_unassigned_queue_login_switch_is_stored_and_reset(
    world: World, org_a: Org
) -> None:
    """R-P-4: the organization switch is saved, read back, and reset to off."""
    on = await _patch(world, org_a.admin, {"organization": {"allow_unassigned_queue_login": True}})
    assert on["organization"] == {"allow_unassigned_queue_login": True}
    assert (await _get(world, org_a.admin))["organization"]["allow_unassigned_queue_login"] is True
    await world.client.post(f"{URL}/reset", headers=org_a.admin)
    assert (await _get(world, org_a.admin))["organization"]["allow_unassigned_queue_login"] is False


async def test_r_p_2_only_administrators_change_supervisors_read(world: World, org_a: Org) -> None:
    """R-P-2: supervisors read the switches; only administrators change or reset them."""
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    alice = await world.user(org_a, "alice")
    assert (await _get(world, sam))["supervisor"] == DEFAULTS["supervisor"]
    body = {"supervisor": {"supervisor_manage_pause_reasons": True}}
    problem(await world.client.patch(URL, json=body, headers=sam), 403)
    problem(await world.client.post(f"{URL}/reset", headers=sam), 403)
    problem(await world.client.get(URL, headers=alice), 403)
    problem(await world.client.patch(URL, json=body, headers=alice), 403)
    assert (await _get(world, org_a.admin))["supervisor"] == DEFAULTS["supervisor"]
    # R-P-2: without the configuration portal switch, supervisors lose access to this page too
    await _patch(world, org_a.admin, {"supervisor": {"supervisor_config_portal": False}})
    problem(await world.client.get(URL, headers=sam), 403)


async def test_r_p_2_switch_takes_effect_on_the_next_request(world: World, org_a: Org) -> None:
    """R-P-2: turning on "manage pause reasons" lets a supervisor create one at once."""
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    reasons = "/api/v1/pause-reasons"
    problem(await world.client.post(reasons, json={"name": "Coaching"}, headers=sam), 403)
    await _patch(world, org_a.admin, {"supervisor": {"supervisor_manage_pause_reasons": True}})
    assert (
        await world.client.post(reasons, json={"name": "Coaching"}, headers=sam)
    ).status_code == 201
    me = (await world.client.get("/api/v1/me", headers=sam)).json()
    assert "pause_reasons.manage" in me["permissions"]
    await world.client.post(f"{URL}/reset", headers=org_a.admin)
    problem(await world.client.post(reasons, json={"name": "Again"}, headers=sam), 403)


async def test_r_p_3_agent_switches_take_effect_on_the_next_request(
    world: World, org_a: Org
) -> None:
    """R-P-3: "create custom labels" and "manage public canned messages" apply at once."""
    alice = await world.user(org_a, "alice")
    labels, canned = "/api/v1/labels", "/api/v1/canned-messages"
    public = {"shortcut": "/hi", "text": "Hello!", "visibility": "public"}
    problem(await world.client.post(labels, json={"name": "VIP"}, headers=alice), 403)
    problem(await world.client.post(canned, json=public, headers=alice), 403)
    await _patch(
        world,
        org_a.admin,
        {"agent": {"agent_create_labels": True, "agent_manage_public_canned": True}},
    )
    assert (await world.client.post(labels, json={"name": "VIP"}, headers=alice)).status_code == 201
    assert (await world.client.post(canned, json=public, headers=alice)).status_code == 201
    await _patch(world, org_a.admin, {"agent": {"agent_manage_own_canned": False}})
    own = {"shortcut": "/me", "text": "Mine"}
    problem(await world.client.post(canned, json=own, headers=alice), 403)


async def test_r_p_2_switches_are_per_organization(world: World, org_a: Org, org_b: Org) -> None:
    """R-P-2..R-P-4: a change in one organization leaves the other's switches alone."""
    await _patch(world, org_a.admin, {"agent": {"agent_create_labels": True}})
    assert (await _get(world, org_b.admin))["agent"] == DEFAULTS["agent"]
    await world.client.post(f"{URL}/reset", headers=org_b.admin)
    assert (await _get(world, org_a.admin))["agent"]["agent_create_labels"] is True
    bob = await world.user(org_b, "bob")
    problem(await world.client.post("/api/v1/labels", json={"name": "B"}, headers=bob), 403)
