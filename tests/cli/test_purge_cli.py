"""``compliance-assistant purge`` and the retention setting delete stored turns, and only those asked for."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.storage.db import Database, Turn


def _store(data: Path) -> Database:
    from assistant.settings import Settings

    database = Database(Settings(data_dir=data).database_url)
    for conversation in ("c1", "c2"):
        database.add_turn(Turn(conversation, "what does 3.1.1 require?", "lookup", "…", ["3.1.1"], ["3.1.1"]))
    return database


def test_purge_needs_a_filter_or_yes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMPLIANCE_ASSISTANT_DATA_DIR", str(tmp_path))
    database = _store(tmp_path)
    refused = CliRunner().invoke(app, ["purge"])
    assert refused.exit_code == 2 and "--yes" in refused.output
    one = CliRunner().invoke(app, ["purge", "--conversation", "c1", "--json"])
    assert one.exit_code == 0 and json.loads(one.output) == {"deleted": 1, "slack_records": 0}
    assert database.last_turns("c1") == [] and len(database.last_turns("c2")) == 1
    recent = CliRunner().invoke(app, ["purge", "--older-than", "1"])
    assert recent.exit_code == 0 and len(database.last_turns("c2")) == 1  # younger than a day: kept
    everything = CliRunner().invoke(app, ["purge", "--yes"])
    assert everything.exit_code == 0 and database.last_turns("c2") == []


def test_retention_purges_old_turns_when_the_assistant_starts(tmp_path: Path) -> None:
    from assistant.agent import build_assistant
    from assistant.settings import Settings

    database = _store(tmp_path)
    with database.connect() as conn:
        from assistant.storage.schema import turns

        conn.execute(turns.update().where(turns.c.conversation_id == "c1").values(created_at=time.time() - 40 * 86_400))
    build_assistant(Settings(data_dir=tmp_path, retention_days=30), llm_spec="")
    assert database.last_turns("c1") == [] and len(database.last_turns("c2")) == 1


def test_purge_covers_the_slack_records(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from assistant.settings import Settings
    from assistant.storage.slack import SlackStore

    monkeypatch.setenv("COMPLIANCE_ASSISTANT_DATA_DIR", str(tmp_path))
    store = SlackStore(Settings().database_url)
    store.audit(user="U1", channel="C1", source="dm", question="q", cited=[], latency_ms=1.0, outcome="answered")
    assert store.first_command("digest") and store.claim_event("Ev1")
    store.mark_done("Ev1")
    kept = CliRunner().invoke(app, ["purge", "--older-than", "1", "--json"])
    assert kept.exit_code == 0 and json.loads(kept.output) == {"deleted": 0, "slack_records": 0}
    everything = CliRunner().invoke(app, ["purge", "--yes", "--json"])
    assert everything.exit_code == 0 and json.loads(everything.output) == {"deleted": 0, "slack_records": 3}
    assert store.rows() == [] and store.claim_event("Ev1")  # gone: a new delivery of it would be new
