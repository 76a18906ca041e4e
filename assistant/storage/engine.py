"""Engines for a database URL: SQLite with WAL, a busy timeout and transactional DDL; Postgres as is.

Every ``engine.begin()`` block is one transaction on both back ends (DDL included, so a killed migration
leaves the previous schema), which is what makes a killed import or migration lose nothing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

_ENGINES: dict[str, sa.Engine] = {}
_LOCK = threading.Lock()


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def create(url: str) -> sa.Engine:
    """A new engine for ``url``; SQLite files get their folder created and transactional DDL."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return sa.create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def open_engine(url: str) -> sa.Engine:
    """The shared, migrated engine of ``url`` (created and upgraded once per process)."""
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            from assistant.storage.migrate import upgrade

            engine = create(url)
            upgrade(engine)
            _ENGINES[url] = engine
        return engine


def dispose(url: str | None = None) -> None:
    """Close the pooled connections of the shared engine of ``url`` (of every shared engine when None) and
    forget it: the next ``open_engine`` creates it again. For whoever drops or replaces a database."""
    with _LOCK:
        urls = list(_ENGINES) if url is None else [url]
        for key in urls:
            engine = _ENGINES.pop(key, None)
            if engine is not None:
                engine.dispose()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions start (so DDL is inside them).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")  # erased rows (a Slack reply's pending question) are overwritten
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
