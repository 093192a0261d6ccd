"""Pause reasons: names, the system reason, the agent menu mode, permissions (R-Q-9, R-P-2)."""

from __future__ import annotations

import pytest

from tests.api.catalog_support import NamedList
from tests.factories import Org, World, problem

REASONS = NamedList("/api/v1/pause-reasons")
URL = REASONS.url
_create, _names = REASONS.create, REASONS.names


async def test_r_q_9_add_rename_disable_delete(world: World, org_a: Org) -> None:
    """R-Q-9: add, rename, enable/disable and delete a reason."""
    created = await _create(world, org_a.admin, "Lunch")
    assert created["enabled"] is True and created["is_system"] is False
    assert await _names(world, org_a.admin) == ["Lunch", "No answer"]
    rid = created["id"]
    renamed = await world.client.patch(f"{URL}/{rid}", json={"name": "Meal"}, headers=org_a.admin)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Meal"
    off = await world.client.patch(f"{URL}/{rid}", json={"enabled": False}, headers=org_a.admin)
    assert off.json()["enabled"] is False and off.json()["name"] == "Meal"
    assert await _names(world, org_a.admin, "?enabled=false") == ["Meal"]
    assert await _names(world, org_a.admin, "?enabled=true") == ["No answer"]
    got = await world.client.get(f"{URL}/{rid}", headers=org_a.admin)
    assert got.json()["enabled"] is False
    assert (await world.client.delete(f"{URL}/{rid}", headers=org_a.admin)).status_code == 204
    problem(await world.client.get(f"{URL}/{rid}", headers=org_a.admin), 404)
    assert await _names(world, org_a.admin) == ["No answer"]


async def test_r_q_9_name_unique_regardless_of_case(world: World, org_a: Org) -> None:
    """R-Q-9: duplicates are refused whatever their case, on create and on rename."""
    await _create(world, org_a.admin, "Coffee break")
    dup = problem(
        await world.client.post(URL, json={"name": "COFFEE BREAK"}, headers=org_a.admin), 409
    )
    assert dup["field"] == "name" and dup["rule"] == "R-Q-9"
    problem(await world.client.post(URL, json={"name": "no answer"}, headers=org_a.admin), 409)
    other = await _create(world, org_a.admin, "Training")
    clash = await world.client.patch(
        f"{URL}/{other['id']}", json={"name": "coffee Break", "enabled": False}, headers=org_a.admin
    )
    assert problem(clash, 409)["rule"] == "R-Q-9"
    # the refused change changed nothing, not even the enabled flag sent with it
    after = (await world.client.get(f"{URL}/{other['id']}", headers=org_a.admin)).json()
    assert after["name"] == "Training" and after["enabled"] is True
    # a change of case of its own name is a rename, not a duplicate
    recased = await world.client.patch(
        f"{URL}/{other['id']}", json={"name": "TRAINING"}, headers=org_a.admin
    )
    assert recased.status_code == 200 and recased.json()["name"] == "TRAINING"


async def test_r_q_9_at_most_255_characters_and_not_blank(world: World, org_a: Org) -> None:
    """R-Q-9: the limit is 255 characters; a blank name is refused."""
    assert len((await _create(world, org_a.admin, "é" * 255))["name"]) == 255
    long = problem(await world.client.post(URL, json={"name": "a" * 256}, headers=org_a.admin), 422)
    assert long["rule"] == "R-Q-9" and long["field"] == "name"
    blank = problem(await world.client.post(URL, json={"name": "   "}, headers=org_a.admin), 422)
    assert blank["rule"] == "R-Q-9"
    problem(await world.client.post(URL, json={"name": ""}, headers=org_a.admin), 422)
    assert len(await _names(world, org_a.admin)) == 2


@pytest.mark.parametrize(
    "name",
    [
        "Pause café",
        "Rendez-vous n° 2 (médecin) & co.",
        "Œuvres sociales – 15h30 / 16h",
        "Ärztin: 50 % @home #1 ! ? * + = $ € ' \" ~",
        "Ñandú ß Ł ø Å",
        "Break ☕",
    ],
)
async def test_r_q_9_latin_letters_digits_periods_special_characters(
    world: World, org_a: Org, name: str
) -> None:
    """R-Q-9: spaces, Latin letters (accented too), digits, periods and special characters."""
    assert (await _create(world, org_a.admin, name))["name"] == name


@pytest.mark.parametrize("name", ["Tab\there", "Line\nbreak", "Nul\x00", "Del\x7f", "Bidi\u202eX"])
async def test_r_q_9_control_characters_refused(world: World, org_a: Org, name: str) -> None:
    """R-Q-9: control characters are not allowed (422, nothing stored)."""
    body = problem(await world.client.post(URL, json={"name": name}, headers=org_a.admin), 422)
    assert body["rule"] == "R-Q-9" and body["field"] == "name"
    assert "control" in body["detail"]
    assert await _names(world, org_a.admin) == ["No answer"]


@pytest.mark.parametrize("name", ["Пауза", "休憩", "Παύση"])
async def test_r_q_9_non_latin_letters_refused(world: World, org_a: Org, name: str) -> None:
    """R-Q-9: only Latin letters are allowed."""
    body = problem(await world.client.post(URL, json={"name": name}, headers=org_a.admin), 422)
    assert body["rule"] == "R-Q-9" and "Latin" in body["detail"]


async def test_r_q_9_rename_follows_the_same_rules(world: World, org_a: Org) -> None:
    """R-Q-9: a rename is checked like a new name; read-only fields cannot be sent."""
    reason = await _create(world, org_a.admin, "Lunch")
    url = f"{URL}/{reason['id']}"
    for name in ["Bad\tname", "Пауза", " ", "x" * 256]:
        body = problem(await world.client.patch(url, json={"name": name}, headers=org_a.admin), 422)
        assert body["rule"] == "R-Q-9", (name, body)
    sneaky = await world.client.patch(url, json={"is_system": True}, headers=org_a.admin)
    problem(sneaky, 422)
    after = (await world.client.get(url, headers=org_a.admin)).json()
    assert after["name"] == "Lunch" and after["is_system"] is False


async def test_r_q_9_names_are_trimmed_and_normalised(world: World, org_a: Org) -> None:
    """R-Q-9: surrounding spaces are dropped; composed and decomposed accents are one name."""
    assert (await _create(world, org_a.admin, "  Café  "))["name"] == "Café"
    decomposed = "Cafe\u0301"
    problem(await world.client.post(URL, json={"name": decomposed}, headers=org_a.admin), 409)


async def test_r_q_9_system_reason_cannot_be_renamed_disabled_or_deleted(
    world: World, org_a: Org
) -> None:
    """R-Q-9 with R-Q-4: "No answer" exists in every organization and stays as it is."""
    rows = (await world.client.get(URL, headers=org_a.admin)).json()
    system = next(r for r in rows if r["is_system"])
    assert system["name"] == "No answer" and system["enabled"] is True
    sid = system["id"]
    rename = await world.client.patch(f"{URL}/{sid}", json={"name": "Missed"}, headers=org_a.admin)
    assert "cannot be renamed" in problem(rename, 409)["detail"]
    disable = await world.client.patch(f"{URL}/{sid}", json={"enabled": False}, headers=org_a.admin)
    assert problem(disable, 409)["code"] == "system_reason"
    assert (
        "cannot be deleted"
        in problem(await world.client.delete(f"{URL}/{sid}", headers=org_a.admin), 409)["detail"]
    )
    same = await world.client.patch(
        f"{URL}/{sid}", json={"name": "No answer", "enabled": True}, headers=org_a.admin
    )
    assert same.status_code == 200
    after = (await world.client.get(f"{URL}/{sid}", headers=org_a.admin)).json()
    assert after["name"] == "No answer" and after["enabled"] is True


async def test_r_q_9_menu_is_simple_when_every_reason_is_disabled(world: World, org_a: Org) -> None:
    """R-Q-9: with no enabled reason the agent sees "Ready" / "Pause all queues"."""
    agent = await world.user(org_a, "alice")
    mode = f"{URL}/mode"
    assert (await world.client.get(mode, headers=agent)).json() == {"mode": "simple"}
    lunch = await _create(world, org_a.admin, "Lunch")
    await _create(world, org_a.admin, "Admin work", enabled=False)
    body = (await world.client.get(mode, headers=agent)).json()
    assert body["mode"] == "reasons"
    assert [r["name"] for r in body["reasons"]] == ["Lunch"]
    await world.client.patch(f"{URL}/{lunch['id']}", json={"enabled": False}, headers=org_a.admin)
    assert (await world.client.get(mode, headers=agent)).json() == {"mode": "simple"}
    await world.client.patch(f"{URL}/{lunch['id']}", json={"enabled": True}, headers=org_a.admin)
    assert (await world.client.get(mode, headers=agent)).json()["mode"] == "reasons"
    await world.client.delete(f"{URL}/{lunch['id']}", headers=org_a.admin)
    assert (await world.client.get(mode, headers=agent)).json() == {"mode": "simple"}


async def test_r_q_9_agents_see_enabled_reasons_and_cannot_manage(world: World, org_a: Org) -> None:
    """R-Q-9, R-P-2: agents list enabled reasons only; changing needs pause_reasons.manage."""
    agent = await world.user(org_a, "alice")
    hidden = await _create(world, org_a.admin, "Hidden", enabled=False)
    shown = await _create(world, org_a.admin, "Shown")
    assert await _names(world, agent) == ["No answer", "Shown"]
    assert await _names(world, agent, "?enabled=true") == ["No answer", "Shown"]
    problem(await world.client.get(URL + "?enabled=false", headers=agent), 403)
    problem(await world.client.get(f"{URL}/{hidden['id']}", headers=agent), 404)
    assert (await world.client.get(f"{URL}/{shown['id']}", headers=agent)).status_code == 200
    problem(await world.client.post(URL, json={"name": "Mine"}, headers=agent), 403)
    problem(
        await world.client.patch(f"{URL}/{shown['id']}", json={"name": "X"}, headers=agent), 403
    )
    problem(await world.client.delete(f"{URL}/{shown['id']}", headers=agent), 403)
    assert await _names(world, org_a.admin) == ["Hidden", "No answer", "Shown"]


async def test_r_p_2_supervisor_switches_for_pause_reasons(world: World, org_a: Org) -> None:
    """R-P-2: supervisors view reasons by default; managing them needs the switch."""
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    await _create(world, org_a.admin, "Off", enabled=False)
    assert await _names(world, sam) == ["No answer", "Off"]
    problem(await world.client.post(URL, json={"name": "Brief"}, headers=sam), 403)
    perms = "/api/v1/contact-center/permissions"
    on = {"supervisor": {"supervisor_manage_pause_reasons": True}}
    assert (await world.client.patch(perms, json=on, headers=org_a.admin)).status_code == 200
    assert (await world.client.post(URL, json={"name": "Brief"}, headers=sam)).status_code == 201
    off = {"supervisor": {"supervisor_manage_pause_reasons": False}}
    off["supervisor"]["supervisor_view_pause_reasons"] = False
    await world.client.patch(perms, json=off, headers=org_a.admin)
    problem(await world.client.post(URL, json={"name": "Again"}, headers=sam), 403)
    # without the view switch a supervisor sees what agents see: the enabled reasons
    assert await _names(world, sam) == ["Brief", "No answer"]


async def test_r_q_9_organizations_are_isolated(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-9: another organization cannot list, read, change or delete A's reasons."""
    mine = await _create(world, org_a.admin, "Alpha only")
    assert await _names(world, org_b.admin) == ["No answer"]
    rid = mine["id"]
    problem(await world.client.get(f"{URL}/{rid}", headers=org_b.admin), 404)
    problem(await world.client.patch(f"{URL}/{rid}", json={"name": "B"}, headers=org_b.admin), 404)
    problem(await world.client.delete(f"{URL}/{rid}", headers=org_b.admin), 404)
    # B may use the same name: uniqueness is per organization
    await _create(world, org_b.admin, "alpha only")
    b_mode = (await world.client.get(f"{URL}/mode", headers=org_b.admin)).json()
    assert [r["name"] for r in b_mode["reasons"]] == ["alpha only"]
    assert (await world.client.get(f"{URL}/{rid}", headers=org_a.admin)).json()[
        "name"
    ] == "Alpha only"


async def test_unauthenticated_is_401(world: World) -> None:
    problem(await world.client.get(URL), 401)
    problem(await world.client.get(f"{URL}/mode"), 401)
