"""Organization settings: locale, call-and-chat mixing (R-W-1), budget costs (R-X-8, R-W-6)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:10:00

`GET/PATCH /api/v1/organization` shows and changes them; the routing loop reads them into the
engine's configuration (`allow_mixing`, `costs`, `paused_cost`). NULL costs keep the engine's
defaults (a call 100, a chat 34, a message 20, a paused conversation 10).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("locale", sa.String(8), nullable=False, server_default="en"))
        batch.add_column(
            sa.Column("allow_mixing", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("channel_costs", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("paused_cost", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("paused_cost")
        batch.drop_column("channel_costs")
        batch.drop_column("allow_mixing")
        batch.drop_column("locale")
