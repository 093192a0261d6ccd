"""Which table an id in a JSON answer belongs to, to tell one organization's ids from another's.

Ids are per table, so a rival queue 4 and our own user 4 are different objects: each id found
under an ``id`` / ``*_id`` / ``*_ids`` key (or in a list of ints under a plural name such as
``users`` or ``agents``) is given a *kind* (a table) from its key, from the collection it sits
in, or from the operation's path. An id whose kind cannot be told is compared with the ids of
every kind of the other organization (strict: a wrong guess shows up as a failure to look at,
never as a silent pass).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ANY = "?"

# ``<base>_id`` / ``<base>_ids``: the table the base names.
KEY_KINDS: dict[str, str] = {
    "user": "users",
    "agent": "users",
    "owner": "users",
    "supervisor": "users",
    "author": "users",
    "evaluator": "users",
    "actor": "users",
    "by_user": "users",
    "created_by": "users",
    "department": "departments",
    "group": "groups",
    "skill": "skills",
    "queue": "queues",
    "campaign": "campaigns",
    "reason": "pause_reasons",
    "pause_reason": "pause_reasons",
    "label": "labels",
    "canned_message": "canned_messages",
    "disposition": "dispositions",
    "tag": "tags",
    "interaction": "interactions",
    "flow": "flows",
    "role": "access_roles",
    "access_role": "access_roles",
    "contact": "contacts",
    "job": "export_jobs",
    "org": "organizations",
    "organization": "organizations",
    "token": "tokens",
    "rule": "targeting_rules",
    "targeting_rule": "targeting_rules",
    "evaluation": "evaluations",
    "member": "users",
}

# A key holding objects (or a list of ids) of one table.
COLLECTION_KINDS: dict[str, str] = {
    "users": "users",
    "agents": "users",
    "supervisors": "users",
    "departments": "departments",
    "groups": "groups",
    "skills": "skills",
    "queues": "queues",
    "campaigns": "campaigns",
    "pause_reasons": "pause_reasons",
    "reasons": "pause_reasons",
    "labels": "labels",
    "canned_messages": "canned_messages",
    "dispositions": "dispositions",
    "tags": "tags",
    "interactions": "interactions",
    "waiting": "interactions",
    "offers": "interactions",
    "flows": "flows",
    "roles": "access_roles",
    "access_roles": "access_roles",
    "contacts": "contacts",
    "jobs": "export_jobs",
    "tokens": "tokens",
    "rules": "targeting_rules",
    "targeting_rules": "targeting_rules",
    "evaluations": "evaluations",
    "messages": "messages",
    # singular keys holding one object
    "user": "users",
    "agent": "users",
    "queue": "queues",
    "skill": "skills",
    "contact": "contacts",
    "interaction": "interactions",
    "department": "departments",
    "campaign": "campaigns",
    "role": "access_roles",
    "flow": "flows",
    "job": "export_jobs",
}

# The kind of the objects an operation answers with, from the last static part of its path.
PATH_KINDS: dict[str, str] = {
    "organization": "organizations",
    "users": "users",
    "me": "users",
    "agent": "users",
    "departments": "departments",
    "groups": "groups",
    "skills": "skills",
    "descendants": "skills",
    "queues": "queues",
    "campaigns": "campaigns",
    "pause-reasons": "pause_reasons",
    "labels": "labels",
    "canned-messages": "canned_messages",
    "dispositions": "dispositions",
    "tags": "tags",
    "interactions": "interactions",
    "messages": "messages",
    "evaluations": "evaluations",
    "targeting-rules": "targeting_rules",
    "flows": "flows",
    "access-roles": "access_roles",
    "contacts": "contacts",
    "export-jobs": "export_jobs",
    "tokens": "tokens",
    "agents": "users",
    "offers": "interactions",
}
# Sub-collections with objects of their own; any other part after a path parameter (``/tags``,
# ``/end``, ``/members``, ``/access``...) acts on, and answers with, the parent object.
OWN_SUBCOLLECTIONS = frozenset({"messages", "evaluations", "descendants", "interactions"})

# Keys whose content is the caller's own free-form data, never ids of the server.
# (a flow's graph names its own node ids; its queues are checked when the flow is saved)
FREE_FORM = frozenset({"attributes", "criteria", "capacity", "graph"})
# ``id``, and ``<base>_id(s)`` whose base relates the object to others of its own table.
SELF_KEYS = frozenset({"id"})
RELATIVE_BASES = frozenset(
    {"parent", "child", "ancestor", "descendant", "qualifying", "next_before", "before"}
)
# Objects that say their own table: ``{"kind": "user", "id": 8}`` (access-rights targets).
KIND_VALUES = {"user": "users", "department": "departments", "group": "groups"}
_ID_KEY = re.compile(r"^(?P<base>.+?)_ids?$")


def path_kind(path: str) -> str:
    """The kind of the objects ``path`` (a template or a concrete path) answers with."""
    parts = [p for p in path.split("/") if p]
    params = [p.startswith("{") or p.isdigit() for p in parts]  # templates or concrete paths
    for i in range(len(parts) - 1, -1, -1):
        part = parts[i]
        if params[i] or part not in PATH_KINDS:
            continue
        after_param = i > 0 and params[i - 1]
        if after_param and part not in OWN_SUBCOLLECTIONS:
            continue
        return PATH_KINDS[part]
    return ANY


def key_kind(key: str, context: str) -> str | None:
    """The kind of the id(s) under ``key`` in an object of kind ``context``; None: not an id."""
    if key in SELF_KEYS:
        return context
    match = _ID_KEY.match(key)
    if match is None:
        return None
    base = match.group("base")
    if base in RELATIVE_BASES:
        return context
    if base in KEY_KINDS:
        return KEY_KINDS[base]
    # wrap_interaction_id, current_queue_id, ...: the last word names the table
    last = base.rsplit("_", 1)[-1]
    return KEY_KINDS.get(last, ANY)


@dataclass(frozen=True)
class FoundId:
    """One id in an answer: where, under which key, its value and its kind."""

    where: str
    key: str
    value: int
    kind: str


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return None


def walk_ids(body: Any, context: str, where: str = "$") -> Iterator[FoundId]:
    """Every id in ``body`` (a decoded JSON answer), with its kind."""
    if isinstance(body, list):
        for i, item in enumerate(body):
            yield from walk_ids(item, context, f"{where}[{i}]")
        return
    if not isinstance(body, dict):
        return
    own_kind = body.get("kind")
    if isinstance(own_kind, str) and own_kind in KIND_VALUES:
        context = KIND_VALUES[own_kind]
    for key, value in body.items():
        key = str(key)
        if key in FREE_FORM:
            continue
        here = f"{where}.{key}"
        kind = key_kind(key, context)
        if kind is not None:
            values = value if isinstance(value, list) else [value]
            for v in values:
                found = _as_id(v)
                if found is not None:
                    yield FoundId(here, key, found, kind)
            if isinstance(value, (dict, list)) and not all(_as_id(v) is not None for v in values):
                yield from walk_ids(value, COLLECTION_KINDS.get(key, context), here)
            continue
        inner = COLLECTION_KINDS.get(key)
        if inner is not None and isinstance(value, list):
            for i, v in enumerate(value):
                found = _as_id(v)
                if found is not None:
                    yield FoundId(f"{here}[{i}]", key, found, inner)
        if isinstance(value, (dict, list)):
            yield from walk_ids(value, inner if inner is not None else _nested(key, context), here)


def _nested(key: str, context: str) -> str:
    """The context of an object nested under a key that names no table."""
    if key in ("items", "data", "children", "tree", "results"):
        return context
    return ANY


@dataclass
class IdBook:
    """The ids of one organization's objects, by kind."""

    by_kind: dict[str, set[int]] = field(default_factory=dict)

    def add(self, kind: str, value: int) -> None:
        self.by_kind.setdefault(kind, set()).add(value)

    def add_answer(self, body: Any, path: str) -> None:
        """Record every id of a (trusted) answer of this organization."""
        for found in walk_ids(body, path_kind(path)):
            self.add(found.kind, found.value)

    def all_ids(self) -> set[int]:
        return set().union(*self.by_kind.values()) if self.by_kind else set()

    def holds(self, found: FoundId) -> bool:
        """Whether ``found`` is one of these ids (any kind when its kind is unknown)."""
        if found.kind == ANY:
            return found.value in self.all_ids()
        return found.value in self.by_kind.get(found.kind, set())

    def count(self) -> int:
        return sum(len(ids) for ids in self.by_kind.values())
