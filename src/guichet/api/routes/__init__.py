"""One router per topic; ``ROUTERS`` lists them for ``create_app``."""

from fastapi import APIRouter

from guichet.api.routes import (
    access_roles,
    agent_ops,
    auth,
    campaigns,
    canned_messages,
    contacts,
    directory,
    dispositions,
    interactions,
    labels,
    organization,
    pause_reasons,
    permissions,
    queues,
    routing_config,
    skills,
    supervision,
    tags,
    users,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    organization.router,
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
    interactions.router,
    agent_ops.router,
    supervision.router,
    routing_config.router,
    access_roles.router,
    contacts.router,
]
