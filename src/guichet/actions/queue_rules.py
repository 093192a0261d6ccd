"""Checks shared by queues and campaigns: names, ranges, caller IDs, callback, members, scope."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.actions.text import clean_name
from guichet.authz import ADMINISTRATOR, AGENT, SUPERVISOR, CCPermissions
from guichet.domain import QueueKind
from guichet.errors import invalid
from guichet.persistence.models import User
from guichet.queries.lookups import storable_id
from guichet.routing.callback import (
    CallbackPolicy,
    CallbackSettingError,
    parse_threshold,
    validate_callback_policy,
)
from guichet.routing.numbers import NumberType, is_valid_caller_id, normalize

MAX_NAME = 100
#: Number types a queue callback or a campaign may dial (R-Q-3, R-Q-6).
NUMBER_TYPES = (
    NumberType.MOBILE,
    NumberType.LANDLINE,
    NumberType.INTERNATIONAL,
    NumberType.TOLL_FREE,
)
#: Integer settings: (lowest, highest, rule).
RANGES: dict[str, tuple[int, int, str]] = {
    "offer_timeout_s": (5, 600, "R-Q-4"),
    "max_no_answer": (0, 20, "R-Q-4"),
    "wrap_up_s": (0, 3600, "R-Q-7"),
    "disposition_timer_s": (0, 3600, "R-W-3"),
    "weight": (1, 100, "R-Q-8"),
    "abandon_return_s": (0, 3600, "R-X-9"),
    "answer_timeout_s": (5, 600, "R-Q-3"),
}
# Field names of the callback policy checker, as the API names them.
_POLICY_FIELDS = {
    "threshold_s": "callback_threshold",
    "caller_id": "callback_caller_id",
    "allowed_number_types": "callback_number_types",
}


def check_name(name: Any, rule: str) -> str:
    """A display name: 1 to 100 characters once trimmed, no control characters."""
    if not isinstance(name, str):
        raise invalid("name", f"a name of 1 to {MAX_NAME} characters is needed", rule)
    return clean_name(name, field="name", rule=rule, max_length=MAX_NAME)


def check_ranges(state: Mapping[str, Any]) -> None:
    """Every integer setting present in ``state`` lies in its range (R-Q-3, R-Q-4, R-Q-7, R-Q-8)."""
    for field, (low, high, rule) in RANGES.items():
        if field not in state:
            continue
        value = state[field]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise invalid(field, f"a whole number from {low} to {high}", rule)


def check_e164(field: str, value: Any, rule: str) -> str:
    """An outbound caller ID in E.164 that exists in its numbering plan, separators removed (R-Q-6).

    Read with libphonenumber (`routing.numbers`): `+` and the calling code, a number of an
    allocated range of that country.
    """
    compact = normalize(value) if isinstance(value, str) else ""
    if not compact.startswith("+") or not is_valid_caller_id(compact):
        raise invalid(field, "an E.164 number is needed, for example +33123456789", rule)
    return compact


def check_number_types(
    field: str, values: Iterable[Any], rule: str, *, required: bool
) -> list[str]:
    """Allowed phone-number types, deduplicated in canonical order (R-Q-3, R-Q-6)."""
    names = [t.value for t in NUMBER_TYPES]
    given = list(values)
    unknown = [v for v in given if v not in names]
    if unknown:
        raise invalid(field, f"unknown number types {unknown}; use {names}", rule)
    if required and not given:
        raise invalid(field, "allow one number type at least", rule)
    return [name for name in names if name in given]


def threshold_seconds(raw: Mapping[str, Any] | None) -> float | None:
    """A callback threshold {value, unit} in seconds: > 0, numeric, at most a day (R-Q-6)."""
    if raw is None:
        return None
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise invalid("callback_threshold.value", "threshold must be a number", "R-Q-6")
    try:
        return parse_threshold(value, str(raw.get("unit", "")))
    except OverflowError as exc:
        raise invalid("callback_threshold.value", "threshold is too large", "R-Q-6") from exc
    except CallbackSettingError as exc:
        where = "unit" if exc.code == "unknown_unit" else "value"
        raise invalid(f"callback_threshold.{where}", str(exc), exc.rule_id, exc.code) from exc


def check_callback(state: dict[str, Any]) -> None:
    """Queue callback settings (R-Q-6): checked as given, complete once enabled."""
    if state["callback_caller_id"] is not None:
        caller_id = check_e164("callback_caller_id", state["callback_caller_id"], "R-Q-6")
        state["callback_caller_id"] = caller_id
    types = check_number_types(
        "callback_number_types", state["callback_number_types"] or [], "R-Q-6", required=False
    )
    state["callback_number_types"] = types
    if not state["callback_enabled"]:
        return
    if state["kind"] != QueueKind.CALL:
        raise invalid("callback_enabled", "callback is offered on call queues only", "R-Q-6")
    if state["callback_threshold_s"] is None:
        raise invalid("callback_threshold", "a wait threshold is needed for callback", "R-Q-6")
    if state["callback_caller_id"] is None:
        raise invalid("callback_caller_id", "a caller ID is needed for callback", "R-Q-6")
    policy = CallbackPolicy(
        enabled=True,
        threshold_s=float(state["callback_threshold_s"]),
        caller_id=state["callback_caller_id"],
        allowed_number_types=frozenset(NumberType(t) for t in types),
    )
    for problem in validate_callback_policy(policy):
        field = _POLICY_FIELDS.get(problem.field, problem.field)
        raise invalid(field, problem.message, problem.rule_id)


async def check_members(
    session: AsyncSession,
    *,
    org_id: int,
    agents: Sequence[int],
    supervisors: Sequence[int],
    rule: str = "R-Q-2",
) -> None:
    """Members are users of the organization, each listed once, holding the role they fill."""
    for field, ids, role in (("agents", agents, AGENT), ("supervisors", supervisors, SUPERVISOR)):
        if len(set(ids)) != len(ids):
            raise invalid(field, "a user is listed twice", rule)
        if not ids:
            continue
        storable = [i for i in ids if storable_id(i)]
        rows = await session.execute(
            select(User.id, User.roles).where(User.org_id == org_id, User.id.in_(storable))
        )
        roles: dict[int, list[str]] = {row.id: row.roles for row in rows}
        unknown = [i for i in ids if i not in roles]
        if unknown:
            raise invalid(field, f"unknown id in this organization: {unknown}", rule)
        lacking = [i for i in ids if role not in roles[i] and ADMINISTRATOR not in roles[i]]
        if lacking:
            raise invalid(field, f"users {lacking} do not hold the {role} role", rule)


def limited_supervisor(*, roles: Collection[str], perms: CCPermissions, user_id: int) -> int | None:
    """R-P-2: the user whose supervised queues bound what the caller sees, or None (no limit).

    Applies to supervisors who are not administrators, when the organization turned on
    "limit access to assigned queues".
    """
    if ADMINISTRATOR in roles or SUPERVISOR not in roles:
        return None
    return user_id if perms.supervisor_limit_to_assigned_queues else None
