"""Ids are never reused on SQLite (AUTOINCREMENT); agents' availability start is kept (R-Q-4)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 01:20:00

On SQLite a table whose primary key is a plain ``INTEGER PRIMARY KEY`` gives a new row the
largest id plus one, so deleting the newest queue and creating another reused its id and stale
references (an interaction, an agent's queue login) silently attached to the new queue. Every
table with an integer ``id`` is rebuilt with ``AUTOINCREMENT`` (SQLite's documented procedure:
new table, copy, drop, rename, indexes again; ``guichet.persistence.migrate`` runs migrations
with foreign keys off and checks them afterwards). PostgreSQL sequences never go back: nothing
to do there.

``agent_presence.available_since`` is when the agent last became available after being paused
or offline: an offer the agent let expire or rejected since then is not offered to them again
after a restart either (R-Q-4).
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _autoincrement_sql(name: str, sql: str) -> str | None:
    """The CREATE TABLE statement with ``id`` as an AUTOINCREMENT key, or None if not ours."""
    if "AUTOINCREMENT" in sql.upper():
        return None
    column = re.compile(r"(\n\s*id INTEGER NOT NULL)(,)")
    constraint = re.compile(rf",?\s*CONSTRAINT pk_{re.escape(name)} PRIMARY KEY \(id\)")
    if not column.search(sql) or not constraint.search(sql):
        return None
    sql = column.sub(r"\1 PRIMARY KEY AUTOINCREMENT\2", sql, count=1)
    return constraint.sub("", sql, count=1)


def _sqlite_autoincrement() -> None:
    bind = op.get_bind()
    tables = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version' ORDER BY name"
    ).all()
    for name, sql in tables:
        new_sql = _autoincrement_sql(name, sql)
        if new_sql is None:
            continue
        indexes = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (name,),
        ).all()
        columns = [row[1] for row in bind.exec_driver_sql(f'PRAGMA table_info("{name}")')]
        cols = ", ".join(f'"{c}"' for c in columns)
        tmp = f"_new_{name}"
        create = re.sub(
            rf'^CREATE TABLE\s+("{re.escape(name)}"|{re.escape(name)})\s*\(',
            f'CREATE TABLE "{tmp}" (',
            new_sql,
            count=1,
        )
        bind.exec_driver_sql(create)
        bind.exec_driver_sql(f'INSERT INTO "{tmp}" ({cols}) SELECT {cols} FROM "{name}"')
        bind.exec_driver_sql(f'DROP TABLE "{name}"')
        bind.exec_driver_sql(f'ALTER TABLE "{tmp}" RENAME TO "{name}"')
        for (index_sql,) in indexes:
            bind.exec_driver_sql(index_sql)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_autoincrement()
    with op.batch_alter_table("agent_presence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("available_since", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agent_presence", schema=None) as batch_op:
        batch_op.drop_column("available_since")
