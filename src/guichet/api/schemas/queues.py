"""Request and response bodies of the queues resource (R-Q-1, R-Q-2, R-Q-4, R-Q-6..8)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictFloat, computed_field

from guichet.actions.queues import DEFAULTS
from guichet.api.schemas.common import Choice, Id, Input, Output, UTCTime, rule_field
from guichet.api.schemas.text import Line, Phone
from guichet.domain import Channel, QueueKind, QueueType, Strategy

NumberTypeName = Literal["mobile", "landline", "international", "toll_free"]
#: A whole threshold: more than 0, at most a day in seconds (R-Q-6; the action checks the unit).
ThresholdSeconds = Annotated[int, Field(ge=1, le=86400)]
#: A threshold typed as text: ASCII digits with an optional decimal part (R-Q-6).
ThresholdText = Annotated[str, Field(max_length=32, pattern=r"^[0-9]{1,12}([.,][0-9]{1,6})?$")]
ThresholdUnit = Literal["seconds", "minutes", "hours"]
_FACTORS: tuple[tuple[ThresholdUnit, int], ...] = (("hours", 3600), ("minutes", 60))


class CallbackThreshold(Input):
    """A callback wait threshold as typed by an administrator (R-Q-6)."""

    value: ThresholdSeconds | StrictFloat | ThresholdText = rule_field(
        "R-Q-6", description="greater than 0; ASCII digits only when given as text"
    )
    unit: ThresholdUnit = rule_field("R-Q-6")


def _d(name: str) -> str:
    return f"default {DEFAULTS[name]!r} on creation"


class _QueueSettings(Input):
    """Settings shared by creation and update; a field left out keeps its value (or default).

    Fields typed without ``None`` refuse an explicit ``null``.
    """

    extension: str | None = rule_field(
        "R-Q-1",
        None,
        max_length=10,
        pattern=r"^[0-9]{2,10}$",
        description="call queues: 2-10 ASCII digits, unique; proposed when left out on creation",
    )
    queue_type: Choice[QueueType] = rule_field(
        "R-Q-1", None, description="call queues: standard | icr"
    )
    channel_types: list[Choice[Channel]] = rule_field(
        "R-Q-2",
        None,
        max_length=len(Channel),
        description="chat queues: chat, messaging, sms, email, social; call: voice",
    )
    strategy: Choice[Strategy] = rule_field("R-Q-4", None, description=_d("strategy"))
    offer_timeout_s: int = rule_field(
        "R-Q-4", None, ge=5, le=600, description=_d("offer_timeout_s")
    )
    max_no_answer: int = rule_field("R-Q-4", None, ge=0, le=20, description="0 = never pause")
    skill_id: Id | None = rule_field("R-Q-4", None, description="a skill of the organization")
    wrap_up_s: int = rule_field("R-Q-7", None, ge=0, le=3600, description=_d("wrap_up_s"))
    agents_may_end_wrap_up: bool = rule_field("R-Q-7", None)
    require_disposition: bool = rule_field("R-W-3", None)
    disposition_timer_s: int = rule_field("R-W-3", None, ge=0, le=3600, description="0 = no limit")
    weight: int = rule_field("R-Q-8", None, ge=1, le=100, description="priority weight, default 1")
    abandon_return_s: int = rule_field("R-X-9", None, ge=0, le=3600, description="0 = off")
    callback_enabled: bool = rule_field("R-Q-6", None)
    callback_threshold: CallbackThreshold | None = rule_field("R-Q-6", None)
    callback_caller_id: Phone | None = rule_field(
        "R-Q-6", None, max_length=32, description="E.164, required when callback is enabled"
    )
    callback_number_types: list[NumberTypeName] = rule_field("R-Q-6", None, max_length=10)


class QueueCreate(_QueueSettings):
    """A new call or chat queue."""

    kind: Choice[QueueKind] = rule_field("R-Q-1")
    name: Line = rule_field("R-Q-1", min_length=1, max_length=100)


class QueueUpdate(_QueueSettings):
    """Changes to a queue (PATCH: only the fields sent change; the kind cannot)."""

    name: Line = rule_field("R-Q-1", None, min_length=1, max_length=100)


class QueueRead(Output):
    """A queue with all its settings."""

    id: int
    kind: QueueKind
    name: str
    extension: str | None
    queue_type: QueueType
    channel_types: list[str]
    strategy: Strategy
    offer_timeout_s: int
    max_no_answer: int
    skill_id: int | None
    wrap_up_s: int
    agents_may_end_wrap_up: bool
    require_disposition: bool
    disposition_timer_s: int
    weight: int
    abandon_return_s: int
    callback_enabled: bool
    callback_threshold_s: float | None
    callback_caller_id: str | None
    callback_number_types: list[str]
    created_at: UTCTime
    updated_at: UTCTime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def callback_threshold(self) -> dict[str, float | str] | None:
        """The threshold in the largest unit that states it exactly (R-Q-6)."""
        seconds = self.callback_threshold_s
        if seconds is None:
            return None
        for unit, factor in _FACTORS:
            if seconds % factor == 0:
                return {"value": seconds / factor, "unit": unit}
        return {"value": seconds, "unit": "seconds"}


class NextExtension(Output):
    """The extension proposed for a new call queue (R-Q-1)."""

    extension: str


class MembersWrite(Input):
    """Every member of a queue or campaign; agents in top-down order (R-Q-2, R-Q-3, R-Q-4)."""

    agents: list[Id] = rule_field("R-Q-2", max_length=10_000)
    supervisors: list[Id] = rule_field("R-Q-2", max_length=10_000)


class MembersRead(Output):
    """A queue's or campaign's members, by user id."""

    agents: list[int]
    supervisors: list[int]
