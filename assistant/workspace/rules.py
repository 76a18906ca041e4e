"""Workspace rules read from ``knowledge/authored``: evidence freshness, calendar periods, matching vocabulary.

Every period carries its citation in the data file; nothing regulatory is a literal in code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.knowledge.models import Citation
from assistant.knowledge.paths import knowledge_dir
from assistant.knowledge.safe_yaml import load_yaml_file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FreshnessRule(_Strict):
    """How long an artifact of one type stays current when it has no review or expiry date."""

    max_age_days: int = Field(ge=1)
    basis: Literal["regulatory", "organization-defined"]
    citation: Citation
    applies_to: list[str] = Field(default_factory=list)


class FreshnessRules(_Strict):
    """The default rule and one per artifact type."""

    default: FreshnessRule
    types: dict[str, FreshnessRule]

    def for_type(self, artifact_type: str) -> FreshnessRule:
        """The rule of ``artifact_type`` (normalized: lower case, spaces and hyphens as underscores)."""
        return self.types.get(normalize_type(artifact_type), self.default)


class CalendarRule(_Strict):
    """One recurring or one-off deadline counted from a profile date."""

    id: str
    framework: Literal["iso27001", "cmmc"]
    title: str
    start: str = Field(alias="from")
    every_months: int | None = None
    count: int = 1
    after_months: int | None = None
    after_days: int | None = None
    levels: list[int] = Field(default_factory=list)
    fact: str
    citation: Citation
    note: str = ""


class Vocabulary(_Strict):
    """Synonyms and stopwords for matching facts to objectives."""

    synonyms: dict[str, list[str]]
    stopwords: str  # space-separated

    @property
    def stop(self) -> frozenset[str]:
        """The stopwords as a set."""
        return frozenset(self.stopwords.split())


def normalize_type(text: str) -> str:
    """``Vulnerability scan`` → ``vulnerability_scan``."""
    return text.strip().lower().replace("-", "_").replace(" ", "_") or "other"


def authored_dir(root: Path | None = None) -> Path:
    """``knowledge/authored`` of ``root`` when it has one, else the shipped one."""
    if root is not None and (root / "authored").is_dir():
        return root / "authored"
    return knowledge_dir() / "authored"


@lru_cache(maxsize=8)
def _load(path: Path) -> Any:
    return load_yaml_file(path)


def freshness_rules(root: Path | None = None) -> FreshnessRules:
    """``evidence_freshness.yaml``."""
    return FreshnessRules.model_validate(_load(authored_dir(root) / "evidence_freshness.yaml"))


def calendar_rules(root: Path | None = None) -> list[CalendarRule]:
    """``program_calendar.yaml``."""
    return [CalendarRule.model_validate(r) for r in _load(authored_dir(root) / "program_calendar.yaml")]


def vocabulary(root: Path | None = None) -> Vocabulary:
    """``ssp_vocabulary.yaml``."""
    return Vocabulary.model_validate(_load(authored_dir(root) / "ssp_vocabulary.yaml"))
