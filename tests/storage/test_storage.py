"""The storage layer: migrations (legacy files adopted), conversations, workspace upserts, and that a killed
import or migration loses nothing, on SQLite and on PostgreSQL."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant.storage import migrate
from assistant.storage.db import Database, Turn
from assistant.storage.engine import create
from assistant.storage.schema import metadata
from assistant.storage.workspace import WorkspaceStore

REPO = Path(__file__).resolve().parents[2]


def _legacy_file(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("""CREATE TABLE turns (id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, created_at REAL NOT
        NULL, question TEXT NOT NULL, intent TEXT NOT NULL, answer TEXT NOT NULL, cited_ids TEXT NOT NULL,
        subject_ids TEXT NOT NULL)""")
    conn.execute("CREATE INDEX turns_by_conversation ON turns (conversation_id, id)")
    conn.execute("INSERT INTO schema_version (version) VALUES (1), (2)")
    conn.execute("INSERT INTO turns VALUES (1, 'c1', 1.0, 'q', 'lookup', 'a', '[\"3.1.1\"]', '[]')")
    conn.commit()
    conn.close()


@pytest.mark.sqlite_only(reason="the hand-rolled migrations before Alembic only ever made SQLite files")
def test_legacy_sqlite_file_migrates_forward_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "assistant.sqlite3"
    _legacy_file(path)
    db = Database(path)
    assert [t.cited_ids for t in db.last_turns("c1")] == [["3.1.1"]]
    db.add_turn(Turn("c1", "q2", "lookup", "a2", [], ["3.5.3"]))
    assert [t.question for t in db.last_turns("c1")] == ["q", "q2"]
    assert migrate.current(db.engine) == migrate.head()
    names = set(sa.inspect(db.engine).get_table_names())
    assert set(metadata.tables) <= names


def test_conversations_and_schema_on_each_backend(database_url: str) -> None:
    db = Database(database_url)
    for n in range(7):
        db.add_turn(Turn("c", f"q{n}", "lookup", "a", ["3.1.1"], []))
    assert [t.question for t in db.last_turns("c", limit=3)] == ["q4", "q5", "q6"]
    assert set(metadata.tables) <= set(sa.inspect(db.engine).get_table_names())


def test_reimport_updates_and_never_duplicates(database_url: str) -> None:
    store = WorkspaceStore(database_url)
    assert store.upsert_evidence([{"id": "E1", "title": "v1"}, {"id": "E2", "title": "x"}]) == (2, 0)
    first = {d["id"]: d["uploaded"] for d in store.evidence()}
    time.sleep(0.01)
    assert store.upsert_evidence([{"id": "E1", "title": "v2"}, {"id": "E3", "title": "y"}]) == (1, 1)
    docs = {d["id"]: d for d in store.evidence()}
    assert sorted(docs) == ["E1", "E2", "E3"] and docs["E1"]["title"] == "v2"
    assert docs["E1"]["uploaded"] == first["E1"]  # the first upload time is kept
    store.save_profile({"system": {"name": "A"}})
    store.save_profile({"system": {"name": "B"}})
    assert store.load_profile() == {"system": {"name": "B"}}


def _kill_midway(script: str, marker: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO,
                               env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, "the child ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def test_evidence_is_listed_in_the_same_order_on_each_backend(database_url: str) -> None:
    ids = ["ev-10", "EV-2", "EV_1", "Ev-3", "AC-1", "ac-1b"]
    store = WorkspaceStore(database_url)
    store.upsert_evidence([{"id": i} for i in ids])
    assert [d["id"] for d in store.evidence()] == sorted(ids)  # not the server's collation order


def test_killed_import_loses_nothing(database_url: str, tmp_path: Path) -> None:
    store = WorkspaceStore(database_url)
    store.upsert_evidence([{"id": f"OLD-{n}", "title": "kept"} for n in range(5)])
    marker = tmp_path / "started"
    _kill_midway(f"""
        from pathlib import Path
        from assistant.storage import workspace
        store = workspace.WorkspaceStore({database_url!r})
        original = store._upsert
        def tracked(rows):
            Path({str(marker)!r}).touch()
            return original(rows)
        store._upsert = tracked
        store.upsert_evidence([{{"id": f"NEW-{{n}}", "title": "new"}} for n in range(400)]
                              + [{{"id": "OLD-0", "title": "changed"}}], pause=0.01)
    """, marker)
    docs = {d["id"]: d for d in WorkspaceStore(database_url).evidence()}
    assert sorted(docs) == [f"OLD-{n}" for n in range(5)]  # nothing half-imported
    assert docs["OLD-0"]["title"] == "kept"
    assert WorkspaceStore(database_url).upsert_evidence([{"id": "NEW-1"}]) == (1, 0)  # and it still works


def test_killed_migration_loses_nothing(database_url: str, tmp_path: Path) -> None:
    """SQLite: a legacy file killed while it is adopted; Postgres: an empty database killed while it is created."""
    legacy = sa.make_url(database_url).get_backend_name() == "sqlite"
    if legacy:
        _legacy_file(Path(str(sa.make_url(database_url).database)))
    marker, url = tmp_path / "started", database_url
    _kill_midway(f"""
        import time
        from pathlib import Path
        from alembic import op
        from assistant.storage import engine, migrate
        create_table = op.create_table
        def slow(*args, **kwargs):
            result = create_table(*args, **kwargs)
            Path({str(marker)!r}).touch()
            time.sleep(30)
            return result
        op.create_table = slow
        migrate.upgrade(engine.create({url!r}))
    """, marker)
    engine = create(url)
    tables = set(sa.inspect(engine).get_table_names())
    assert not {"system_profiles", "evidence_items", "alembic_version"} & tables  # the whole migration undone
    if legacy:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM turns")).scalar_one() == 1
    else:
        assert not tables
    engine.dispose()
    db = Database(url)
    assert migrate.current(db.engine) == migrate.head() and len(db.last_turns("c1")) == int(legacy)


def test_two_processes_upgrading_at_once_agree(database_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    engines = [create(database_url) for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(migrate.upgrade, engines))
    assert {migrate.current(e) for e in engines} == {migrate.head()}
    for engine in engines:
        engine.dispose()


def test_the_migrated_schema_matches_the_declarations(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from assistant.storage.engine import open_engine

    with open_engine(database_url).connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
