"""Conversation turns (adopts the table the pre-Alembic migrations made, rows kept).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "turns" in sa.inspect(op.get_bind()).get_table_names():
        return  # made by the older hand-rolled migrations: same columns, kept as is
    op.create_table(
        "turns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("intent", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("cited_ids", sa.Text, nullable=False),
        sa.Column("subject_ids", sa.Text, nullable=False),
    )
    op.create_index("turns_by_conversation", "turns", ["conversation_id", "id"])


def downgrade() -> None:
    op.drop_index("turns_by_conversation", "turns")
    op.drop_table("turns")
