"""Read prompt and template files shipped in ``prompts/``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.knowledge.paths import data_dir


def prompts_dir() -> Path:
    """The prompts folder of this installation."""
    return data_dir("prompts")


@lru_cache(maxsize=8)
def load_yaml(name: str) -> Any:
    """A YAML prompt file, parsed (header comments are ignored)."""
    return yaml.safe_load((prompts_dir() / name).read_text(encoding="utf-8"))


def load_text(name: str) -> str:
    """A text prompt without its leading header comment lines."""
    lines = (prompts_dir() / name).read_text(encoding="utf-8").splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip()
