"""Outbound campaigns: caller ID, calendar, answer timeout, number types, members (R-Q-3)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import and_, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.queue_rules import (
    check_e164,
    check_members,
    check_name,
    check_number_types,
    check_ranges,
)
from guichet.errors import conflict, invalid
from guichet.persistence.models import Campaign, CampaignMember
from guichet.queries.lookups import load_visible, name_key

RULE = "R-Q-3"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RECORDING = ("always", "never", "on_demand")
# re.ASCII: a digit is 0-9, never another script's digit (issue 12 finding 7, R-Q-3).
_START = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$", re.ASCII)
_END = re.compile(r"^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$", re.ASCII)

#: What a new campaign gets for every setting the caller leaves out (timezone: the org's).
DEFAULTS: dict[str, Any] = {
    "timezone": None,
    "calendar": [{"day": d, "start": "09:00", "end": "17:00"} for d in DAYS[:5]],
    "answer_timeout_s": 20,
    "number_types": ["mobile", "landline"],
    "recording": "never",
    "wrap_up_s": 30,
    "agents_may_end_wrap_up": True,
    "active": True,
}
_COLUMNS = ("name", "caller_id", *DEFAULTS)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: Any) -> str:
    """An IANA time zone name known to this system (R-Q-3)."""
    if not isinstance(name, str) or name not in _zones():
        raise invalid("timezone", "an IANA time zone is needed, for example Europe/Paris", RULE)
    return name


def check_calendar(slots: Any) -> list[dict[str, str]]:
    """Weekly hours: day mon..sun, start < end as HH:MM (end may be 24:00), no overlap (R-Q-3)."""
    if not isinstance(slots, list):
        raise invalid("calendar", "a list of {day, start, end} is needed", RULE)
    keyed: list[tuple[int, str, int, dict[str, str]]] = []
    for i, slot in enumerate(slots):
        if not isinstance(slot, Mapping):
            raise invalid(f"calendar.{i}", "a {day, start, end} object is needed", RULE)
        day, start, end = slot.get("day"), slot.get("start"), slot.get("end")
        if day not in DAYS:
            raise invalid(f"calendar.{i}.day", f"use one of {list(DAYS)}", RULE)
        if not isinstance(start, str) or not _START.match(start):
            raise invalid(f"calendar.{i}.start", "HH:MM from 00:00 to 23:59", RULE)
        if not isinstance(end, str) or not _END.match(end):
            raise invalid(f"calendar.{i}.end", "HH:MM from 00:00 to 24:00", RULE)
        # Zero-padded HH:MM strings compare in time order ("24:00" last).
        if start >= end:
            raise invalid(f"calendar.{i}", f"start {start} must be before end {end}", RULE)
        keyed.append((DAYS.index(day), start, i, {"day": day, "start": start, "end": end}))
    keyed.sort()
    for (day_a, _, _, a), (day_b, _, i, b) in pairwise(keyed):
        if day_a == day_b and b["start"] < a["end"]:
            raise invalid(
                f"calendar.{i}",
                f"{b['day']} {b['start']}-{b['end']} overlaps {a['start']}-{a['end']}",
                RULE,
            )
    return [slot for *_, slot in keyed]


async def check_campaign(
    session: AsyncSession, *, org_id: int, state: dict[str, Any], campaign_id: int | None = None
) -> dict[str, Any]:
    """Validate a campaign's full settings; returns them normalised (R-Q-3, R-Q-7)."""
    state["name"] = check_name(state["name"], RULE)
    state["caller_id"] = check_e164("caller_id", state["caller_id"], RULE)
    state["timezone"] = check_timezone(state["timezone"])
    state["calendar"] = check_calendar(state["calendar"])
    check_ranges(state)
    state["number_types"] = check_number_types(
        "number_types", state["number_types"], RULE, required=True
    )
    if state["recording"] not in RECORDING:
        raise invalid("recording", f"use one of {list(RECORDING)}", RULE)
    for flag in ("agents_may_end_wrap_up", "active"):
        if not isinstance(state[flag], bool):
            raise invalid(flag, "true or false", "R-Q-7" if flag != "active" else RULE)
    same = select(Campaign.id).where(
        Campaign.org_id == org_id, Campaign.name_key == name_key(state["name"])
    )
    if campaign_id is not None:
        same = same.where(Campaign.id != campaign_id)
    if await session.scalar(same.limit(1)):
        raise conflict("name", f"a campaign named {state['name']!r} exists", RULE)
    return state


def _known(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(_COLUMNS))
    if unknown:
        raise invalid(unknown[0], "unknown campaign setting")
    return dict(values)


async def do_create_campaign(
    session: AsyncSession,
    *,
    org_id: int,
    org_timezone: str,
    values: Mapping[str, Any],
    supervisor_id: int | None = None,
) -> Campaign:
    """Create a campaign; ``supervisor_id`` (a supervisor limited by R-P-2) supervises it."""
    given = {k: v for k, v in _known(values).items() if v is not None}
    state = {"name": "", "caller_id": None, **DEFAULTS, "timezone": org_timezone, **given}
    state = await check_campaign(session, org_id=org_id, state=state)
    campaign = Campaign(org_id=org_id, name_key=name_key(state["name"]), **state)
    session.add(campaign)
    await session.flush()
    if supervisor_id is not None:
        session.add(
            CampaignMember(campaign_id=campaign.id, user_id=supervisor_id, role="supervisor")
        )
    await commit_or_conflict(session, field="name", message="name already used", rule=RULE)
    return campaign


async def do_update_campaign(
    session: AsyncSession, *, campaign: Campaign, changes: Mapping[str, Any]
) -> Campaign:
    """Change some settings (PATCH); the whole result is validated before anything is written."""
    state = {column: getattr(campaign, column) for column in _COLUMNS} | _known(changes)
    state = await check_campaign(
        session, org_id=campaign.org_id, state=state, campaign_id=campaign.id
    )
    for column, value in state.items():
        setattr(campaign, column, value)
    campaign.name_key = name_key(state["name"])
    await commit_or_conflict(session, field="name", message="name already used", rule=RULE)
    return campaign


async def do_delete_campaign(session: AsyncSession, *, campaign: Campaign) -> None:
    """Delete a campaign and its memberships."""
    await session.execute(delete(CampaignMember).where(CampaignMember.campaign_id == campaign.id))
    await session.delete(campaign)
    await session.commit()


def _supervised(user_id: int) -> Any:
    """SQL condition: the campaign has ``user_id`` among its supervisors (R-P-2)."""
    mine = select(CampaignMember.campaign_id).where(
        CampaignMember.user_id == user_id, CampaignMember.role == "supervisor"
    )
    return Campaign.id.in_(mine)


async def list_campaigns(
    session: AsyncSession, *, org_id: int, supervisor_id: int | None = None
) -> Sequence[Campaign]:
    """The organization's campaigns by name; only those ``supervisor_id`` supervises if given."""
    stmt = select(Campaign).where(Campaign.org_id == org_id)
    if supervisor_id is not None:
        stmt = stmt.where(_supervised(supervisor_id))
    return (await session.scalars(stmt.order_by(Campaign.name_key, Campaign.id))).all()


async def get_campaign(
    session: AsyncSession, *, org_id: int, campaign_id: int, supervisor_id: int | None = None
) -> Campaign:
    """One campaign; 404 when missing, elsewhere, or outside ``supervisor_id``'s (R-P-2)."""
    visible = Campaign.org_id == org_id
    if supervisor_id is not None:
        visible = and_(visible, _supervised(supervisor_id))
    return await load_visible(session, Campaign, campaign_id, visible)


async def campaign_members(session: AsyncSession, *, campaign_id: int) -> dict[str, list[int]]:
    """The campaign's agents and supervisors, by user id (R-Q-3)."""
    rows = await session.execute(
        select(CampaignMember.user_id, CampaignMember.role)
        .where(CampaignMember.campaign_id == campaign_id)
        .order_by(CampaignMember.user_id)
    )
    out: dict[str, list[int]] = {"agents": [], "supervisors": []}
    for user_id, role in rows:
        out[f"{role}s"].append(user_id)
    return out


async def do_set_campaign_members(
    session: AsyncSession, *, campaign: Campaign, agents: Sequence[int], supervisors: Sequence[int]
) -> dict[str, list[int]]:
    """Replace the campaign's agents and supervisors (R-Q-3); kept memberships keep their row."""
    await check_members(
        session, org_id=campaign.org_id, agents=agents, supervisors=supervisors, rule=RULE
    )
    wanted = {(uid, "agent") for uid in agents} | {(uid, "supervisor") for uid in supervisors}
    existing = await session.scalars(
        select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)
    )
    for member in existing.all():
        key = (member.user_id, member.role)
        if key in wanted:
            wanted.discard(key)
        else:
            await session.delete(member)
    for user_id, role in sorted(wanted):
        session.add(CampaignMember(campaign_id=campaign.id, user_id=user_id, role=role))
    await session.commit()
    return await campaign_members(session, campaign_id=campaign.id)
