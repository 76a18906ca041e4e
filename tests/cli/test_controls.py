"""``compliance-assistant controls …`` through typer's runner and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli.app import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_show_json_has_stable_keys() -> None:
    code, out, _ = _run("controls", "show", "AC.L2-3.1.1", "--json")
    data = json.loads(out)
    assert code == 0
    assert {"id", "framework", "title", "text"} <= set(data)
    assert (data["id"], data["framework"]) == ("AC.L2-3.1.1", "cmmc-2.0")
    assert [o["id"] for o in data["objectives"]] == [f"3.1.1[{x}]" for x in "abcdef"]
    assert data["point_value"]["points"] == 5


def test_show_table_names_version_objectives_and_points() -> None:
    code, out, _ = _run("controls", "show", "3.5.3")
    assert code == 0
    assert "NIST SP 800-171 Rev 2" in out
    assert "3.5.3[d]" in out
    flat = " ".join(out.replace("│", " ").split())  # undo the panel's wrapping
    assert "5 points if MFA not implemented for any users; 3 if MFA implemented only for remote" in flat


def test_unknown_id_exits_non_zero_with_suggestion_on_stderr() -> None:
    code, out, err = _run("controls", "show", "3.14.9")
    assert code == 2 and out == ""
    assert "Did you mean 3.14.7?" in " ".join(err.split())


def test_list_without_filter_covers_every_framework() -> None:
    code, out, _ = _run("controls", "list", "--json")
    frameworks = {item["framework"] for item in json.loads(out)}
    assert code == 0
    assert frameworks >= {"nist-800-171r2", "cmmc-2.0", "iso27001-2022", "far-52.204-21", "nist-800-172",
                          "nist-800-53r5"}


def test_list_filters_by_framework_family_and_level() -> None:
    _, out, _ = _run("controls", "list", "--framework", "iso", "--theme", "A.6", "--json")
    assert [c["id"] for c in json.loads(out)] == [f"A.6.{n}" for n in range(1, 9)]
    _, out, _ = _run("controls", "list", "-f", "cmmc", "--level", "1", "--json")
    assert len(json.loads(out)) == 15
    _, out, _ = _run("controls", "list", "-f", "171", "--family", "IA", "--json")
    assert len(json.loads(out)) == 11


def test_list_rejects_unknown_framework() -> None:
    code, _, err = _run("controls", "list", "--framework", "soc2")
    assert code == 2 and "unknown framework 'soc2'" in err


def test_crosswalk_json_edges() -> None:
    code, out, _ = _run("controls", "crosswalk", "3.1.1", "--to", "iso", "--json")
    edges = json.loads(out)
    assert code == 0 and len(edges) >= 12
    assert all({"source", "target", "relationship", "provenance"} <= set(e) for e in edges)
    assert {e["provenance"] for e in edges} == {"transitive"}
    assert all(e["source"] == "3.1.1" for e in edges)


def test_crosswalk_reverse_direction_from_iso() -> None:
    code, out, _ = _run("controls", "crosswalk", "A.8.5", "--to", "53", "--json")
    targets = {e["target"] for e in json.loads(out)}
    assert code == 0 and targets and all("-" in t for t in targets)


def test_cold_process_prints_control_without_torch(tmp_path: Path) -> None:
    """As a user runs it: a fresh process, and no torch import on the lookup path."""
    code = (
        "import sys\nfrom assistant.cli.app import app\n"
        "try:\n    app(['controls', 'show', '3.1.1', '--json'])\nexcept SystemExit:\n    pass\n"
        "assert 'torch' not in sys.modules and 'chromadb' not in sys.modules, 'heavy import on lookup path'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "3.1.1"


def test_broken_knowledge_dir_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["controls", "show", "3.1.1"],
                           env={"COMPLIANCE_ASSISTANT_KNOWLEDGE_DIR": str(tmp_path / "nowhere")})
    assert result.exit_code == 2
    assert "cannot load the knowledge base" in result.stderr and "manifest.json: file is missing" in result.stderr
