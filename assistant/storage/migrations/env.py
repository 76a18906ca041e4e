"""Alembic environment: always run on the connection handed in by ``assistant.storage.migrate``."""

from __future__ import annotations

from alembic import context

from assistant.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through assistant.storage.migrate.upgrade()")
context.configure(connection=connection, target_metadata=metadata, transactional_ddl=True)
context.run_migrations()
