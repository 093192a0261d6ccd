"""Quality evaluations of conversations (R-A-2 "evaluate", R-A-5).

Evaluating needs the evaluate scope on the conversation and the right to read its history
(R-A-5): the policy's evaluate filter holds both, applied in SQL. A caller who may see the
conversation but not evaluate it gets 403; one who may not see it, 404. Only an ended
conversation can be rated. Each evaluation is also an ``interaction.evaluated`` row of the
event log (R-AN-8, docs/events.md).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.conversations import Watch, may_read, sees
from guichet.actions.text import clean_name, first_control
from guichet.authz.access import Area, Subject
from guichet.domain.events import EventType
from guichet.errors import Conflict, Forbidden, NotFound, invalid
from guichet.live.render import iso
from guichet.persistence.models import Assignment, Evaluation, Interaction, InteractionEvent
from guichet.queries.access import access_interaction

#: The statuses in which a conversation can be rated: it is over and an agent handled it.
EVALUABLE = ("ended",)
MAX_CRITERIA = 20
CRITERION_NAME_MAX = 60
COMMENT_MAX = 5000


async def _denied(
    session: AsyncSession, *, subject: Subject, watch: Watch, iid: int, area: Area
) -> Exception:
    """403 when the caller may see the conversation but lacks ``area``; 404 otherwise."""
    if not await may_read(session, subject=subject, watch=watch, iid=iid):
        return NotFound(f"interaction {iid} not found")
    if area is Area.EVALUATE and await sees(session, subject=subject, iid=iid, area=Area.HISTORY):
        return Forbidden(
            "your role does not allow evaluating this conversation",
            rule="R-A-2",
            code="evaluate_denied",
        )
    return Forbidden(
        "evaluations need the right to read this conversation's history",
        rule="R-A-5" if area is Area.EVALUATE else "R-A-2",
        code="history_denied",
    )


async def access(
    session: AsyncSession, *, subject: Subject, watch: Watch, iid: int, area: Area
) -> Interaction:
    """The interaction through ``area``'s filter (R-A-2, R-A-5); 403 or 404 as above."""
    try:
        return await access_interaction(session, subject, iid, area)
    except NotFound:
        raise await _denied(session, subject=subject, watch=watch, iid=iid, area=area) from None


def check_criteria(criteria: dict[str, int]) -> dict[str, int]:
    """Criterion names trimmed (1..60 characters, once each), scores 1..5, at most 20."""
    if len(criteria) > MAX_CRITERIA:
        raise invalid("criteria", f"at most {MAX_CRITERIA} criteria", "R-A-2")
    out: dict[str, int] = {}
    for raw, score in criteria.items():
        name = clean_name(raw, field="criteria", rule="R-A-2", max_length=CRITERION_NAME_MAX)
        if name in out:
            raise invalid("criteria", f"criterion {name!r} is given twice", "R-A-2")
        if not 1 <= score <= 5:
            raise invalid("criteria", f"the score of {name!r} must be from 1 to 5", "R-A-2")
        out[name] = score
    return out


def check_comment(comment: str) -> str:
    """At most 5000 characters; no control character but line breaks and tabs."""
    text = unicodedata.normalize("NFC", comment).strip()
    if len(text) > COMMENT_MAX:
        raise invalid("comment", f"at most {COMMENT_MAX} characters", "R-A-2", code="too_long")
    found = first_control(text, allowed=frozenset("\n\r\t"))
    if found is not None:
        raise invalid("comment", f"control character {found[1]} is not allowed", "R-A-2")
    return text


async def rated_agent(session: AsyncSession, row: Interaction) -> int | None:
    """The conversation's agent: the current one, else the last one assigned."""
    if row.agent_id is not None:
        return row.agent_id
    last: int | None = await session.scalar(
        select(Assignment.agent_id)
        .where(Assignment.interaction_id == row.id)
        .order_by(Assignment.started_at.desc(), Assignment.id.desc())
        .limit(1)
    )
    return last


async def do_evaluate(
    session: AsyncSession,
    *,
    subject: Subject,
    watch: Watch,
    iid: int,
    score: int,
    criteria: dict[str, int],
    comment: str,
) -> Evaluation:
    """Rate an ended conversation (R-A-2 evaluate, R-A-5); logs ``interaction.evaluated``."""
    row = await access(session, subject=subject, watch=watch, iid=iid, area=Area.EVALUATE)
    if row.status not in EVALUABLE:
        raise Conflict(
            "only an ended conversation can be evaluated", rule="R-A-2", code="not_ended"
        )
    if not 1 <= score <= 5:
        raise invalid("score", "from 1 to 5", "R-A-2")
    clean = check_criteria(criteria)
    text = check_comment(comment)
    agent = await rated_agent(session, row)
    evaluation = Evaluation(
        org_id=row.org_id,
        interaction_id=row.id,
        evaluator_id=subject.user_id,
        agent_id=agent,
        score=score,
        criteria=clean,
        comment=text,
    )
    session.add(evaluation)
    await session.flush()
    session.add(
        InteractionEvent(
            org_id=row.org_id,
            type=EventType.INTERACTION_EVALUATED,
            interaction_id=row.id,
            agent_id=agent,
            actor_id=subject.user_id,
            queue_id=row.queue_id,
            channel=row.channel,
            data={"evaluation_id": evaluation.id, "score": score, "criteria": clean},
        )
    )
    await session.commit()
    return evaluation


async def list_evaluations(
    session: AsyncSession, *, subject: Subject, watch: Watch, iid: int
) -> list[Evaluation]:
    """A conversation's evaluations, oldest first, for those who may read its history."""
    row = await access(session, subject=subject, watch=watch, iid=iid, area=Area.HISTORY)
    rows = await session.scalars(
        select(Evaluation).where(Evaluation.interaction_id == row.id).order_by(Evaluation.id)
    )
    return list(rows)


async def summary(session: AsyncSession, *, iid: int) -> dict[str, Any]:
    """How many evaluations a conversation has and their average score (None when none)."""
    count, average = (
        await session.execute(
            select(func.count(Evaluation.id), func.avg(Evaluation.score)).where(
                Evaluation.interaction_id == iid
            )
        )
    ).one()
    return {
        "count": int(count),
        "average_score": None if average is None else round(float(average), 2),
    }


def evaluation_dict(row: Evaluation) -> dict[str, Any]:
    """The public view of an evaluation."""
    return {
        "id": row.id,
        "interaction_id": row.interaction_id,
        "evaluator_id": row.evaluator_id,
        "agent_id": row.agent_id,
        "score": row.score,
        "criteria": dict(row.criteria),
        "comment": row.comment,
        "created_at": iso(row.created_at),
    }
