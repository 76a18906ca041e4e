"""The one ``Settings`` object: environment variables and ``.env``, nested by section.

Create it once at the edge (CLI, Slack app) and pass it in; nothing deeper reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Per-user data folder (``$XDG_DATA_HOME/compliance-assistant``, else ``~/.local/share/...``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "compliance-assistant"


class Settings(BaseSettings):
    """Configuration of the assistant. Every field can be set as ``COMPLIANCE_ASSISTANT_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="COMPLIANCE_ASSISTANT_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    data_dir: Path = Field(default_factory=default_data_dir, description="Where indexes and the database live.")
    knowledge_dir: Path | None = Field(
        default=None, description="Normalized knowledge folder; default: the one shipped in the package."
    )
    log_level: str = Field(default="WARNING", description="Python logging level.")
