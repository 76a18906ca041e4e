"""The Slack front end's records: event claims, replayed slash commands, the audit log.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_events",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("claimed_at", sa.Float),
        sa.Column("claimed_by", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pending", sa.Text),
    )
    op.create_index("slack_events_open", "slack_events", ["status", "received_at"])
    op.create_table(
        "slack_commands",
        sa.Column("digest", sa.Text, primary_key=True),
        sa.Column("received_at", sa.Float, nullable=False),
    )
    op.create_table(
        "slack_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("user_id", sa.Text),
        sa.Column("channel_id", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("question_hash", sa.Text, nullable=False),
        sa.Column("cited_ids", sa.Text, nullable=False),
        sa.Column("latency_ms", sa.Float),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("feedback", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("slack_audit_by_time", "slack_audit", ["created_at"])


def downgrade() -> None:
    op.drop_index("slack_audit_by_time", "slack_audit")
    op.drop_table("slack_audit")
    op.drop_table("slack_commands")
    op.drop_index("slack_events_open", "slack_events")
    op.drop_table("slack_events")
