"""`/api/docs` works without internet: its page references only assets this server serves
(issue 12 finding 10: Swagger UI came from a CDN, so the page was blank offline)."""

from __future__ import annotations

import re

from tests.factories import World


async def test_the_docs_page_references_only_local_assets_and_they_are_served(
    world: World,
) -> None:
    r = await world.client.get("/api/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    urls += re.findall(r"""url: ?["']([^"']+)["']""", page)
    assert urls, page
    assert not [u for u in urls if "//" in u], urls  # no http(s):// nor protocol-relative URL
    scripts = [u for u in urls if u.endswith(".js")]
    styles = [u for u in urls if u.endswith(".css")]
    assert scripts and styles, urls
    for url in urls:
        got = await world.client.get(url)
        assert got.status_code == 200, url
        assert got.content, url
    js = await world.client.get(scripts[0])
    assert "SwaggerUIBundle" in js.text
    assert js.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")


async def test_the_served_swagger_ui_renders_openapi_3_1(world: World) -> None:
    """FastAPI writes OpenAPI 3.1; Swagger UI 4 refuses it (blank page), Swagger UI 5 reads it."""
    doc = (await world.client.get("/api/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    js = await world.client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert "isOAS31" in js.text
