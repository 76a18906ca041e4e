"""Storage tests run on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from tests.storage.postgres import database_url, postgres_server

__all__ = ["database_url", "postgres_server"]
