"""The cross-organization check of the schemathesis run tells tables apart (tests/fuzz/ids.py)."""

from __future__ import annotations

from tests.fuzz.ids import ANY, IdBook, path_kind, walk_ids


def test_ids_are_typed_by_key_collection_and_path() -> None:
    answer = {
        "queues": [{"id": 4, "skill_id": 2, "waiting": [{"id": 9, "contact": {"id": 3}}]}],
        "agents": [{"user_id": 5, "queue_ids": [4, 6], "wrap_interaction_id": 9}],
        "attributes": {"order_id": 77},
        "users": [8],
        "mystery": {"id": 1},
    }
    found = {(f.where, f.kind, f.value) for f in walk_ids(answer, path_kind("/api/v1/x"))}
    assert found == {
        ("$.queues[0].id", "queues", 4),
        ("$.queues[0].skill_id", "skills", 2),
        ("$.queues[0].waiting[0].id", "interactions", 9),
        ("$.queues[0].waiting[0].contact.id", "contacts", 3),
        ("$.agents[0].user_id", "users", 5),
        ("$.agents[0].queue_ids", "queues", 4),
        ("$.agents[0].queue_ids", "queues", 6),
        ("$.agents[0].wrap_interaction_id", "interactions", 9),
        ("$.users[0]", "users", 8),
        ("$.mystery.id", ANY, 1),
    }
    assert path_kind("/api/v1/queues/{queue_id}/members") == "queues"
    assert path_kind("/api/v1/interactions/{iid}/tags") == "interactions"
    assert path_kind("/api/v1/interactions/12/tags") == "interactions"
    assert path_kind("/api/v1/interactions/{iid}/messages") == "messages"
    assert path_kind("/api/v1/skills/{skill_id}/descendants") == "skills"
    assert path_kind("/api/v1/agent/offers/{iid}/accept") == "interactions"
    assert path_kind("/api/v1/me/tokens") == "tokens"
    through = {"roles": [{"id": 3, "through": [{"kind": "user", "id": 8}]}]}
    assert {(f.kind, f.value) for f in walk_ids(through, "users")} == {
        ("access_roles", 3),
        ("users", 8),
    }
    tree = {"skill_id": 1, "descendant_ids": [2], "parent_id": 4}
    assert {(f.kind, f.value) for f in walk_ids(tree, "skills")} == {
        ("skills", 1),
        ("skills", 2),
        ("skills", 4),
    }


def test_a_rival_id_is_found_only_in_its_own_table_unless_the_table_is_unknown() -> None:
    rival = IdBook()
    rival.add_answer([{"id": 7, "parent_id": 6}], "/api/v1/skills")
    assert rival.by_kind == {"skills": {6, 7}}
    (skill,) = walk_ids({"skill_id": 7}, ANY)
    (queue,) = walk_ids({"queue_id": 7}, ANY)
    (unknown,) = walk_ids({"id": 6}, ANY)
    assert rival.holds(skill) and not rival.holds(queue) and rival.holds(unknown)
