"""Slack's own records in the data folder: event claims (dedupe and redelivery), replayed slash commands,
and the audit log. Plain SQL on SQLite; the same statements run on Postgres (``ON CONFLICT … DO UPDATE
… WHERE`` is in both).

The public API is what a port to the shared storage layer has to provide:

- ``claim_event(id) -> bool``: take an event for processing (False: done, or held by another worker);
- ``save_pending(id, payload)`` / ``pending(id)``: what the worker has so far (the reply target, the
  question, the rendered answer), so a retry or a sweep delivers it without asking twice;
- ``mark_done(id)``: the answer is posted (the pending payload is erased);
- ``release(id)``: the post failed; the event stays open and can be claimed again at once;
- ``open_events(older_than)``: open events nobody holds, for the sweep;
- ``first_command(digest)``: False for a slash command seen within the replay window;
- ``audit(...)``, ``record_feedback(...)``, ``rows()``: the audit log.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

LEASE_SECONDS = 600.0  # a claim older than this is presumed dead (its worker crashed) and may be taken over
MAX_ATTEMPTS = 5  # claims per event; after that it is given up, so a dead channel cannot be retried forever
COMMAND_WINDOW_SECONDS = 300.0  # Slack rejects signatures older than 5 minutes, so replays live this long

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS slack_events (
        event_id TEXT PRIMARY KEY, received_at REAL NOT NULL, status TEXT NOT NULL DEFAULT 'done',
        claimed_at REAL, attempts INTEGER NOT NULL DEFAULT 0, pending TEXT)""",
    "CREATE TABLE IF NOT EXISTS slack_commands (digest TEXT PRIMARY KEY, received_at REAL NOT NULL)",
    """CREATE TABLE IF NOT EXISTS slack_audit (
        id INTEGER PRIMARY KEY, created_at REAL NOT NULL, user_id TEXT, channel_id TEXT, source TEXT NOT NULL,
        question_hash TEXT NOT NULL, cited_ids TEXT NOT NULL, latency_ms REAL, outcome TEXT NOT NULL,
        feedback TEXT)""",
]
# Columns added after the first release (a database written by it holds only delivered events: 'done').
_EVENT_COLUMNS = {"status": "TEXT NOT NULL DEFAULT 'done'", "claimed_at": "REAL",
                  "attempts": "INTEGER NOT NULL DEFAULT 0", "pending": "TEXT"}
RATED_OUTCOMES = ("answered", "refused")  # audit rows that carry feedback buttons


class SlackStore:
    """Event claims, command replays and the audit log in one SQLite file shared by every instance on the host."""

    def __init__(self, path: Path, lease_seconds: float = LEASE_SECONDS):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.lease_seconds = path, lease_seconds
        self._local = threading.local()
        conn = self._conn()
        for statement in SCHEMA:
            conn.execute(statement)
        have = {row[1] for row in conn.execute("PRAGMA table_info(slack_events)")}
        for name, spec in _EVENT_COLUMNS.items():
            if name not in have:
                conn.execute(f"ALTER TABLE slack_events ADD COLUMN {name} {spec}")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA secure_delete=ON")  # an erased pending question is overwritten, not left behind
            self._local.conn = conn
        return conn

    # ---- events --------------------------------------------------------------------------------

    def claim_event(self, event_id: str) -> bool:
        """Take ``event_id`` for processing. True for a new event, or an open one whose last claim was released
        or is older than the lease; False when it is done, held by another worker, or out of attempts."""
        now = time.time()
        cursor = self._conn().execute(
            "INSERT INTO slack_events (event_id, received_at, status, claimed_at, attempts) VALUES (?, ?, 'open', ?, 1)"
            " ON CONFLICT (event_id) DO UPDATE SET claimed_at = excluded.claimed_at,"
            " attempts = slack_events.attempts + 1"
            " WHERE slack_events.status = 'open' AND slack_events.attempts < ?"
            " AND (slack_events.claimed_at IS NULL OR slack_events.claimed_at < ?)",
            (event_id, now, now, MAX_ATTEMPTS, now - self.lease_seconds))
        return cursor.rowcount == 1

    def save_pending(self, event_id: str, payload: dict[str, Any]) -> None:
        """Remember what the worker holding ``event_id`` has so far (JSON-serialisable)."""
        self._conn().execute("UPDATE slack_events SET pending = ? WHERE event_id = ? AND status = 'open'",
                             (json.dumps(payload), event_id))

    def pending(self, event_id: str) -> dict[str, Any] | None:
        """What an earlier attempt at ``event_id`` saved (None when nothing was)."""
        row = self._conn().execute("SELECT pending FROM slack_events WHERE event_id = ?", (event_id,)).fetchone()
        return _payload(row[0]) if row and row[0] else None

    def mark_done(self, event_id: str) -> None:
        """The answer to ``event_id`` is posted: never process it again, and erase what was pending."""
        self._conn().execute("UPDATE slack_events SET status = 'done', pending = NULL WHERE event_id = ?",
                             (event_id,))

    def release(self, event_id: str) -> None:
        """Delivery failed: the event stays open and the next retry or sweep may claim it at once."""
        self._conn().execute("UPDATE slack_events SET claimed_at = NULL WHERE event_id = ? AND status = 'open'",
                             (event_id,))

    def open_events(self, older_than: float) -> list[tuple[str, dict[str, Any]]]:
        """Open events with something to deliver whose claim was released or is ``older_than`` seconds old."""
        cursor = self._conn().execute(
            "SELECT event_id, pending FROM slack_events WHERE status = 'open' AND pending IS NOT NULL"
            " AND attempts < ? AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY received_at",
            (MAX_ATTEMPTS, time.time() - older_than))
        return [(event_id, _payload(raw)) for event_id, raw in cursor.fetchall()]

    # ---- slash commands ------------------------------------------------------------------------

    def first_command(self, digest: str, window: float = COMMAND_WINDOW_SECONDS) -> bool:
        """Record a slash command by the digest of its signed body; False for a replay within ``window``."""
        now = time.time()
        conn = self._conn()
        conn.execute("DELETE FROM slack_commands WHERE received_at < ?", (now - window,))
        cursor = conn.execute(
            "INSERT INTO slack_commands (digest, received_at) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING",
            (digest, now))
        return cursor.rowcount == 1

    # ---- audit ---------------------------------------------------------------------------------

    def audit(self, *, user: str | None, channel: str | None, source: str, question: str, cited: list[str],
              latency_ms: float | None, outcome: str) -> int:
        """Append an audit row (the question is stored only as a hash) and return its ID."""
        digest = hashlib.sha256(question.encode("utf-8", "replace")).hexdigest()
        cursor = self._conn().execute(
            "INSERT INTO slack_audit (created_at, user_id, channel_id, source, question_hash, cited_ids, latency_ms,"
            " outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (time.time(), user, channel, source, digest, ",".join(cited), latency_ms, outcome))
        return int(cursor.lastrowid or 0)

    def record_feedback(self, audit_id: int, user: str | None, value: str) -> bool:
        """Attach 'helpful' or 'wrong' to an audited answer; only its asker may. False when the answer is
        unknown, carries no buttons, or ``user`` did not ask it (nothing is recorded then)."""
        cursor = self._conn().execute(
            f"UPDATE slack_audit SET feedback = ? WHERE id = ? AND user_id = ? AND outcome IN "
            f"({', '.join('?' for _ in RATED_OUTCOMES)})", (value, audit_id, user, *RATED_OUTCOMES))
        return cursor.rowcount == 1

    def rows(self) -> list[dict[str, object]]:
        """Every audit row, oldest first (for tests and export)."""
        cursor = self._conn().execute("SELECT * FROM slack_audit ORDER BY id")
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _payload(raw: str) -> dict[str, Any]:
    data = json.loads(raw)
    return data if isinstance(data, dict) else {}
