"""Who is asking, as the layers below the HTTP API see them.

`guichet.api.deps.Principal` (the authenticated caller of a request) satisfies :class:`Caller`;
the real-time bus (`realtime/`) and the live snapshot (`live/`) take a `Caller`, so neither
reaches up into `api/` for the caller's type (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Caller(Protocol):
    """The caller's organization, user id and contact-center roles (R-P-1)."""

    @property
    def org_id(self) -> int:
        """The caller's organization: every read is scoped to it."""
        ...

    @property
    def user_id(self) -> int:
        """The caller's user id."""
        ...

    @property
    def roles(self) -> Sequence[str]:
        """The caller's contact-center roles: agent, supervisor, administrator (R-P-1)."""
        ...
