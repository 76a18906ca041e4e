"""`index build|status|add-docs` and `search` as a user runs them: real model, real Chroma, temp data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doubles import write_pdf

CLI = [sys.executable, "-c", "from assistant.cli.app import main; main()"]


def _run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMPLIANCE_ASSISTANT_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, check=False, timeout=600)


@pytest.mark.slow
def test_index_lifecycle_end_to_end(tmp_path: Path) -> None:
    data = tmp_path / "data"
    status = json.loads(_run(data, "index", "status", "--json").stdout)
    assert status["built"] is False and status["stale"] is True

    built = _run(data, "index", "build", "--json")
    assert built.returncode == 0, built.stderr
    report = json.loads(built.stdout)  # the progress bar goes to stderr, so stdout stays JSON
    assert report["documents"] > 1000 and report["embedded"] == 0  # every vector came from the shipped cache

    hits = json.loads(_run(data, "search", "what stops brute-force logins?", "--k", "5", "--json").stdout)
    assert all({"id", "framework", "title", "score"} <= set(h) for h in hits)
    assert "3.1.8" in [h["anchor"] for h in hits]
    pinned = json.loads(_run(data, "search", "IA.L2-3.5.3", "--k", "1", "--json").stdout)
    assert pinned[0]["id"] == "IA.L2-3.5.3" and pinned[0]["breakdown"]["pinned"]
    iso = json.loads(_run(data, "search", "secure authentication", "-f", "iso", "--json").stdout)
    assert iso and {h["framework"] for h in iso} == {"iso27001-2022"}

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ac-policy.md").write_text("# Access Control Policy\n## 4.2 Lockout\nLock after five bad logons.\n")
    write_pdf(docs / "backup.pdf", ["Backups are encrypted and tested monthly."])
    (docs / "broken.pdf").write_bytes(b"not a pdf at all")
    added = _run(data, "index", "add-docs", str(docs))
    assert added.returncode == 0, added.stderr
    assert "skipped" in added.stdout and "broken.pdf" in added.stdout and "Added 2 file(s)" in added.stdout
    found = json.loads(_run(data, "search", "lockout after bad logons", "-f", "company", "--json").stdout)
    assert found[0]["title"] == "Access Control Policy §4.2 Lockout"

    status = json.loads(_run(data, "index", "status", "--json").stdout)
    assert status["built"] and not status["stale"] and status["documents"] == report["documents"] + 2

    code = ("import sys\nfrom assistant.cli.app import app\ntry:\n    app(['search', 'audit logs', '--json'])\n"
            "except SystemExit:\n    pass\nassert 'torch' not in sys.modules, 'search imported torch'\n")
    env = {**os.environ, "COMPLIANCE_ASSISTANT_DATA_DIR": str(data)}
    no_torch = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert no_torch.returncode == 0, no_torch.stderr


@pytest.mark.slow
def test_add_docs_with_nothing_readable_changes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"junk")
    result = _run(tmp_path / "data", "index", "add-docs", str(bad))
    assert result.returncode == 1
    assert "no readable documents to add; nothing was changed" in result.stderr
