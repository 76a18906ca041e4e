"""The one ``Settings`` object: environment variables and ``.env``, nested by section.

Create it once at the edge (CLI, Slack app) and pass it in; nothing deeper reads the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, model_validator
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
        populate_by_name=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir, description="Where indexes and the database live.")
    knowledge_dir: Path | None = Field(
        default=None, description="Normalized knowledge folder; default: the one shipped in the package."
    )
    database_url: str = Field(
        default="", description="SQLAlchemy URL of the database (sqlite:///… or postgresql://…); "
        "unset: the SQLite file assistant.sqlite3 in data_dir.",
    )
    log_level: str = Field(default="WARNING", description="Python logging level.")
    retention_days: int | None = Field(
        default=None, ge=0, description="Keep conversation turns and Slack records (audit log, event "
        "claims) this many days (purged on start, hourly while Slack runs, and by `purge`); unset: kept until purged.",
    )
    chroma_host: str | None = Field(
        default=None, validation_alias=AliasChoices("CHROMA_HOST", "COMPLIANCE_ASSISTANT_CHROMA_HOST"),
        description="Chroma server host; unset: a persistent local folder under data_dir.",
    )
    chroma_port: int = Field(
        default=8000, validation_alias=AliasChoices("CHROMA_PORT", "COMPLIANCE_ASSISTANT_CHROMA_PORT"),
        description="Chroma server port.",
    )

    llm: str | None = Field(
        default=None, description="provider:model (openai:…, anthropic:…, ollama:…); unset: the offline default."
    )
    llm_timeout_s: float = Field(default=30.0, description="Seconds before an LLM call falls back to offline.")

    slack_bot_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_app_token: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN"),
                                        description="xapp- token for Socket Mode.")
    slack_signing_secret: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET"),
                                             description="Verifies HTTP-mode requests.")
    slack_api_base_url: str = Field(
        default="https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_BASE_URL"),
        description="Slack Web API base URL (GovSlack has its own host).",
    )
    slack_allowed_channels: str = Field(default="", description="Comma-separated channel IDs; empty: all.")
    slack_allowed_users: str = Field(default="", description="Comma-separated user IDs; empty: all.")
    slack_compliance_owner: str | None = Field(default=None, description="User ID tagged by 'Ask a human'.")

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'assistant.sqlite3'}"
        return self

    @property
    def index_dir(self) -> Path:
        """Folder of the search index (Chroma, BM25, model export, vector cache)."""
        return self.data_dir / "index"
