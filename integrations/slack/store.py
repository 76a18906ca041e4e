"""Slack's own records in the data folder: delivered event IDs (dedupe across retries, restarts and
instances) and the audit log. Plain SQL on SQLite; the same statements run on Postgres."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS slack_events (event_id TEXT PRIMARY KEY, received_at REAL NOT NULL)",
    """CREATE TABLE IF NOT EXISTS slack_audit (
        id INTEGER PRIMARY KEY, created_at REAL NOT NULL, user_id TEXT, channel_id TEXT, source TEXT NOT NULL,
        question_hash TEXT NOT NULL, cited_ids TEXT NOT NULL, latency_ms REAL, outcome TEXT NOT NULL,
        feedback TEXT)""",
]


class SlackStore:
    """Dedupe and audit in one SQLite file shared by every instance on the host."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        with self._conn() as conn:
            for statement in SCHEMA:
                conn.execute(statement)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def first_delivery(self, event_id: str) -> bool:
        """Record ``event_id``; False when it was already recorded (a retry or a second instance)."""
        try:
            self._conn().execute("INSERT INTO slack_events (event_id, received_at) VALUES (?, ?)",
                                 (event_id, time.time()))
        except sqlite3.IntegrityError:
            return False
        return True

    def audit(self, *, user: str | None, channel: str | None, source: str, question: str, cited: list[str],
              latency_ms: float | None, outcome: str) -> int:
        """Append an audit row (the question is stored only as a hash) and return its ID."""
        digest = hashlib.sha256(question.encode("utf-8")).hexdigest()
        cursor = self._conn().execute(
            "INSERT INTO slack_audit (created_at, user_id, channel_id, source, question_hash, cited_ids, latency_ms,"
            " outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), user, channel, source, digest, ",".join(cited), latency_ms, outcome))
        return int(cursor.lastrowid or 0)

    def feedback(self, audit_id: int, value: str) -> None:
        """Attach 'helpful' or 'wrong' to an audited answer."""
        self._conn().execute("UPDATE slack_audit SET feedback = ? WHERE id = ?", (value, audit_id))

    def rows(self) -> list[dict[str, object]]:
        """Every audit row, oldest first (for tests and export)."""
        cursor = self._conn().execute("SELECT * FROM slack_audit ORDER BY id")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
