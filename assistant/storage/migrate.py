"""Run the Alembic migrations shipped in ``assistant/storage/migrations`` on an engine, in one transaction.

A database made by the older hand-rolled migrations (a ``schema_version`` table and ``turns``) is adopted:
the first revision sees ``turns`` already there and keeps its rows. Concurrent upgrades are serialized
(SQLite: ``BEGIN IMMEDIATE``; Postgres: a transaction-scoped advisory lock).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 7_141_711  # any constant: the advisory lock every upgrading process takes on Postgres


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic config pointing at the shipped migrations (and at ``connection`` when given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision shipped."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: sa.Engine) -> str | None:
    """The revision the database is at (None: not migrated yet)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: sa.Engine, target: str = "head") -> None:
    """Bring the database to ``target`` in one transaction; nothing changes if it fails midway."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        command.upgrade(alembic_config(connection), target)
