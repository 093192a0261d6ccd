"""One way of naming things in 404s: a readable noun and the id, never a table name
(issue 12 finding 9: `users 2 not found`, `interactions 1 not found`)."""

from __future__ import annotations

import pytest

from guichet.persistence.models import Base
from guichet.queries.lookups import NOUNS, noun_of
from tests.factories import Org, World

MISSING = 987_654

#: (path, noun) of routes that load one object of the caller's organization.
ROUTES = [
    ("/api/v1/users/{id}", "user"),
    ("/api/v1/interactions/{id}", "interaction"),
    ("/api/v1/interactions/{id}/messages", "interaction"),
    ("/api/v1/pause-reasons/{id}", "pause reason"),
    ("/api/v1/campaigns/{id}", "campaign"),
    ("/api/v1/skills/{id}", "skill"),
    ("/api/v1/queues/{id}", "queue"),
    ("/api/v1/contacts/{id}", "contact"),
    ("/api/v1/dispositions/{id}", "disposition"),
    ("/api/v1/access-roles/{id}", "access role"),
    ("/api/v1/departments/{id}", "department"),
    ("/api/v1/groups/{id}", "group"),
    ("/api/v1/labels/{id}", "label"),
    ("/api/v1/tags/{id}", "tag"),
]


@pytest.mark.parametrize(("path", "noun"), ROUTES)
async def test_a_404_names_a_readable_noun(world: World, org_a: Org, path: str, noun: str) -> None:
    r = await world.client.get(path.format(id=MISSING), headers=org_a.admin)
    assert r.status_code == 404, r.text
    assert r.json()["detail"] == f"{noun} {MISSING} not found"


def test_every_table_with_ids_has_a_noun() -> None:
    """A new table cannot fall back to its table name in an error."""
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and not table.name.startswith("analytics_"):
            assert table.name in NOUNS, table.name
    for mapper in Base.registry.mappers:
        noun = noun_of(mapper.class_)
        assert "_" not in noun and noun == noun.lower(), noun
