"""Conversations: turns kept in the one storage layer (SQLAlchemy Core; SQLite file or Postgres URL).

``Database(path)`` keeps its old signature: a path means the SQLite file at that path, a string containing
``://`` a database URL. A file made by the older hand-rolled migrations is migrated forward in place.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from assistant.storage.engine import open_engine, sqlite_url
from assistant.storage.schema import turns


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
    """The conversation store on one database; migrations applied on open."""

    def __init__(self, path: Path | str):
        self.url = path if isinstance(path, str) and "://" in path else sqlite_url(Path(path))
        self.path = Path(path) if not isinstance(path, str) or "://" not in path else None
        self.engine = open_engine(self.url)

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A transaction: committed on success, rolled back on error."""
        with self.engine.begin() as connection:
            yield connection

    def add_turn(self, turn: Turn) -> None:
        """Append a turn to its conversation; ``StoreError`` when the store cannot be written."""
        try:
            with self.connect() as conn:
                conn.execute(turns.insert().values(
                    conversation_id=turn.conversation_id, created_at=time.time(), question=turn.question,
                    intent=turn.intent, answer=turn.answer, cited_ids=json.dumps(turn.cited_ids),
                    subject_ids=json.dumps(turn.subject_ids)))
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(str(exc)) from exc

    def last_turns(self, conversation_id: str, limit: int = 5) -> list[Turn]:
        """The most recent turns of a conversation, oldest first."""
        query = (sa.select(turns.c.conversation_id, turns.c.question, turns.c.intent, turns.c.answer,
                           turns.c.cited_ids, turns.c.subject_ids)
                 .where(turns.c.conversation_id == conversation_id).order_by(turns.c.id.desc()).limit(limit))
        with self.connect() as conn:
            rows = conn.execute(query).all()
        return [_turn(row) for row in reversed(rows)]


    def purge(self, older_than_s: float | None = None, conversation_id: str | None = None) -> int:
        """Delete turns older than ``older_than_s`` seconds (all turns when None), or one conversation's;
        returns how many were deleted."""
        query = sa.delete(turns)
        if older_than_s is not None:
            query = query.where(turns.c.created_at < time.time() - older_than_s)
        if conversation_id is not None:
            query = query.where(turns.c.conversation_id == conversation_id)
        try:
            with self.connect() as conn:
                return int(conn.execute(query).rowcount or 0)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(str(exc)) from exc


def _turn(row: Any) -> Turn:
    return Turn(row[0], row[1], row[2], row[3], json.loads(row[4]), json.loads(row[5]))
