"""The built wheel carries knowledge/ and prompts/ and runs `controls show` in a clean venv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Only what the lookup path needs; the rest (torch, chromadb…) is proven unnecessary by its absence.
LIGHT_DEPS = ("pydantic", "pydantic-settings", "typer", "rich", "pyyaml")


def _pins() -> list[str]:
    lines = (REPO / "requirements" / "min-constraints.txt").read_text().splitlines()
    return [line for line in lines if line.split("==")[0].lower() in LIGHT_DEPS]


@pytest.mark.slow
def test_wheel_installs_and_answers_controls_show(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path / "dist")],
                   cwd=REPO, check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("compliance_assistant-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "assistant/_data/knowledge/manifest.json" in names
    assert "assistant/_data/knowledge/controls/nist-800-171r2.json" in names
    assert any(n.startswith("assistant/_data/prompts/") for n in names)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q"]
    env = {**os.environ, "PIP_CACHE_DIR": str(REPO / ".cache" / "pip")}
    subprocess.run([*pip, *_pins()], check=True, env=env, capture_output=True)
    subprocess.run([*pip, "--no-deps", str(wheel)], check=True, env=env, capture_output=True)

    result = subprocess.run([str(env_dir / "bin" / "compliance-assistant"), "controls", "show", "3.1.1", "--json"],
                            capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["id"], data["framework"]) == ("3.1.1", "nist-800-171r2")
    assert data["text"].startswith("Limit system access to authorized users")
