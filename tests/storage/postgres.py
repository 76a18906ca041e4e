"""A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temp folder, unix socket only, trust auth.

As root, the server runs as the ``postgres`` user (initdb refuses root). Skipped, with the reason, only when
the PostgreSQL binaries are not installed. ``database_url`` gives a fresh database of each kind (SQLite file,
Postgres database); a conftest that wants both imports the two fixtures.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    """A running cluster; ``new_database()`` gives a fresh database URL, ``drop_database()`` removes one."""

    def __init__(self, root: Path, bin_dir: Path, as_user: list[str]):
        self.root, self.bin, self.as_user = root, bin_dir, as_user
        self.socket = root / "socket"
        self._admin: Any = None

    def run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket}"

    def admin(self, statement: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE) on the ``postgres`` database."""
        import sqlalchemy as sa

        if self._admin is None:
            self._admin = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        with self._admin.connect() as conn:
            conn.exec_driver_sql(statement)

    def new_database(self, template: str | None = None) -> str:
        """A new database, empty or a copy of ``template`` (a database name on this cluster)."""
        name = "t_" + uuid.uuid4().hex[:12]
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""))
        return self.url(name)

    def connected(self, url: str) -> bool:
        """Whether anything (this process or a CLI it spawned) has connected to the database of ``url``."""
        import sqlalchemy as sa

        log = (self.root / "log").read_text(encoding="utf-8", errors="replace")
        return re.search(rf"connection authorized: .*database={sa.make_url(url).database}\b", log) is not None

    def drop_database(self, url: str) -> None:
        """Drop the database of ``url``, closing whatever connections are still open to it."""
        import sqlalchemy as sa

        self.admin(f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One cluster for the session (durability off: it is thrown away)."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    root = Path(tempfile.mkdtemp(prefix="ca-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(root, bin_dir, as_user)
    server.run("mkdir", "-p", str(server.socket))
    initdb = [str(bin_dir / "initdb"), "-D", str(root / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    try:  # a linguistic default collation, as production clusters have: ORDER BY on text differs from SQLite's
        server.run(*initdb, "--locale-provider=icu", "--icu-locale=en-US")
    except subprocess.CalledProcessError:  # a build without ICU
        shutil.rmtree(root / "data", ignore_errors=True)
        server.run(*initdb)
    options = (f"-c listen_addresses='' -c unix_socket_directories={server.socket} -c max_connections=200 "
               "-c log_connections=on -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    server.run(str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-w", "-l", str(root / "log"), "-o", options,
               "start")
    try:
        yield server
    finally:
        server.run(str(bin_dir / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()
