"""Campaigns API: outbound campaigns, their calendar, members and access (R-Q-3, R-Q-7, R-P-2)."""

from __future__ import annotations

from typing import Any

import pytest

from guichet.actions.permissions import do_update_permissions
from tests.api.test_queues import expect
from tests.factories import Org, World, problem

URL = "/api/v1/campaigns"
WEEKDAYS = [
    {"day": d, "start": "09:00", "end": "17:00"} for d in ("mon", "tue", "wed", "thu", "fri")
]


async def make(world: World, org: Org, **body: Any) -> dict[str, Any]:
    """Create a campaign as the organization's administrator; returns its body."""
    body.setdefault("caller_id", "+33123456789")
    r = await world.client.post(URL, json=body, headers=org.admin)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def refused(world: World, org: Org, body: dict[str, Any], rule: str) -> dict[str, Any]:
    """POST ``body`` and check it is refused (422) naming ``rule``."""
    body = {"name": "X", "caller_id": "+33123456789", **body}
    return expect(await world.client.post(URL, json=body, headers=org.admin), 422, rule)


async def test_r_q_3_campaign_crud_with_defaults(world: World, org_a: Org) -> None:
    """R-Q-3: a campaign needs a name and an outbound caller ID; the rest has defaults."""
    c = await make(world, org_a, name="Renewals", caller_id="+33 6 12 34 56 78")
    assert c["caller_id"] == "+33612345678"
    assert (c["timezone"], c["calendar"], c["answer_timeout_s"]) == ("UTC", WEEKDAYS, 20)
    assert (c["number_types"], c["recording"], c["active"]) == (
        ["mobile", "landline"],
        "never",
        True,
    )
    await make(world, org_a, name="Alerts")
    listed = (await world.client.get(URL, headers=org_a.admin)).json()
    assert [x["name"] for x in listed] == ["Alerts", "Renewals"]
    url = f"{URL}/{c['id']}"
    assert (await world.client.get(url, headers=org_a.admin)).json() == c
    changes = {
        "name": "Renewals 2027",
        "timezone": "Europe/Paris",
        "recording": "on_demand",
        "answer_timeout_s": 600,
        "number_types": ["toll_free", "international", "mobile"],
        "active": False,
    }
    r = await world.client.patch(url, json=changes, headers=org_a.admin)
    assert r.status_code == 200, r.text
    assert (
        r.json() | changes | {"number_types": ["mobile", "international", "toll_free"]} == r.json()
    )
    assert (await world.client.delete(url, headers=org_a.admin)).status_code == 204
    problem(await world.client.get(url, headers=org_a.admin), 404)


async def test_r_q_3_name_unique_regardless_of_case(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-3: two campaigns of one organization cannot share a name."""
    await make(world, org_a, name="Renewals")
    r = await world.client.post(
        URL, json={"name": " RENEWALS", "caller_id": "+33123456789"}, headers=org_a.admin
    )
    assert expect(r, 409, "R-Q-3")["field"] == "name"
    await make(world, org_b, name="renewals")
    other = await make(world, org_a, name="Other")
    r = await world.client.patch(
        f"{URL}/{other['id']}", json={"name": "reNEWals"}, headers=org_a.admin
    )
    expect(r, 409, "R-Q-3")


@pytest.mark.parametrize("caller_id", ["0123456789", "+12", "private", "+0612345678", ""])
async def test_r_q_3_caller_id_is_e164(world: World, org_a: Org, caller_id: str) -> None:
    """R-Q-3: the outbound caller ID is an E.164 number."""
    assert (await refused(world, org_a, {"caller_id": caller_id}, "R-Q-3"))["field"] == "caller_id"


async def test_r_q_3_timezone_is_iana(world: World, org_a: Org) -> None:
    """R-Q-3: the calendar's time zone is an IANA name."""
    assert (await make(world, org_a, name="Tz", timezone="America/Montreal"))["timezone"] == (
        "America/Montreal"
    )
    for bad in ("Mars/Olympus", "UTC+2", "", "../etc/passwd"):
        assert (await refused(world, org_a, {"timezone": bad}, "R-Q-3"))["field"] == "timezone"


async def test_r_q_3_calendar_slots_ordered_and_checked(world: World, org_a: Org) -> None:
    """R-Q-3: slots have a day and start < end; slots of a day must not overlap."""
    calendar = [
        {"day": "sat", "start": "10:00", "end": "12:00"},
        {"day": "mon", "start": "14:00", "end": "24:00"},
        {"day": "mon", "start": "08:00", "end": "14:00"},
    ]
    c = await make(world, org_a, name="Cal", calendar=calendar)
    assert c["calendar"] == [calendar[2], calendar[1], calendar[0]]
    assert (await make(world, org_a, name="Never", calendar=[]))["calendar"] == []
    bad: list[tuple[list[dict[str, str]], str]] = [
        ([{"day": "mon", "start": "10:00", "end": "10:00"}], "calendar.0"),
        ([{"day": "mon", "start": "18:00", "end": "09:00"}], "calendar.0"),
        ([{"day": "mon", "start": "24:00", "end": "24:00"}], "calendar.0.start"),
        ([{"day": "tue", "start": "09:00", "end": "25:00"}], "calendar.0.end"),
        ([{"day": "tue", "start": "09:61", "end": "12:00"}], "calendar.0.start"),
        (
            [
                {"day": "wed", "start": "09:00", "end": "12:00"},
                {"day": "wed", "start": "11:59", "end": "13:00"},
            ],
            "calendar.1",
        ),
    ]
    for slots, field in bad:
        assert (await refused(world, org_a, {"calendar": slots}, "R-Q-3"))["field"] == field
    for slot in ({"day": "monday", "start": "09:00", "end": "10:00"}, {"day": "mon"}):
        await refused(world, org_a, {"calendar": [slot]}, "R-Q-3")


async def test_r_q_3_answer_timeout_number_types_recording(world: World, org_a: Org) -> None:
    """R-Q-3: answer timeout 5-600 s, a non-empty set of number types, a known recording mode."""
    for body in (
        {"answer_timeout_s": 4},
        {"answer_timeout_s": 601},
        {"number_types": []},
        {"number_types": ["premium"]},
        {"recording": "sometimes"},
        {"caller_id": None},
    ):
        await refused(world, org_a, body, "R-Q-3")
    c = await make(world, org_a, name="Ok", answer_timeout_s=5, recording="always")
    assert (c["answer_timeout_s"], c["recording"]) == (5, "always")


async def test_r_q_7_campaign_wrap_up(world: World, org_a: Org) -> None:
    """R-Q-7: a campaign has its wrap-up duration and the "agents may end wrap-up" switch."""
    c = await make(world, org_a, name="W", wrap_up_s=120, agents_may_end_wrap_up=False)
    assert (c["wrap_up_s"], c["agents_may_end_wrap_up"]) == (120, False)
    await refused(world, org_a, {"wrap_up_s": 3601}, "R-Q-7")


async def test_refused_change_leaves_campaign_unchanged(world: World, org_a: Org) -> None:
    """Bad input changes nothing; unknown fields are refused."""
    c = await make(world, org_a, name="Keep")
    url = f"{URL}/{c['id']}"
    r = await world.client.patch(
        url, json={"active": False, "timezone": "Nowhere"}, headers=org_a.admin
    )
    expect(r, 422, "R-Q-3")
    problem(await world.client.patch(url, json={"org_id": 2}, headers=org_a.admin), 422)
    assert (await world.client.get(url, headers=org_a.admin)).json() == c


async def test_r_q_3_members(world: World, org_a: Org, org_b: Org) -> None:
    """R-Q-3: supervisors and agents are assigned to a campaign from the organization's users."""
    await world.user(org_a, "alice")
    await world.user(org_a, "sam", roles=["supervisor"])
    await world.user(org_b, "eve")
    u = org_a.users
    c = await make(world, org_a, name="Calls")
    url = f"{URL}/{c['id']}/members"
    body = {"agents": [u["alice"], org_a.admin_id], "supervisors": [u["sam"]]}
    r = await world.client.put(url, json=body, headers=org_a.admin)
    assert r.json() == {"agents": sorted(body["agents"]), "supervisors": [u["sam"]]}, r.text
    assert (await world.client.get(url, headers=org_a.admin)).json() == r.json()
    for bad in (
        {"agents": [org_b.users["eve"]], "supervisors": []},
        {"agents": [], "supervisors": [u["alice"]]},
        {"agents": [u["alice"], u["alice"]], "supervisors": []},
    ):
        expect(await world.client.put(url, json=bad, headers=org_a.admin), 422, "R-Q-3")
    assert (await world.client.get(url, headers=org_a.admin)).json() == r.json()


async def test_agents_cannot_view_or_manage_campaigns(world: World, org_a: Org) -> None:
    """R-P-3: agents hold no campaign permission: 403 on every campaign route."""
    agent = await world.user(org_a, "alice")
    c = await make(world, org_a, name="Calls")
    for method, path, body in [
        ("GET", URL, None),
        ("GET", f"{URL}/{c['id']}", None),
        ("GET", f"{URL}/{c['id']}/members", None),
        ("POST", URL, {"name": "Mine", "caller_id": "+33123456789"}),
        ("PATCH", f"{URL}/{c['id']}", {"active": False}),
        ("PUT", f"{URL}/{c['id']}/members", {"agents": [], "supervisors": []}),
        ("DELETE", f"{URL}/{c['id']}", None),
    ]:
        problem(await world.client.request(method, path, json=body, headers=agent), 403)
    assert (await world.client.get(f"{URL}/{c['id']}", headers=org_a.admin)).json() == c


async def test_r_p_2_supervisor_limited_to_assigned_campaigns(world: World, org_a: Org) -> None:
    """R-P-2: "limit to assigned queues" also bounds campaigns (outbound queues)."""
    sam = await world.user(org_a, "sam", roles=["supervisor"])
    mine = await make(world, org_a, name="Mine")
    other = await make(world, org_a, name="Other")
    body = {"agents": [], "supervisors": [org_a.users["sam"]]}
    await world.client.put(f"{URL}/{mine['id']}/members", json=body, headers=org_a.admin)
    assert [c["name"] for c in (await world.client.get(URL, headers=sam)).json()] == ["Mine"]
    problem(await world.client.get(f"{URL}/{other['id']}", headers=sam), 404)
    problem(
        await world.client.patch(f"{URL}/{mine['id']}", json={"active": False}, headers=sam), 403
    )
    async with world.state.sessions() as session:
        await do_update_permissions(
            session, org_id=org_a.id, changes={"supervisor_manage_queue_settings": True}
        )
    problem(
        await world.client.patch(f"{URL}/{other['id']}", json={"active": False}, headers=sam), 404
    )
    r = await world.client.post(
        URL, json={"name": "Sam's", "caller_id": "+33123456789"}, headers=sam
    )
    assert r.status_code == 201, r.text
    assert [c["name"] for c in (await world.client.get(URL, headers=sam)).json()] == [
        "Mine",
        "Sam's",
    ]
    async with world.state.sessions() as session:
        await do_update_permissions(
            session, org_id=org_a.id, changes={"supervisor_limit_to_assigned_queues": False}
        )
    assert len((await world.client.get(URL, headers=sam)).json()) == 3


async def test_organizations_do_not_see_each_others_campaigns(
    world: World, org_a: Org, org_b: Org
) -> None:
    """Nothing crosses organizations: org B cannot list, read, change or delete A's campaigns."""
    c = await make(world, org_a, name="Alpha only")
    assert (await world.client.get(URL, headers=org_b.admin)).json() == []
    url = f"{URL}/{c['id']}"
    problem(await world.client.get(url, headers=org_b.admin), 404)
    problem(await world.client.patch(url, json={"active": False}, headers=org_b.admin), 404)
    problem(await world.client.delete(url, headers=org_b.admin), 404)
    problem(await world.client.get(f"{url}/members", headers=org_b.admin), 404)
    body = {"agents": [org_b.admin_id], "supervisors": []}
    problem(await world.client.put(f"{url}/members", json=body, headers=org_b.admin), 404)
    assert (await world.client.get(url, headers=org_a.admin)).json() == c
    problem(await world.client.get(f"{URL}/{2**40}", headers=org_a.admin), 404)
