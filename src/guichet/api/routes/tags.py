"""Tags (R-W-2): a list agents search by name; administrators change it (``tags.manage``)."""

from __future__ import annotations

from fastapi import APIRouter

from guichet.actions.tags import TAGS
from guichet.api.routes.catalog import catalog_routes
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.catalog import TAG_SCHEMAS

router = catalog_routes(
    APIRouter(prefix="/tags", tags=["tags"], responses=CLIENT_ERRORS),
    TAGS,
    TAG_SCHEMAS,
    id_param="tag_id",
)
