"""Every table, as SQLAlchemy Core ``Table`` objects on one ``MetaData`` (migrations create them).

To add a table (the Slack dedupe and audit tables, for example): declare it here, write a new revision in
``migrations/versions`` that creates it, and read or write it through a small store class like
``WorkspaceStore``. ``tests/storage`` checks that the migrated schema matches these declarations.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

turns = sa.Table(
    "turns", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("intent", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("cited_ids", sa.Text, nullable=False),
    sa.Column("subject_ids", sa.Text, nullable=False),
    sa.Index("turns_by_conversation", "conversation_id", "id"),
)

system_profiles = sa.Table(
    "system_profiles", metadata,
    sa.Column("name", sa.Text, primary_key=True),  # one profile per database: "default"
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

evidence_items = sa.Table(
    "evidence_items", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("document", sa.JSON, nullable=False),  # the EvidenceItem as imported and normalized
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
