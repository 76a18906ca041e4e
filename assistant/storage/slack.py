"""The Slack front end's records in the one database: event claims (dedupe, leases, redelivery), replayed slash
commands and the audit log. SQLite or Postgres, through SQLAlchemy Core on the shared engine.

Every check-and-set is one statement the database makes atomic, so any number of app instances may share it:

- a new event is taken by ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (one insert wins: it gets its row back);
- an open event is re-taken by a conditional ``UPDATE`` (open, under the attempt limit, and released or with an
  expired lease), which row locks (Postgres) or the write lock (SQLite, ``BEGIN IMMEDIATE``) serialize;
- each claim carries a token, so a worker whose lease was taken over can no longer save into or release it;
- a slash command is first-seen only if its digest's insert did not conflict.

The public API (kept from the first, raw-sqlite3 store):

- ``claim_event(id) -> bool``: take an event for processing (False: done, or held by another worker);
- ``save_pending(id, payload)`` / ``pending(id)``: what the worker has so far (the reply target, the question,
  the rendered answer), so a retry or a sweep delivers it without asking twice;
- ``mark_done(id)``: the answer is posted (the pending payload is erased);
- ``release(id)``: the post failed; the event stays open and can be claimed again at once;
- ``open_events(older_than)``: open events nobody holds, for the sweep;
- ``first_command(digest)``: False for a slash command seen within the replay window;
- ``audit(...)``, ``record_feedback(...)``, ``rows()``: the audit log; ``purge(older_than_s)``: retention.

``open_slack_store(url, data_dir)`` also carries the rows of a pre-shared-store ``data_dir/slack.sqlite3``
forward (``adopt_legacy_file``): one transaction, idempotent, and the old file is renamed only afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from assistant.storage.db import StoreError
from assistant.storage.engine import open_engine, sqlite_url
from assistant.storage.migrate import upgrade
from assistant.storage.schema import slack_audit, slack_commands, slack_events

log = logging.getLogger(__name__)

LEASE_SECONDS = 600.0  # a claim older than this is presumed dead (its worker crashed) and may be taken over
MAX_ATTEMPTS = 5  # claims per event; after that it is given up, so a dead channel cannot be retried forever
COMMAND_WINDOW_SECONDS = 300.0  # Slack rejects signatures older than 5 minutes, so replays live this long
RATED_OUTCOMES = ("answered", "refused")  # audit rows that carry feedback buttons
LEGACY_FILE = "slack.sqlite3"  # the Slack front end's own SQLite file before the shared store
_LEGACY_LOCK_KEY = 7_141_712  # the Postgres advisory lock two instances adopting one legacy file take


class SlackStore:
    """Event claims, command replays and the audit log in the database of ``database`` (a URL, or the path of
    a SQLite file); every instance of the app on that database shares them."""

    def __init__(self, database: str | Path, lease_seconds: float = LEASE_SECONDS, engine: sa.Engine | None = None):
        self.url = database if isinstance(database, str) and "://" in database else sqlite_url(Path(database))
        if engine is not None:
            upgrade(engine)
        self.engine = engine or open_engine(self.url)
        self.lease_seconds = lease_seconds
        self._tokens: dict[str, str] = {}  # event ID -> the token of the claim this store holds on it
        self._lock = threading.Lock()

    # ---- events --------------------------------------------------------------------------------

    def claim_event(self, event_id: str) -> bool:
        """Take ``event_id`` for processing. True for a new event, or an open one whose last claim was released
        or is older than the lease; False when it is done, held by another worker, or out of attempts."""
        now, token = time.time(), uuid.uuid4().hex
        with self.engine.begin() as conn:
            inserted = self._insert_new(conn, slack_events, {
                "event_id": event_id, "received_at": now, "status": "open", "claimed_at": now,
                "claimed_by": token, "attempts": 1})
            taken = inserted or conn.execute(
                sa.update(slack_events)
                .where(slack_events.c.event_id == event_id, slack_events.c.status == "open",
                       slack_events.c.attempts < MAX_ATTEMPTS,
                       sa.or_(slack_events.c.claimed_at.is_(None),
                              slack_events.c.claimed_at < now - self.lease_seconds))
                .values(claimed_at=now, claimed_by=token, attempts=slack_events.c.attempts + 1)).rowcount == 1
        if taken:
            with self._lock:
                self._tokens[event_id] = token
        return taken

    def save_pending(self, event_id: str, payload: dict[str, Any]) -> None:
        """Remember what the worker holding ``event_id`` has so far (JSON-serialisable)."""
        with self.engine.begin() as conn:
            conn.execute(sa.update(slack_events).where(*self._held(event_id)).values(pending=json.dumps(payload)))

    def pending(self, event_id: str) -> dict[str, Any] | None:
        """What an earlier attempt at ``event_id`` saved (None when nothing was)."""
        with self.engine.begin() as conn:
            raw = conn.execute(sa.select(slack_events.c.pending)
                               .where(slack_events.c.event_id == event_id)).scalar_one_or_none()
        return _payload(raw) if raw else None

    def mark_done(self, event_id: str) -> None:
        """The answer to ``event_id`` is posted: never process it again, and erase what was pending."""
        with self._lock:
            self._tokens.pop(event_id, None)
        with self.engine.begin() as conn:
            conn.execute(sa.update(slack_events).where(slack_events.c.event_id == event_id)
                         .values(status="done", pending=None, claimed_by=None))

    def release(self, event_id: str) -> None:
        """Delivery failed: the event stays open and the next retry or sweep may claim it at once (unless the
        claim was taken over meanwhile: then it is the new holder's)."""
        condition = self._held(event_id)
        with self._lock:
            self._tokens.pop(event_id, None)
        with self.engine.begin() as conn:
            conn.execute(sa.update(slack_events).where(*condition).values(claimed_at=None, claimed_by=None))

    def open_events(self, older_than: float) -> list[tuple[str, dict[str, Any]]]:
        """Open events with something to deliver whose claim was released or is ``older_than`` seconds old."""
        query = (sa.select(slack_events.c.event_id, slack_events.c.pending)
                 .where(slack_events.c.status == "open", slack_events.c.pending.is_not(None),
                        slack_events.c.attempts < MAX_ATTEMPTS,
                        sa.or_(slack_events.c.claimed_at.is_(None),
                               slack_events.c.claimed_at < time.time() - older_than))
                 .order_by(slack_events.c.received_at, slack_events.c.event_id))
        with self.engine.begin() as conn:
            rows = conn.execute(query).all()
        return [(event_id, _payload(raw)) for event_id, raw in rows]

    def _held(self, event_id: str) -> list[sa.ColumnElement[bool]]:
        """The rows this store may write for ``event_id``: open, and still held by our claim when we have one."""
        with self._lock:
            token = self._tokens.get(event_id)
        condition = [slack_events.c.event_id == event_id, slack_events.c.status == "open"]
        return condition + ([slack_events.c.claimed_by == token] if token else [])

    # ---- slash commands ------------------------------------------------------------------------

    def first_command(self, digest: str, window: float = COMMAND_WINDOW_SECONDS) -> bool:
        """Record a slash command by the digest of its signed body; False for a replay within ``window``."""
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(sa.delete(slack_commands).where(slack_commands.c.received_at < now - window))
            return self._insert_new(conn, slack_commands, {"digest": digest, "received_at": now})

    # ---- audit ---------------------------------------------------------------------------------

    def audit(self, *, user: str | None, channel: str | None, source: str, question: str, cited: list[str],
              latency_ms: float | None, outcome: str) -> int:
        """Append an audit row (the question is stored only as a hash) and return its ID."""
        digest = hashlib.sha256(question.encode("utf-8", "replace")).hexdigest()
        with self.engine.begin() as conn:
            result = conn.execute(slack_audit.insert().values(
                created_at=time.time(), user_id=user, channel_id=channel, source=source, question_hash=digest,
                cited_ids=",".join(cited), latency_ms=latency_ms, outcome=outcome))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def record_feedback(self, audit_id: int, user: str | None, value: str) -> bool:
        """Attach 'helpful' or 'wrong' to an audited answer; only its asker may. False when the answer is
        unknown, carries no buttons, or ``user`` did not ask it (nothing is recorded then)."""
        with self.engine.begin() as conn:
            return conn.execute(
                sa.update(slack_audit)
                .where(slack_audit.c.id == audit_id, slack_audit.c.user_id == user,
                       slack_audit.c.outcome.in_(RATED_OUTCOMES))
                .values(feedback=value)).rowcount == 1

    def rows(self) -> list[dict[str, object]]:
        """Every audit row, oldest first (for tests and export)."""
        with self.engine.begin() as conn:
            return [dict(row._mapping) for row in conn.execute(sa.select(slack_audit).order_by(slack_audit.c.id))]

    # ---- retention -----------------------------------------------------------------------------

    def purge(self, older_than_s: float | None = None) -> int:
        """Delete audit rows, command digests and events (done, or open and held by nobody alive) received more
        than ``older_than_s`` seconds ago (everything when None); returns how many rows went. ``StoreError``
        when the store cannot be written."""
        now = time.time()
        cutoff = now if older_than_s is None else now - older_than_s
        idle = sa.or_(slack_events.c.status == "done", slack_events.c.claimed_at.is_(None),
                      slack_events.c.claimed_at < now - self.lease_seconds)
        statements = [
            sa.delete(slack_audit).where(slack_audit.c.created_at <= cutoff),
            sa.delete(slack_commands).where(slack_commands.c.received_at <= cutoff),
            sa.delete(slack_events).where(slack_events.c.received_at <= cutoff, idle),
        ]
        try:
            with self.engine.begin() as conn:
                return sum(int(conn.execute(s).rowcount or 0) for s in statements)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(str(exc)) from exc

    # ---- carrying a pre-shared-store file forward ----------------------------------------------

    def adopt_legacy_file(self, path: Path) -> LegacyImport | None:
        """Copy the rows of the Slack front end's former SQLite file into this database, in one transaction,
        then rename the file to ``*.migrated``. Idempotent: rows already here are skipped (events and commands
        by key, audit rows by content), so a run killed anywhere loses nothing and is simply run again.
        Audit IDs are kept when free (feedback buttons already posted carry them). None: no such file."""
        if not path.exists():
            return None
        legacy = _read_legacy(path)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LEGACY_LOCK_KEY})
            events = sum(self._insert_new(conn, slack_events, row) for row in legacy.events)
            commands = sum(self._insert_new(conn, slack_commands, row) for row in legacy.commands)
            audits = sum(copy_audit_row(conn, row) for row in legacy.audit)
            if conn.dialect.name == "postgresql" and legacy.audit:
                conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('slack_audit', 'id'), "
                                     "(SELECT COALESCE(MAX(id), 1) FROM slack_audit))"))
        with contextlib.suppress(FileNotFoundError):  # another instance adopted it at the same moment
            path.rename(path.with_name(path.name + ".migrated"))
        result = LegacyImport(events, commands, audits, len(legacy.events) + len(legacy.commands) + len(legacy.audit))
        log.info("carried %s forward into the shared store: %s", path, result)
        return result

    def _insert_new(self, conn: sa.Connection, table: sa.Table, row: Mapping[str, Any]) -> bool:
        """``INSERT … ON CONFLICT DO NOTHING RETURNING`` the primary key: True when this insert won (the
        returned row, not the rowcount, which psycopg reports as -1 here)."""
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        statement = insert(table).values(dict(row)).on_conflict_do_nothing().returning(*table.primary_key.columns)
        return conn.execute(statement).first() is not None


@dataclass(frozen=True)
class LegacyImport:
    """What ``adopt_legacy_file`` added (rows already present are not counted) out of how many it read."""

    events: int
    commands: int
    audit: int
    read: int


@dataclass(frozen=True)
class _LegacyRows:
    events: list[dict[str, Any]]
    commands: list[dict[str, Any]]
    audit: list[dict[str, Any]]


def copy_audit_row(conn: sa.Connection, row: dict[str, Any]) -> bool:
    """Insert one legacy audit row unless the same row (by content) is already here; its ID is kept when free.
    True when it was inserted."""
    content = {k: v for k, v in row.items() if k not in ("id", "feedback")}
    same = sa.select(slack_audit.c.id).where(*[
        slack_audit.c[k].is_(None) if v is None else slack_audit.c[k] == v for k, v in content.items()])
    if conn.execute(same.limit(1)).first() is not None:
        return False
    taken = conn.execute(sa.select(slack_audit.c.id).where(slack_audit.c.id == row["id"])).first() is not None
    conn.execute(slack_audit.insert().values(content if taken else row))
    return True


def _read_legacy(path: Path) -> _LegacyRows:
    """Every row of a legacy file, whichever release wrote it (the first had only event IDs: all delivered)."""
    conn = sqlite3.connect(path, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

        def read(table: str, columns: list[str]) -> list[dict[str, Any]]:
            if table not in tables:
                return []
            have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            return [dict(r) for r in conn.execute(f"SELECT {', '.join(c for c in columns if c in have)} FROM {table}")]

        events = [{"status": "done", "attempts": 0, **row, "claimed_by": None}
                  for row in read("slack_events", ["event_id", "received_at", "status", "claimed_at", "attempts",
                                                   "pending"])]
        for event in events:
            if event["status"] == "open":
                event["claimed_at"] = None  # its worker is gone with the old process: the sweep may deliver it
        commands = read("slack_commands", ["digest", "received_at"])
        audit = read("slack_audit", [c.name for c in slack_audit.columns])
        return _LegacyRows(events, commands, audit)
    finally:
        conn.close()


def open_slack_store(url: str, data_dir: Path, retention_days: int | None = None,
                     lease_seconds: float = LEASE_SECONDS) -> SlackStore:
    """The Slack store on the shared database ``url``; a former ``data_dir/slack.sqlite3`` is carried forward
    first, and rows older than ``retention_days`` are purged."""
    store = SlackStore(url, lease_seconds)
    store.adopt_legacy_file(data_dir / LEGACY_FILE)
    if retention_days is not None:
        try:
            store.purge(retention_days * 86_400)
        except StoreError as exc:
            log.warning("Slack retention could not be applied: %s", exc)
    return store


def _payload(raw: str) -> dict[str, Any]:
    data = json.loads(raw)
    return data if isinstance(data, dict) else {}
