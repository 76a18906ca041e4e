"""The regression gate `make test` enforces: the offline suite against evals/baseline.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doubles import copy_data

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_offline_suite_holds_the_baseline(tmp_path: Path, built_data: Path) -> None:
    """Fails when overall accuracy drops more than one point below the baseline or any ID is invented."""
    data = copy_data(built_data, tmp_path / "data")  # the index is built as `index build` builds it
    env = {**os.environ, "COMPLIANCE_ASSISTANT_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    env.pop("COMPLIANCE_ASSISTANT_LLM", None)
    result = subprocess.run(
        [sys.executable, "-c", "from assistant.cli.app import main; main()", "eval", "--suite",
         str(REPO / "evals" / "suites"), "--baseline", str(REPO / "evals" / "baseline.json"),
         "--report", str(tmp_path / "report"), "--jobs", "2"],
        capture_output=True, text=True, env=env, check=False, timeout=900)
    results = json.loads((tmp_path / "report" / "results.json").read_text())
    failing = [(c["id"], c["failures"]) for c in results["cases"] if not c["passed"]]
    assert result.returncode == 0, f"{result.stderr}\nfailing cases: {failing}"
    assert results["overall"]["hallucinated_id_rate"] == 0.0
    assert results["overall"]["cases"] >= 150
    assert (tmp_path / "report" / "report.html").is_file()
