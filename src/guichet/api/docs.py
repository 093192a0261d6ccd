"""The interactive API documentation, served from this server alone (issue 12 finding 10).

FastAPI's default `/api/docs` page loads Swagger UI from a CDN, so it is blank on a server
without internet access. The page here references only the Swagger UI 5 assets that the
`fastapi-offline` package ships (MIT; Swagger UI itself is Apache-2.0), mounted under
`/api/docs/assets`. (`swagger-ui-bundle` ships Swagger UI 4, which cannot render the
OpenAPI 3.1 documents FastAPI writes.)
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/api/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
#: swagger-ui-bundle.js, swagger-ui.css and favicon.png, as the package ships them.
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"


def install(app: FastAPI, *, openapi_url: str) -> None:
    """Serve the Swagger UI page at `/api/docs` and its assets under `/api/docs/assets`."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="swagger-ui")

    @app.get(DOCS_PATH, include_in_schema=False)
    async def _docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png",
        )
