"""Shared fixtures: the shipped knowledge base, a writable copy of it, and a clean environment."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.knowledge import KnowledgeBase, get_knowledge_base
from assistant.knowledge.paths import knowledge_dir

REPO = Path(__file__).resolve().parents[1]
SHARED_SOURCES = REPO.parent / "shared" / "knowledge-sources"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the user's settings, tokens or data folder."""
    import os

    for name in list(os.environ):
        if name.startswith(("COMPLIANCE_ASSISTANT_", "SLACK_", "OPENAI_", "ANTHROPIC_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The knowledge base shipped with the package."""
    return get_knowledge_base()


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the shipped knowledge folder, for corrupting on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), target, ignore=shutil.ignore_patterns("authored"))
    yield target


@pytest.fixture(scope="session")
def shared_sources() -> Path:
    """The official sources beside the repository (CI gets a copy); skip where they are absent."""
    if not (SHARED_SOURCES / "PROVENANCE.md").is_file():
        pytest.skip(f"official sources not found at {SHARED_SOURCES}")
    return SHARED_SOURCES
