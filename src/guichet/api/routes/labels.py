"""Labels (R-Q-10): administrators manage them; agents may create custom ones (R-P-3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter

from guichet.actions.labels import LABELS
from guichet.api.deps import Principal
from guichet.api.routes.catalog import catalog_routes
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.catalog import LABEL_SCHEMAS
from guichet.authz import Permission
from guichet.errors import Forbidden


def _may_create(principal: Principal, values: Mapping[str, Any]) -> None:
    """R-Q-10, R-P-3: managers create any label; agents allowed to, only active ones; the
    creator is recorded."""
    if principal.can(Permission.LABELS_MANAGE):
        return
    principal.require(Permission.LABELS_CREATE)
    if not values["active"]:
        raise Forbidden(
            f"creating an inactive label needs the permission {Permission.LABELS_MANAGE}"
        )


# No DELETE: labels are deactivated, never deleted (R-Q-10), so a delete is 405.
router = catalog_routes(
    APIRouter(prefix="/labels", tags=["labels"], responses=CLIENT_ERRORS),
    LABELS,
    LABEL_SCHEMAS,
    id_param="label_id",
    may_create=_may_create,
)
