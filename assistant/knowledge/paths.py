"""Locate the data shipped with the package: ``knowledge/`` and ``prompts/``.

In a wheel they live inside the package (``assistant/_data``, see ``pyproject.toml``); in a source
checkout they are the top-level folders of the repository.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir(name: str) -> Path:
    """Folder of shipped data ``name`` ("knowledge" or "prompts")."""
    packaged = resources.files("assistant").joinpath("_data", name)
    if packaged.is_dir():
        return Path(str(packaged))
    return _REPO_ROOT / name


def knowledge_dir() -> Path:
    """The normalized knowledge folder shipped with this installation."""
    return data_dir("knowledge")


def prompts_dir() -> Path:
    """The prompts folder shipped with this installation."""
    return data_dir("prompts")
