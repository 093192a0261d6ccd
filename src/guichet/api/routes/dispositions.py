"""Dispositions (R-W-3): an ordered, searchable list; administrators change it
(``dispositions.manage``)."""

from __future__ import annotations

from fastapi import APIRouter

from guichet.actions.dispositions import DISPOSITIONS
from guichet.api.routes.catalog import catalog_routes
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.catalog import DISPOSITION_SCHEMAS

router = catalog_routes(
    APIRouter(prefix="/dispositions", tags=["dispositions"], responses=CLIENT_ERRORS),
    DISPOSITIONS,
    DISPOSITION_SCHEMAS,
    id_param="disposition_id",
)
