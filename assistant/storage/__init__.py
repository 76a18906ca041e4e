"""Persistence: SQLAlchemy Core over SQLite (default) or Postgres, schema by Alembic migrations shipped here.

``engine.open_engine(url)`` gives a migrated engine; ``db.Database`` keeps the conversation API;
``workspace.WorkspaceStore`` holds the system profile and the evidence register.
"""
