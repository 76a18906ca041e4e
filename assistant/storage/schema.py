"""Every table, as SQLAlchemy Core ``Table`` objects on one ``MetaData`` (migrations create them).

To add a table: declare it here, write a new revision in
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

# ---- Slack front end: event claims (dedupe, leases, redelivery), replayed slash commands, the audit log ----

slack_events = sa.Table(
    "slack_events", metadata,
    sa.Column("event_id", sa.Text, primary_key=True),  # Slack's event ID, "shortcut:<trigger>", "command:<digest>"
    sa.Column("received_at", sa.Float, nullable=False),
    sa.Column("status", sa.Text, nullable=False, server_default="open"),  # open | done
    sa.Column("claimed_at", sa.Float),  # NULL: nobody holds it (released, or never claimed)
    sa.Column("claimed_by", sa.Text),  # the claim's token: only its holder may save, release or re-lease it
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("pending", sa.Text),  # JSON of the reply as far as it got; erased when done
    sa.Index("slack_events_open", "status", "received_at"),
)

slack_commands = sa.Table(
    "slack_commands", metadata,
    sa.Column("digest", sa.Text, primary_key=True),  # sha256 of the signed body: replays are refused
    sa.Column("received_at", sa.Float, nullable=False),
)

slack_audit = sa.Table(
    "slack_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # the feedback buttons carry it
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("user_id", sa.Text),
    sa.Column("channel_id", sa.Text),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("question_hash", sa.Text, nullable=False),
    sa.Column("cited_ids", sa.Text, nullable=False),
    sa.Column("latency_ms", sa.Float),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("feedback", sa.Text),
    sa.Index("slack_audit_by_time", "created_at"),
    sqlite_autoincrement=True,  # a purged ID is never given to a new answer (old buttons cannot rate it)
)
