"""Skills: names, the skill forest and overflow settings (R-SK-1, R-SK-2, R-SK-4)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.common import commit_or_conflict
from guichet.actions.directory import (
    Node,
    build_forest,
    check_name,
    creates_cycle,
    descendant_ids,
)
from guichet.actions.live_refs import check_skill_free
from guichet.actions.routing_config import check_routing_references
from guichet.errors import Conflict, invalid
from guichet.persistence.models import Queue, Skill, User, UserSkill
from guichet.queries.lookups import check_ids_in_org, check_name_free, get_in_org, name_key

NAME_MAX = 100
OVERFLOW_AFTER_MAX_S = 86400
# E.164: a plus sign, then 8 to 15 digits, the first (country code) never 0.
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
UPDATABLE = frozenset(
    {
        "name",
        "parent_id",
        "visible_to_experts",
        "phone_number",
        "overflow_out",
        "overflow_in",
        "overflow_after_s",
    }
)


def check_phone(phone: str | None) -> str | None:
    """R-SK-1: an optional E.164 number (``+`` then 8–15 digits); blank means none."""
    if phone is None or not phone.strip():
        return None
    phone = phone.strip()
    if not _E164.match(phone):
        raise invalid("phone_number", "E.164 number expected: + then 8 to 15 digits", "R-SK-1")
    return phone


def check_overflow_after(seconds: int) -> int:
    """R-SK-4: the wait for a qualified agent before overflow, 0..86400 seconds."""
    if not 0 <= seconds <= OVERFLOW_AFTER_MAX_S:
        raise invalid("overflow_after_s", f"between 0 and {OVERFLOW_AFTER_MAX_S}", "R-SK-4")
    return seconds


async def skill_parents(
    session: AsyncSession, *, org_id: int, lock: bool = False
) -> dict[int, int | None]:
    """Skill id -> parent id for the whole organization (``lock``: serialise parent changes)."""
    stmt = select(Skill.id, Skill.parent_id).where(Skill.org_id == org_id)
    rows = await session.execute(stmt.with_for_update() if lock else stmt)
    return {row.id: row.parent_id for row in rows}


async def list_skills(session: AsyncSession, *, org_id: int) -> list[Skill]:
    """The organization's skills, ordered by name (case-insensitive)."""
    rows = await session.scalars(
        select(Skill).where(Skill.org_id == org_id).order_by(Skill.name_key, Skill.id)
    )
    return list(rows)


async def skill_tree(session: AsyncSession, *, org_id: int) -> list[Node[Skill]]:
    """R-SK-2: the skill forest, siblings ordered by name."""
    rows = await list_skills(session, org_id=org_id)
    return build_forest(rows, key=lambda s: s.id, parent=lambda s: s.parent_id)


async def qualifying_skill_ids(session: AsyncSession, *, org_id: int, skill_id: int) -> list[int]:
    """R-SK-2: the skills whose holders may serve S: S itself, then its descendants."""
    await get_in_org(session, Skill, skill_id, org_id)
    parents = await skill_parents(session, org_id=org_id)
    return [skill_id, *descendant_ids(parents, skill_id)]


async def _check_name_free(
    session: AsyncSession, org_id: int, key: str, exclude_id: int | None
) -> None:
    message = "a skill with this name exists (names ignore case)"
    await check_name_free(
        session,
        Skill,
        org_id=org_id,
        key=key,
        exclude_id=exclude_id,
        message=message,
        rule="R-SK-1",
    )


async def check_parent(
    session: AsyncSession, *, org_id: int, skill_id: int | None, parent_id: int | None
) -> int | None:
    """R-SK-2: the parent exists in the organization and keeps the skills a forest."""
    if parent_id is None:
        return None
    parents = await skill_parents(session, org_id=org_id, lock=True)
    if parent_id not in parents:
        raise invalid("parent_id", "unknown id in this organization")
    if skill_id is not None and creates_cycle(parents, skill_id, parent_id):
        raise invalid(
            "parent_id", "this parent would make a cycle: skills form a forest", "R-SK-2", "cycle"
        )
    return parent_id


async def do_create_skill(
    session: AsyncSession,
    *,
    org_id: int,
    name: str,
    parent_id: int | None = None,
    visible_to_experts: bool = False,
    phone_number: str | None = None,
    overflow_out: bool = True,
    overflow_in: bool = True,
    overflow_after_s: int = 0,
) -> Skill:
    """Create a skill (R-SK-1), optionally under a parent (R-SK-2)."""
    return await do_update_skill(
        session,
        org_id=org_id,
        skill=Skill(org_id=org_id),
        changes={
            "name": name,
            "parent_id": parent_id,
            "visible_to_experts": visible_to_experts,
            "phone_number": phone_number,
            "overflow_out": overflow_out,
            "overflow_in": overflow_in,
            "overflow_after_s": overflow_after_s,
        },
    )


async def do_update_skill(
    session: AsyncSession, *, org_id: int, skill: Skill, changes: Mapping[str, Any]
) -> Skill:
    """Change the fields given (PATCH); everything is checked before anything is written."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise invalid(sorted(unknown)[0], "this field cannot be changed")
    values = dict(changes)
    if "name" in values:
        values["name"] = check_name(values["name"], max_length=NAME_MAX, rule="R-SK-1")
        await _check_name_free(session, org_id, name_key(values["name"]), skill.id)
        values["name_key"] = name_key(values["name"])
    if "parent_id" in values:
        values["parent_id"] = await check_parent(
            session, org_id=org_id, skill_id=skill.id, parent_id=values["parent_id"]
        )
    if "phone_number" in values:
        values["phone_number"] = check_phone(values["phone_number"])
    if "overflow_after_s" in values:
        values["overflow_after_s"] = check_overflow_after(values["overflow_after_s"])
    for column, value in values.items():
        setattr(skill, column, value)
    if skill.id is None:
        session.add(skill)
    msg = "a skill with this name exists (names ignore case)"
    await commit_or_conflict(session, field="name", message=msg, rule="R-SK-1")
    return skill


async def do_delete_skill(session: AsyncSession, *, skill: Skill) -> None:
    """Delete a leaf skill; a skill with children or used by a queue is kept (409)."""
    child = await session.scalar(select(Skill.name).where(Skill.parent_id == skill.id).limit(1))
    if child is not None:
        raise Conflict(
            f"this skill has child skills (e.g. {child!r}): move or delete them first",
            rule="R-SK-2",
            code="has_children",
        )
    queue = await session.scalar(
        select(Queue.name).where(Queue.org_id == skill.org_id, Queue.skill_id == skill.id).limit(1)
    )
    if queue is not None:
        raise Conflict(f"queue {queue!r} targets this skill", code="in_use")
    await check_routing_references(session, org_id=skill.org_id, skill_id=skill.id)
    await check_skill_free(session, org_id=skill.org_id, skill_id=skill.id)
    # Grants go with the skill (ON DELETE CASCADE on user_skills).
    await session.delete(skill)
    await session.commit()


# --- R-SK-3: the skills users hold ------------------------------------------------------------

PROFICIENCY_DEFAULT = 3


@dataclass(frozen=True, slots=True)
class GrantSummary:
    """What a bulk grant did: new grants, changed proficiencies, grants left as they were."""

    created: int
    updated: int
    unchanged: int


def check_proficiency(value: int | None, *, field: str = "proficiency") -> int:
    """R-SK-3: a proficiency 1..5; none given means 3."""
    if value is None:
        return PROFICIENCY_DEFAULT
    if not 1 <= value <= 5:
        raise invalid(field, "proficiency must be between 1 and 5", "R-SK-3")
    return value


async def user_skills(
    session: AsyncSession, *, org_id: int, user_id: int
) -> list[tuple[Skill, int]]:
    """The skills a user holds with their proficiency, ordered by skill name."""
    await get_in_org(session, User, user_id, org_id)
    rows = await session.execute(
        select(Skill, UserSkill.proficiency)
        .join(UserSkill, UserSkill.skill_id == Skill.id)
        .where(UserSkill.user_id == user_id, Skill.org_id == org_id)
        .order_by(Skill.name_key, Skill.id)
    )
    return [(row[0], row[1]) for row in rows]


def _check_grants(grants: Iterable[tuple[int, int | None]], field: str) -> dict[int, int | None]:
    """Skill id -> proficiency (None: keep or default); a skill given twice is refused."""
    out: dict[int, int | None] = {}
    for i, (skill_id, proficiency) in enumerate(grants):
        where = f"{field}.{i}" if field else str(i)
        if skill_id in out:
            raise invalid(f"{where}.skill_id", f"skill {skill_id} is listed twice", "R-SK-3")
        if proficiency is not None:
            check_proficiency(proficiency, field=f"{where}.proficiency")
        out[skill_id] = proficiency
    return out


async def do_set_user_skills(
    session: AsyncSession, *, org_id: int, user_id: int, grants: Iterable[tuple[int, int | None]]
) -> list[tuple[Skill, int]]:
    """R-SK-3: replace every skill a user holds with ``grants`` (skill id, proficiency)."""
    await get_in_org(session, User, user_id, org_id)
    wanted = _check_grants(grants, "")
    await check_ids_in_org(session, Skill, org_id=org_id, ids=wanted, field="skill_id")
    await session.execute(delete(UserSkill).where(UserSkill.user_id == user_id))
    for skill_id, proficiency in wanted.items():
        session.add(
            UserSkill(
                user_id=user_id, skill_id=skill_id, proficiency=check_proficiency(proficiency)
            )
        )
    await session.commit()
    return await user_skills(session, org_id=org_id, user_id=user_id)


async def do_grant_skills(
    session: AsyncSession,
    *,
    org_id: int,
    user_ids: Iterable[int],
    grants: Iterable[tuple[int, int | None]],
) -> GrantSummary:
    """R-SK-3: grant several skills to several users at once; all or nothing.

    A skill the user already holds keeps its proficiency unless one is given.
    """
    wanted = _check_grants(grants, "skills")
    users = await check_ids_in_org(session, User, org_id=org_id, ids=user_ids, field="user_ids")
    await check_ids_in_org(session, Skill, org_id=org_id, ids=wanted, field="skills")
    held = {
        (g.user_id, g.skill_id): g
        for g in await session.scalars(
            select(UserSkill).where(
                UserSkill.user_id.in_(users), UserSkill.skill_id.in_(list(wanted))
            )
        )
    }
    created = updated = unchanged = 0
    for user_id in users:
        for skill_id, proficiency in wanted.items():
            grant = held.get((user_id, skill_id))
            if grant is None:
                session.add(
                    UserSkill(
                        user_id=user_id,
                        skill_id=skill_id,
                        proficiency=check_proficiency(proficiency),
                    )
                )
                created += 1
            elif proficiency is not None and grant.proficiency != proficiency:
                grant.proficiency = proficiency
                updated += 1
            else:
                unchanged += 1
    await session.commit()
    return GrantSummary(created=created, updated=updated, unchanged=unchanged)


async def do_revoke_skills(
    session: AsyncSession, *, org_id: int, user_ids: Iterable[int], skill_ids: Iterable[int]
) -> int:
    """R-SK-3: remove several skills from several users at once; returns how many grants went."""
    users = await check_ids_in_org(session, User, org_id=org_id, ids=user_ids, field="user_ids")
    skills = await check_ids_in_org(session, Skill, org_id=org_id, ids=skill_ids, field="skill_ids")
    result = await session.execute(
        delete(UserSkill).where(UserSkill.user_id.in_(users), UserSkill.skill_id.in_(skills))
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
