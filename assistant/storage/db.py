"""The database: a SQLite file under the data folder, schema created by numbered migrations.

Only portable SQL is used (no SQLite-only types or upserts), so the same statements run on Postgres.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIGRATIONS: list[str] = [
    """CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        question TEXT NOT NULL,
        intent TEXT NOT NULL,
        answer TEXT NOT NULL,
        cited_ids TEXT NOT NULL,
        subject_ids TEXT NOT NULL
    )""",
    "CREATE INDEX turns_by_conversation ON turns (conversation_id, id)",
]


class StoreError(RuntimeError):
    """The store could not be written (read-only file, full disk, locked database)."""


@dataclass(frozen=True)
class Turn:
    """One question and answer of a conversation."""

    conversation_id: str
    question: str
    intent: str
    answer: str
    cited_ids: list[str]
    subject_ids: list[str]


class Database:
    """A connection per thread to one SQLite file; migrations applied on open."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self.connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            for number, statement in enumerate(MIGRATIONS, start=1):
                if number > current:
                    conn.execute(statement)
                    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A transaction: committed on success, rolled back on error."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        try:
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def add_turn(self, turn: Turn) -> None:
        """Append a turn to its conversation; ``StoreError`` when the store cannot be written."""
        try:
            with self.connect() as conn:
                conn.execute(
                    "INSERT INTO turns (conversation_id, created_at, question, intent, answer, cited_ids, "
                    "subject_ids) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (turn.conversation_id, time.time(), turn.question, turn.intent, turn.answer,
                     json.dumps(turn.cited_ids), json.dumps(turn.subject_ids)),
                )
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from exc

    def last_turns(self, conversation_id: str, limit: int = 5) -> list[Turn]:
        """The most recent turns of a conversation, oldest first."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT conversation_id, question, intent, answer, cited_ids, subject_ids FROM turns "
                "WHERE conversation_id = ? ORDER BY id DESC LIMIT ?", (conversation_id, limit)).fetchall()
        return [_turn(row) for row in reversed(rows)]


def _turn(row: Any) -> Turn:
    return Turn(row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]))
