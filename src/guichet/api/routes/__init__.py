"""One router per topic; ``ROUTERS`` lists them for ``create_app``."""

from fastapi import APIRouter

from guichet.api.routes import auth

ROUTERS: list[APIRouter] = [
    auth.router,
]
