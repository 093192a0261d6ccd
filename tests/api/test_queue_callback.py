"""Queue callback settings through the API: threshold, caller ID, number types (R-Q-6)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_queues import URL, expect, make, refused
from tests.factories import Org, World

ENABLED: dict[str, Any] = {
    "callback_enabled": True,
    "callback_threshold": {"value": 2, "unit": "minutes"},
    "callback_caller_id": "+33 1 23 45 67 89",
    "callback_number_types": ["landline", "mobile"],
}


async def test_r_q_6_callback_enabled_is_stored_in_seconds(world: World, org_a: Org) -> None:
    """R-Q-6: the threshold is kept in seconds, the caller ID in E.164, types in order."""
    q = await make(world, org_a, name="Cb", **ENABLED)
    assert q["callback_enabled"] is True
    assert q["callback_threshold_s"] == 120
    assert q["callback_threshold"] == {"value": 2, "unit": "minutes"}
    assert q["callback_caller_id"] == "+33123456789"
    assert q["callback_number_types"] == ["mobile", "landline"]
    r = await world.client.patch(
        f"{URL}/{q['id']}",
        json={"callback_threshold": {"value": "1,5", "unit": "hours"}},
        headers=org_a.admin,
    )
    assert r.status_code == 200, r.text
    assert r.json()["callback_threshold_s"] == 5400
    assert r.json()["callback_threshold"] == {"value": 90, "unit": "minutes"}
    r = await world.client.patch(
        f"{URL}/{q['id']}",
        json={"callback_threshold": {"value": 45, "unit": "seconds"}},
        headers=org_a.admin,
    )
    assert r.json()["callback_threshold"] == {"value": 45, "unit": "seconds"}


@pytest.mark.parametrize(
    "value",
    ["abc", "10s", "", "1e3", 0, -5, "0", True, None, [1], 100_000],
)
async def test_r_q_6_threshold_refuses_non_numeric_zero_and_negative(
    world: World, org_a: Org, value: Any
) -> None:
    """R-Q-6: the threshold must be a number greater than 0 (and at most a day)."""
    body = {**ENABLED, "name": "X", "callback_threshold": {"value": value, "unit": "seconds"}}
    problem = await refused(world, org_a, body, 422, "R-Q-6")
    assert problem["field"].startswith("callback_threshold")


async def test_r_q_6_threshold_unit_must_be_known(world: World, org_a: Org) -> None:
    """R-Q-6: seconds, minutes or hours."""
    body = {**ENABLED, "name": "X", "callback_threshold": {"value": 1, "unit": "days"}}
    await refused(world, org_a, body, 422, "R-Q-6")


@pytest.mark.parametrize(
    ("missing", "field"),
    [
        ("callback_threshold", "callback_threshold"),
        ("callback_caller_id", "callback_caller_id"),
        ("callback_number_types", "callback_number_types"),
    ],
)
async def test_r_q_6_enabling_needs_every_setting(
    world: World, org_a: Org, missing: str, field: str
) -> None:
    """R-Q-6: an enabled callback needs a threshold, a caller ID and allowed number types."""
    body = {k: v for k, v in ENABLED.items() if k != missing} | {"name": "X"}
    assert (await refused(world, org_a, body, 422, "R-Q-6"))["field"] == field


@pytest.mark.parametrize("caller_id", ["0123456789", "anonymous", "+0123456789", "+12", ""])
async def test_r_q_6_caller_id_must_be_e164(world: World, org_a: Org, caller_id: str) -> None:
    """R-Q-6: the number shown on the callback is an E.164 number."""
    body = {**ENABLED, "name": "X", "callback_caller_id": caller_id}
    assert (await refused(world, org_a, body, 422, "R-Q-6"))["field"] == "callback_caller_id"


async def test_r_q_6_number_types_are_a_known_subset(world: World, org_a: Org) -> None:
    """R-Q-6: mobile, landline, international, toll_free only."""
    for types in (["premium"], ["mobile", "fax"]):
        body = {**ENABLED, "name": "X", "callback_number_types": types}
        await refused(world, org_a, body, 422, "R-Q-6")


async def test_r_q_6_disabled_settings_are_kept_but_still_checked(world: World, org_a: Org) -> None:
    """R-Q-6: settings may be prepared while disabled, but must already be valid."""
    q = await make(world, org_a, name="Later", callback_threshold={"value": 30, "unit": "seconds"})
    assert (q["callback_enabled"], q["callback_threshold_s"]) == (False, 30)
    await refused(world, org_a, {"name": "X", "callback_caller_id": "nope"}, 422, "R-Q-6")
    r = await world.client.patch(
        f"{URL}/{q['id']}", json={"callback_enabled": True}, headers=org_a.admin
    )
    assert expect(r, 422, "R-Q-6")["field"] == "callback_caller_id"
    changes = {"callback_enabled": True, "callback_caller_id": "+441234567890"}
    changes["callback_number_types"] = ["international"]
    r = await world.client.patch(f"{URL}/{q['id']}", json=changes, headers=org_a.admin)
    assert r.status_code == 200, r.text
    r = await world.client.patch(
        f"{URL}/{q['id']}", json={"callback_threshold": None}, headers=org_a.admin
    )
    assert expect(r, 422, "R-Q-6")["field"] == "callback_threshold"


async def test_r_q_6_callback_is_for_call_queues(world: World, org_a: Org) -> None:
    """R-Q-6: callers are called back; a chat queue cannot enable it."""
    body = {**ENABLED, "name": "Chat", "kind": "chat"}
    assert (await refused(world, org_a, body, 422, "R-Q-6"))["field"] == "callback_enabled"
