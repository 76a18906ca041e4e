"""Which database the suite runs on: SQLite files (the default) or one throwaway PostgreSQL cluster.

``pytest --database=postgres`` (or ``COMPLIANCE_ASSISTANT_TEST_DATABASE=postgres``) starts one cluster for the
session and gives every test a fresh database, copied from a migrated template, in
``COMPLIANCE_ASSISTANT_DATABASE_URL``: every ``Settings`` the test builds, and every CLI it spawns with
``cli_environment()``, use it. Tests marked ``sqlite_only`` test SQLite files on purpose and keep them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.storage.postgres import PostgresServer, postgres_server

__all__ = ["postgres_server"]

BACKEND_ENV = "COMPLIANCE_ASSISTANT_TEST_DATABASE"
URL_ENV = "COMPLIANCE_ASSISTANT_DATABASE_URL"
BACKENDS = ("sqlite", "postgres")
_TEMPLATE = "ca_migrated"
REPO = Path(__file__).resolve().parents[1]
# A test is marked ``storage`` (and runs on Postgres in ``make test`` too) when it uses one of these fixtures or
# lives under one of these paths. ``make test-postgres`` fails on a test that opened its database unmarked.
STORAGE_FIXTURES = frozenset({"assistant", "make_assistant", "new_database_url", "test_databases",
                              "database_url", "postgres_server", "slack_settings"})
STORAGE_PATHS = ("tests/storage/", "tests/workspace/", "tests/exports/", "tests/cli/test_workspace_cli.py",
                 "tests/cli/test_purge_cli.py", "tests/cli/test_ask_cli.py", "tests/cli/test_slack_cli.py",
                 "tests/evals/test_gate.py")
_UNMARKED = pytest.StashKey[list[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--database", choices=BACKENDS, default=os.environ.get(BACKEND_ENV, "sqlite"),
                     help=f"where every test's database lives (default: ${BACKEND_ENV} or sqlite)")
    parser.addoption("--storage-report", metavar="FILE", default=None,
                     help="with --database=postgres: append the ID of every test that opened its database to FILE")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): tests a SQLite file on purpose; keeps SQLite under "
                                       "--database=postgres")
    config.addinivalue_line("markers", "storage: reaches the storage layer (set from STORAGE_FIXTURES and "
                                       "STORAGE_PATHS in tests/database.py); make test runs these on Postgres too")
    config.stash[_UNMARKED] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if reaches_storage(item):
            item.add_marker(pytest.mark.storage)


def reaches_storage(item: pytest.Item) -> bool:
    """Whether a test uses a storage-backed fixture or lives in a folder whose tests all use the store."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(STORAGE_FIXTURES & fixtures) or item.path.relative_to(REPO).as_posix().startswith(STORAGE_PATHS)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    unmarked = config.stash[_UNMARKED]
    if unmarked:
        terminalreporter.write_sep("=", "opened their database but are not marked storage", red=True)
        for nodeid in unmarked:
            terminalreporter.write_line(nodeid)
        terminalreporter.write_line("Add their fixture or folder to STORAGE_FIXTURES or STORAGE_PATHS in "
                                    "tests/database.py, so that make test runs them on Postgres.")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.stash[_UNMARKED] and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


class SuiteDatabases:
    """Hands out fresh database URLs on the session's back end; Postgres ones start migrated (a template copy)."""

    def __init__(self, backend: str, request: pytest.FixtureRequest):
        self.backend, self._request = backend, request
        self._server: PostgresServer | None = None
        self._count = itertools.count()

    @property
    def server(self) -> PostgresServer:
        """The session's cluster, started (with its migrated template) on first use."""
        if self._server is None:
            from assistant.storage.engine import dispose, open_engine

            server: PostgresServer = self._request.getfixturevalue("postgres_server")
            server.admin(f'CREATE DATABASE "{_TEMPLATE}"')
            open_engine(server.url(_TEMPLATE))
            dispose(server.url(_TEMPLATE))  # a template must have no connections while it is copied
            self._server = server
        return self._server

    def new(self, folder: Path) -> str:
        """A fresh database: a SQLite file in ``folder``, or a new database on the cluster."""
        if self.backend == "sqlite":
            return f"sqlite:///{folder / f'db-{next(self._count)}.sqlite3'}"
        return self.server.new_database(template=_TEMPLATE)

    def drop(self, url: str) -> None:
        """Forget the engines on ``url`` and drop it (SQLite files go with their temp folder)."""
        from assistant.storage.engine import dispose

        dispose(url)
        if self.backend == "postgres":
            self.server.drop_database(url)


@pytest.fixture(scope="session")
def test_databases(request: pytest.FixtureRequest) -> SuiteDatabases:
    """The session's databases (``--database``)."""
    return SuiteDatabases(request.config.getoption("database"), request)


@pytest.fixture
def new_database_url(test_databases: SuiteDatabases, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Make fresh database URLs for one test (on the session's back end); dropped after it."""
    made: list[str] = []

    def make() -> str:
        made.append(test_databases.new(tmp_path))
        return made[-1]

    yield make
    for url in made:
        test_databases.drop(url)


@pytest.fixture(autouse=True)
def _database_under_test(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Under ``--database=postgres``, point ``COMPLIANCE_ASSISTANT_DATABASE_URL`` at a fresh database.
    (``test_databases`` is looked up, not a parameter: it would put every test in the ``storage`` selection.)"""
    test_databases: SuiteDatabases = request.getfixturevalue("test_databases")
    if test_databases.backend == "sqlite" or request.node.get_closest_marker("sqlite_only"):
        yield
        return
    request.getfixturevalue("_isolated_env")  # after it has cleared the user's settings
    url = test_databases.server.new_database(template=_TEMPLATE)
    monkeypatch.setenv(URL_ENV, url)
    yield
    if test_databases.server.connected(url):
        _opened_storage(request)
    test_databases.drop(url)


def _opened_storage(request: pytest.FixtureRequest) -> None:
    """Record a test that opened its database: in ``--storage-report``, and as a failure when not marked."""
    report = request.config.getoption("storage_report")
    if report:
        with open(report, "a", encoding="utf-8") as handle:
            handle.write(request.node.nodeid + "\n")
    if not request.node.get_closest_marker("storage"):
        request.config.stash[_UNMARKED].append(request.node.nodeid)


def cli_environment(**extra: str) -> dict[str, str]:
    """``os.environ`` for a CLI subprocess: none of the user's assistant, Slack or LLM settings, but the
    test's database (when the suite runs on Postgres), plus ``extra``."""
    hidden = ("COMPLIANCE_ASSISTANT_", "SLACK_", "OPENAI_", "ANTHROPIC_")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(hidden) or k == URL_ENV}
    return {**environment, **extra}


def stored_text(url: str) -> str:
    """Every row of every table the storage layer declares, as text: to check a secret was never stored."""
    import sqlalchemy as sa

    from assistant.storage.engine import open_engine
    from assistant.storage.schema import metadata

    with open_engine(url).connect() as conn:
        return "\n".join(repr(tuple(row)) for table in metadata.sorted_tables for row in conn.execute(sa.select(table)))
