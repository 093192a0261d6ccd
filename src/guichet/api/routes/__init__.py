"""One router per topic; ``ROUTERS`` lists them for ``create_app``."""

from fastapi import APIRouter

from guichet.api.routes import (
    auth,
    campaigns,
    canned_messages,
    directory,
    dispositions,
    labels,
    pause_reasons,
    permissions,
    queues,
    routing_config,
    skills,
    tags,
    users,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    users.router,
    directory.router,
    skills.router,
    queues.router,
    campaigns.router,
    pause_reasons.router,
    labels.router,
    canned_messages.router,
    dispositions.router,
    tags.router,
    permissions.router,
    routing_config.router,
]
