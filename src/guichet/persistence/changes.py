"""Which committed writes touch the routing configuration: a process-wide generation counter.

The routing loop re-reads its configuration when the configuration changed (queues, skills,
users, memberships, switches, targeting rules, flows, access rights). Comparing a fingerprint
of those tables costs one query per batch of commands; this module lets the loop skip it while
nothing in this process has written to them. Any session of the process that commits a write
to one of :data:`CONFIG_TABLES` (through the unit of work or a bulk ``insert``/``update``/
``delete``) bumps :func:`generation`. Writes made by another process (``guichet user create``
while the server runs) are not seen here: the loop still compares fingerprints now and then.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

CONFIG_TABLES = frozenset(
    {
        "organizations",
        "departments",
        "groups",
        "group_members",
        "users",
        "queues",
        "queue_members",
        "skills",
        "user_skills",
        "contact_center_permissions",
        "targeting_rules",
        "flows",
        "access_roles",
        "role_assignments",
    }
)
_TOUCHED = "guichet.config_touched"
_generation = 0


def generation() -> int:
    """A number that grows each time a configuration write of this process is committed."""
    return _generation


def _table_name(target: Any) -> str | None:
    for attr in ("__table__", "table"):
        table = getattr(target, attr, None)
        if isinstance(table, Table):
            return table.name
    return None


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if _table_name(obj) in CONFIG_TABLES:
            session.info[_TOUCHED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    name = _table_name(state.statement)
    if name is None or name in CONFIG_TABLES:  # unknown target: assume it may be
        state.session.info[_TOUCHED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    global _generation
    if session.info.pop(_TOUCHED, False):
        _generation += 1


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_TOUCHED, None)
