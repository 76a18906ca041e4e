"""``system``, ``evidence``, ``ssp``, ``soa`` and ``calendar`` end to end through the CLI, on SQLite and on
PostgreSQL (``COMPLIANCE_ASSISTANT_DATABASE_URL``), and two data directories never mix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from assistant.cli.app import app
from assistant.knowledge import KnowledgeBase
from tests.storage.postgres import PostgresServer
from tests.workspace.data import register_50, write_profile

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("COMPLIANCE_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COMPLIANCE_ASSISTANT_DATABASE_URL", raising=False)  # sqlite: the data dir's file, always
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        monkeypatch.setenv("COMPLIANCE_ASSISTANT_DATABASE_URL", server.new_database())
    return str(request.param)


def test_workspace_commands_end_to_end(backend: str, kb: KnowledgeBase, tmp_path: Path) -> None:
    code, out, err = _run("system", "import", str(write_profile(tmp_path)))
    assert code == 0, err
    code, out, _ = _run("system", "export")
    exported = yaml.safe_load(out)
    assert exported["system"]["name"] == "Acme CUI Enclave" and exported["custom_section"] == {"kept": True}
    register, _ = register_50(kb, tmp_path)
    assert _run("evidence", "import", str(register))[0] == 0
    code, out, _ = _run("evidence", "import", str(register))
    assert "0 added, 50 updated" in out
    code, out, _ = _run("evidence", "show", "EV-001", "--json")
    assert json.loads(out)["mapping"]["cmmc"]
    code, out, _ = _run("evidence", "gaps", "--framework", "cmmc-l2", "--framework", "iso", "--as-of",
                        "2026-11-01", "--json")
    counts = json.loads(out)["counts"]
    assert counts["cmmc-l2"] == {"missing": 65, "stale": 10, "objective": 5} and "iso" in counts
    code, out, _ = _run("evidence", "gaps", "-f", "cmmc-l1", "--csv", "-")
    assert out.splitlines()[0].startswith("framework,control,title,gap")
    code, out, _ = _run("ssp", "draft", "3.5.3", "--json")
    draft = json.loads(out)
    assert {"requirement", "status", "objectives"} <= set(draft) and draft["requirement"] == "3.5.3"
    assert [set(o) >= {"id", "statement", "covered", "sources"} for o in draft["objectives"]] == [True] * 4
    code, out, _ = _run("ssp", "draft", "--all", "--json")
    assert len(json.loads(out)) == 110
    assert _run("ssp", "export", "--format", "docx", "--out", str(tmp_path / "s.docx"))[0] == 0
    assert _run("ssp", "export", "--format", "oscal", "--out", str(tmp_path / "s.json"))[0] == 0
    assert _run("soa", "export", "--out", str(tmp_path / "soa.xlsx"))[0] == 0
    code, out, _ = _run("calendar", "--json", "--ics", str(tmp_path / "c.ics"))
    rules = {e["rule"] for e in json.loads(out)}
    assert {"iso-surveillance", "iso-recertification", "cmmc-affirmation", "cmmc-reassessment-final"} <= rules
    assert (tmp_path / "c.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_bad_rows_exit_1_and_name_the_row(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMPLIANCE_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "r.csv").write_text("id,controls\nE1,3.1.1\nE2,not-a-control\n", encoding="utf-8")
    code, out, err = _run("evidence", "import", str(tmp_path / "r.csv"))
    assert code == 1 and "r.csv row 3" in err and "1 added" in out


@pytest.mark.sqlite_only(reason="the default database is a file in the data directory; a URL is shared on purpose")
def test_two_data_directories_never_mix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("id,controls\nE1,3.1.1\n", encoding="utf-8")
    monkeypatch.setenv("COMPLIANCE_ASSISTANT_DATA_DIR", str(tmp_path / "one"))
    assert _run("evidence", "import", str(tmp_path / "r.csv"))[0] == 0
    monkeypatch.setenv("COMPLIANCE_ASSISTANT_DATA_DIR", str(tmp_path / "two"))
    code, out, _ = _run("evidence", "list", "--json")
    assert json.loads(out) == []
    code, _, err = _run("ssp", "export", "--format", "docx", "--out", str(tmp_path / "x.docx"))
    assert code == 2 and "system import" in err
