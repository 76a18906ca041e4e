"""The typed ``Context`` a user may pass with a question (``ask --context``, eval cases, Slack).

Every front end validates through this one model, so a bad shape gets the same clear error everywhere:
the field is named, and no traceback reaches the user.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class ContextError(ValueError):
    """A context that does not fit the model; ``str()`` names each bad field."""


class ControlNote(BaseModel):
    """A control named in a status list, optionally with the user's note on it."""

    model_config = ConfigDict(extra="forbid")

    control: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=2000)


class EvidenceEntry(BaseModel):
    """One item of the user's evidence inventory."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=200)
    title: str = Field(default="", max_length=500)
    controls: list[str] = Field(default_factory=list, max_length=500)
    collected: date | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


class AssetOverrides(BaseModel):
    """Scoping facts the user states outright (each overrides what is read from the question)."""

    model_config = ConfigDict(extra="forbid")

    handles_cui: bool | None = None
    handles_fci: bool | None = None
    provides_security: bool | None = None
    can_handle_cui: bool | None = None
    prevented_by_policy: bool | None = None
    specialized_type: str | None = None
    separated: bool | None = None
    cloud_or_external_service: bool | None = None
    fedramp_moderate: bool | None = None
    name: str | None = None


class SystemDescription(BaseModel):
    """A short description of the system (used by SSP drafting when no stored profile exists)."""

    model_config = ConfigDict(extra="ignore")

    name: str = ""
    description: str = ""
    services: list[dict[str, str]] = Field(default_factory=list)
    components: list[dict[str, str]] = Field(default_factory=list)
    roles: list[dict[str, str]] = Field(default_factory=list)


def _control_refs(value: Any) -> Any:
    """Status lists accept IDs or ``{control, note}`` mappings; a single ID is a list of one."""
    if value is None:
        return []
    if isinstance(value, str | int | float):
        value = [value]
    if not isinstance(value, list):
        return value  # let pydantic name the type error
    return [{"control": str(v)} if isinstance(v, str | int | float) else v for v in value]


class Context(BaseModel):
    """Everything a user can state besides the question."""

    model_config = ConfigDict(extra="forbid")

    evidence: list[EvidenceEntry] = Field(default_factory=list, max_length=10_000)
    not_met: list[ControlNote] = Field(default_factory=list, max_length=500)
    partial: list[ControlNote] = Field(default_factory=list, max_length=500)
    not_applicable: list[ControlNote] = Field(default_factory=list, max_length=500)
    as_of: date | None = None
    max_age_days: int = Field(default=365, ge=1, le=36_500)
    scope: str | list[str] | None = None
    asset: AssetOverrides = Field(default_factory=AssetOverrides)
    system: SystemDescription | None = None
    history: list[dict[str, str]] = Field(default_factory=list, max_length=50)
    notes: list[str] = Field(default_factory=list, exclude=True)

    @field_validator("not_met", "partial", "not_applicable", mode="before")
    @classmethod
    def _refs(cls, value: Any) -> Any:
        return _control_refs(value)

    @field_validator("evidence", mode="before")
    @classmethod
    def _evidence_list(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("asset", mode="before")
    @classmethod
    def _asset_mapping(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="after")
    def _impossible_values(self) -> Context:
        today = date.today()
        if self.as_of and self.as_of > today:
            self.notes.append(f"as_of {self.as_of} is in the future; gaps are computed as of that date anyway.")
        future = [e.id for e in self.evidence if e.collected and e.collected > (self.as_of or today)]
        if future:
            self.notes.append("Evidence dated after the as-of date (check the dates): " + ", ".join(future[:10]))
        return self

    @property
    def not_met_ids(self) -> list[str]:
        """IDs stated as NOT MET."""
        return [c.control for c in self.not_met]

    @property
    def partial_ids(self) -> list[str]:
        """IDs stated as partially met."""
        return [c.control for c in self.partial]

    @property
    def not_applicable_ids(self) -> list[str]:
        """IDs stated as not applicable."""
        return [c.control for c in self.not_applicable]

    def typed_ids(self) -> set[str]:
        """Every ID-like string the user wrote in the context (answers may quote them back)."""
        typed = {c for e in self.evidence for c in e.controls}
        typed.update(self.not_met_ids + self.partial_ids + self.not_applicable_ids)
        return typed


def parse_context(raw: Any) -> Context:
    """``raw`` (a mapping, a ``Context`` or None) as a ``Context``; a bad shape raises ``ContextError``."""
    if isinstance(raw, Context):
        return raw
    if raw is None:
        return Context()
    if not isinstance(raw, dict):
        raise ContextError(f"must hold a mapping (evidence, not_met, as_of, …), got {type(raw).__name__}")
    try:
        return Context.model_validate(raw)
    except ValidationError as exc:
        raise ContextError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "context"
        problems.append(f"{where}: {error['msg']}")
    more = f" (+{exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return "bad context: " + "; ".join(problems) + more
