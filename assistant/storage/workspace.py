"""The workspace tables: the system profile (one JSON document) and the evidence register (one row per item).

An import is one transaction: killed midway, the register is what it was before. Re-importing an ID updates
the item and keeps its first upload time; it never adds a second row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from assistant.storage.engine import open_engine
from assistant.storage.schema import evidence_items, system_profiles

PROFILE = "default"


class WorkspaceStore:
    """Profile and evidence documents in the database of ``url``."""

    def __init__(self, url: str):
        self.engine = open_engine(url)

    # ---- profile ------------------------------------------------------------------------

    def save_profile(self, document: dict[str, Any]) -> None:
        """Replace the profile."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(system_profiles.delete().where(system_profiles.c.name == PROFILE))
            conn.execute(system_profiles.insert().values(name=PROFILE, document=document, updated_at=now))

    def load_profile(self) -> dict[str, Any] | None:
        """The stored profile document, or None."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(system_profiles.c.document)
                               .where(system_profiles.c.name == PROFILE)).first()
        return dict(row[0]) if row else None

    # ---- evidence -----------------------------------------------------------------------

    def upsert_evidence(self, documents: list[dict[str, Any]], pause: float = 0.0) -> tuple[int, int]:
        """Insert or update items by ID in one transaction; (added, updated). ``pause`` (seconds between
        rows) exists only so tests can kill an import midway."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            existing = {r[0]: r[1] for r in conn.execute(sa.select(evidence_items.c.id, evidence_items.c.uploaded_at))}
            rows = []
            for doc in documents:
                uploaded = existing.get(doc["id"]) or now
                doc = {**doc, "uploaded": _aware(uploaded).isoformat()}
                rows.append({"id": doc["id"], "document": doc, "uploaded_at": uploaded, "updated_at": now})
            if pause:
                import time

                for row in rows:
                    conn.execute(self._upsert([row]))
                    time.sleep(pause)
            elif rows:
                for start in range(0, len(rows), 500):
                    conn.execute(self._upsert(rows[start:start + 500]))
        added = sum(1 for d in documents if d["id"] not in existing)
        return added, len(documents) - added

    def _upsert(self, rows: list[dict[str, Any]]) -> Any:
        dialect = self.engine.dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(evidence_items).values(rows)
        return insert.on_conflict_do_update(
            index_elements=[evidence_items.c.id],
            set_={"document": insert.excluded.document, "updated_at": insert.excluded.updated_at})

    def evidence(self) -> list[dict[str, Any]]:
        """Every item, by ID (sorted here: ORDER BY on text follows the database's collation, so a Postgres
        cluster with a linguistic locale would order IDs unlike SQLite)."""
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(evidence_items.c.id, evidence_items.c.document)).all()
        return [dict(document) for _, document in sorted(rows, key=lambda row: str(row[0]))]

    def evidence_count(self) -> int:
        """How many items the register holds."""
        with self.engine.begin() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(evidence_items)).scalar_one())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
