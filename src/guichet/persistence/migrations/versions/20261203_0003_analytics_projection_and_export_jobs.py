"""Analytics projection (interactions, segments, agent states, cursors) and export jobs

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 07:43:20.339868
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The projector reads an organization's log from its cursor, by id.
    with op.batch_alter_table("interaction_events", schema=None) as batch_op:
        batch_op.create_index("ix_interaction_events_org_id_id", ["org_id", "id"], unique=False)
    op.create_table(
        "analytics_cursors",
        sa.Column("org_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_analytics_cursors_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_analytics_cursors")),
    )
    op.create_table(
        "export_jobs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_export_jobs_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_export_jobs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
    )
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_export_jobs_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_jobs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "analytics_interactions",
        sa.Column("interaction_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("skill_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("first_agent_id", sa.Integer(), nullable=True),
        sa.Column("arrived_ts", sa.Float(), nullable=False),
        sa.Column("queued_ts", sa.Float(), nullable=True),
        sa.Column("answered_ts", sa.Float(), nullable=True),
        sa.Column("abandoned_ts", sa.Float(), nullable=True),
        sa.Column("ended_ts", sa.Float(), nullable=True),
        sa.Column("wait_s", sa.Float(), nullable=True),
        sa.Column("talk_s", sa.Float(), nullable=False),
        sa.Column("hold_s", sa.Float(), nullable=False),
        sa.Column("wrap_s", sa.Float(), nullable=False),
        sa.Column("first_response_s", sa.Float(), nullable=True),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("no_answers", sa.Integer(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("overflowed", sa.Boolean(), nullable=False),
        sa.Column("callback", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_analytics_interactions_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_analytics_interactions_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interaction_id", name=op.f("pk_analytics_interactions")),
    )
    with op.batch_alter_table("analytics_interactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analytics_interactions_org_arrived", ["org_id", "arrived_ts"], unique=False
        )
        batch_op.create_index(
            "ix_analytics_interactions_org_answered", ["org_id", "answered_ts"], unique=False
        )
        batch_op.create_index(
            "ix_analytics_interactions_org_abandoned", ["org_id", "abandoned_ts"], unique=False
        )
        batch_op.create_index(
            "ix_analytics_interactions_org_outcome", ["org_id", "outcome"], unique=False
        )

    op.create_table(
        "analytics_segments",
        sa.Column("interaction_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("start_ts", sa.Float(), nullable=False),
        sa.Column("end_ts", sa.Float(), nullable=True),
        sa.Column("talk_s", sa.Float(), nullable=False),
        sa.Column("hold_s", sa.Float(), nullable=False),
        sa.Column("wrap_s", sa.Float(), nullable=False),
        sa.Column("end_reason", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_analytics_segments_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_analytics_segments_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interaction_id", "seq", name=op.f("pk_analytics_segments")),
    )
    with op.batch_alter_table("analytics_segments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analytics_segments_org_agent_start",
            ["org_id", "agent_id", "start_ts"],
            unique=False,
        )
        batch_op.create_index(
            "ix_analytics_segments_org_start", ["org_id", "start_ts"], unique=False
        )

    op.create_table(
        "analytics_agent_states",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("start_ts", sa.Float(), nullable=False),
        sa.Column("end_ts", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["interaction_events.id"],
            name=op.f("fk_analytics_agent_states_event_id_interaction_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_analytics_agent_states_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_analytics_agent_states")),
    )
    with op.batch_alter_table("analytics_agent_states", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analytics_agent_states_org_agent_event",
            ["org_id", "agent_id", "event_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_analytics_agent_states_org_start", ["org_id", "start_ts"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("interaction_events", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_events_org_id_id")
    with op.batch_alter_table("analytics_agent_states", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_agent_states_org_start")
        batch_op.drop_index("ix_analytics_agent_states_org_agent_event")

    op.drop_table("analytics_agent_states")
    with op.batch_alter_table("analytics_segments", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_segments_org_start")
        batch_op.drop_index("ix_analytics_segments_org_agent_start")

    op.drop_table("analytics_segments")
    with op.batch_alter_table("analytics_interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_interactions_org_outcome")
        batch_op.drop_index("ix_analytics_interactions_org_abandoned")
        batch_op.drop_index("ix_analytics_interactions_org_answered")
        batch_op.drop_index("ix_analytics_interactions_org_arrived")

    op.drop_table("analytics_interactions")
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_export_jobs_user_id"))
        batch_op.drop_index(batch_op.f("ix_export_jobs_org_id"))

    op.drop_table("export_jobs")
    op.drop_table("analytics_cursors")
