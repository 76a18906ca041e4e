"""`ask` and `chat` as a user runs them (real model and index in a temp data folder)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doubles import copy_data

CLI = [sys.executable, "-c", "from assistant.cli.app import main; main()"]


def _run(data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMPLIANCE_ASSISTANT_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    env.pop("COMPLIANCE_ASSISTANT_LLM", None)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, input=stdin, check=False,
                          timeout=600)


@pytest.mark.slow
def test_ask_json_chat_examples_and_context_file(tmp_path: Path, built_data: Path) -> None:
    data = copy_data(built_data, tmp_path / "data")
    result = _run(data, "ask", "which ISO 27001 controls cover 3.5.3?", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert {"text", "citations", "refused", "intent"} <= set(answer)
    assert answer["intent"] == "crosswalk" and not answer["refused"]
    assert {"3.5.3", "A.5.16"} <= {c["id"] for c in answer["citations"]}

    context = tmp_path / "context.yaml"
    context.write_text("not_met: [3.1.1, AC.L2-3.1.5]\npartial: [IA.L2-3.5.3]\n", encoding="utf-8")
    scored = json.loads(_run(data, "ask", "what is our SPRS score?", "--context", str(context), "--json").stdout)
    assert "SPRS score: 99" in scored["text"]  # 110 - 5 (3.1.1) - 3 (3.1.5) - 3 (3.5.3 partial)

    chat = _run(data, "chat", stdin="")  # stdin not a terminal: example questions are answered
    assert chat.returncode == 0, chat.stderr
    assert "CUI Asset" in chat.stdout and "SPRS score: 107" in chat.stdout


@pytest.mark.slow
def test_bad_context_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    result = _run(tmp_path / "data", "ask", "what is our SPRS score?", "--context", str(bad))
    assert result.returncode == 2 and "must hold a mapping" in result.stderr
