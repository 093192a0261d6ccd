"""Schemas of the workspace lists: pause reasons, labels, canned messages, dispositions, tags."""

from __future__ import annotations

from typing import Literal

from pydantic import StrictBool

from guichet.api.schemas.common import Id, Input, Output, UTCTime, rule_field
from guichet.api.schemas.text import Line, Text

Visibility = Literal["public", "private"]


class PauseReasonCreate(Input):
    """A new pause reason (R-Q-9)."""

    name: Line = rule_field("R-Q-9", min_length=1, max_length=255)
    enabled: StrictBool = True


class PauseReasonUpdate(Input):
    """Rename and/or enable/disable a pause reason (R-Q-9)."""

    name: Line | None = rule_field("R-Q-9", None, min_length=1, max_length=255)
    enabled: StrictBool | None = None


class PauseReasonRead(Output):
    """A pause reason; ``is_system`` ones (e.g. "No answer") cannot be changed."""

    id: int
    name: str
    enabled: bool
    is_system: bool
    created_at: UTCTime
    updated_at: UTCTime


class PauseMenuRead(Output):
    """R-Q-9: what the agent's status menu shows.

    ``simple``: "Ready" and "Pause all queues" buttons (no reason enabled);
    ``reasons``: a status list with the enabled reasons.
    """

    mode: Literal["simple", "reasons"]
    reasons: list[PauseReasonRead] | None = None


class LabelCreate(Input):
    """A new label (R-Q-10); agents allowed to create labels cannot create inactive ones."""

    name: Line = rule_field("R-Q-10", min_length=1, max_length=100)
    active: StrictBool = True


class LabelUpdate(Input):
    """Rename and/or activate/deactivate a label (R-Q-10)."""

    name: Line | None = rule_field("R-Q-10", None, min_length=1, max_length=100)
    active: StrictBool | None = None


class LabelRead(Output):
    """A label."""

    id: int
    name: str
    active: bool
    created_by_id: int | None
    created_at: UTCTime
    updated_at: UTCTime


class CannedMessageCreate(Input):
    """A new canned message (R-Q-11); private by default."""

    shortcut: Line = rule_field("R-Q-11", min_length=1, max_length=64)
    title: Line = rule_field("R-Q-11", "", max_length=200)
    text: Text = rule_field("R-Q-11", min_length=1, max_length=10_000)
    visibility: Visibility = "private"
    active: StrictBool = True
    queue_id: Id | None = rule_field(
        "R-Q-11",
        None,
        description="the queue (channel) a public message belongs to; null: the whole "
        "organization's. Private messages take none.",
    )


class CannedMessageUpdate(Input):
    """Edit a canned message (R-Q-11): only the fields sent change."""

    shortcut: Line | None = rule_field("R-Q-11", None, min_length=1, max_length=64)
    title: Line | None = rule_field("R-Q-11", None, max_length=200)
    text: Text | None = rule_field("R-Q-11", None, min_length=1, max_length=10_000)
    visibility: Visibility | None = None
    active: StrictBool | None = None
    queue_id: Id | None = rule_field(
        "R-Q-11", None, description="move to a queue, or null for the whole organization"
    )


class CannedMessageRead(Output):
    """A canned message; ``owner_id`` is its author, ``queue_id`` its queue (None: the whole
    organization's, R-A-2 canned responses)."""

    id: int
    shortcut: str
    title: str
    text: str
    visibility: Visibility
    active: bool
    owner_id: int | None
    queue_id: int | None
    created_at: UTCTime
    updated_at: UTCTime


class DispositionCreate(Input):
    """A new disposition (R-W-3); without ``position`` it goes last."""

    name: Line = rule_field("R-W-3", min_length=1, max_length=100)
    description: Text = rule_field("R-W-3", "", max_length=500)
    active: StrictBool = True
    position: int | None = rule_field("R-W-3", None, ge=0, le=1_000_000)


class DispositionUpdate(Input):
    """Edit a disposition (R-W-3): only the fields sent change."""

    name: Line | None = rule_field("R-W-3", None, min_length=1, max_length=100)
    description: Text | None = rule_field("R-W-3", None, max_length=500)
    active: StrictBool | None = None
    position: int | None = rule_field("R-W-3", None, ge=0, le=1_000_000)


class DispositionRead(Output):
    """A disposition, in list order by ``position``."""

    id: int
    name: str
    description: str
    active: bool
    position: int
    created_at: UTCTime
    updated_at: UTCTime


class TagCreate(Input):
    """A new tag (R-W-2)."""

    name: Line = rule_field("R-W-2", min_length=1, max_length=100)


class TagUpdate(Input):
    """Rename a tag (R-W-2)."""

    name: Line = rule_field("R-W-2", min_length=1, max_length=100)


class TagRead(Output):
    """A tag."""

    id: int
    name: str
    created_at: UTCTime
    updated_at: UTCTime
