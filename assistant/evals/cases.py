"""The eval case format and its loader: a YAML file holds a list of cases; a folder holds such files.

A file that breaks the schema is rejected with the file, case ID and field named; the others still run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.knowledge.safe_yaml import load_yaml_file
from assistant.skills.registry import EVAL_KINDS
from assistant.tools.scoping import Category

ScopeCategory = Category  # one spelling of the asset categories: the scoping tool's


class Expected(BaseModel):
    """What a passing answer must (and must not) contain."""

    model_config = ConfigDict(extra="forbid")

    controls_any: list[str] = Field(default_factory=list)
    controls_all: list[str] = Field(default_factory=list)
    answer_contains: list[str] = Field(default_factory=list)
    answer_excludes: list[str] = Field(default_factory=list)
    scope_category: ScopeCategory | None = None
    refuse: bool = False


class Case(BaseModel):
    """One question with its expectations and the authority they were checked against."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: str
    question: str
    context: dict[str, Any] = Field(default_factory=dict)
    expected: Expected
    source: str

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in EVAL_KINDS:
            raise ValueError(f"unknown kind '{value}'; use one of {', '.join(EVAL_KINDS)}")
        return value


@dataclass
class Suite:
    """Cases that loaded, and the files (with reasons) that did not."""

    cases: list[Case] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)


def load_suite(path: Path) -> Suite:
    """Every case under ``path`` (a file or a folder of ``.yaml``/``.yml`` files)."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
    suite = Suite()
    if not files:
        suite.rejected[str(path)] = "no suite files found"
    seen: dict[str, str] = {}
    for file in files:
        try:
            cases = _load_file(file)
        except ValueError as exc:
            suite.rejected[str(file)] = str(exc)
            continue
        duplicate = next((c.id for c in cases if c.id in seen), None)
        if duplicate:
            suite.rejected[str(file)] = f"case {duplicate}: id already used in {seen[duplicate]}"
            continue
        seen.update({c.id: str(file) for c in cases})
        suite.cases.extend(cases)
    return suite


def _load_file(file: Path) -> list[Case]:
    try:
        raw = load_yaml_file(file)  # size, nesting and alias limits; UTF-8 only
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot be read as YAML: {exc}") from exc
    if not isinstance(raw, list):
        raise ValueError("must hold a list of cases")
    cases = []
    ids: set[str] = set()
    for index, item in enumerate(raw):
        label = item.get("id", f"#{index}") if isinstance(item, dict) else f"#{index}"
        try:
            case = Case.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(case)"
            raise ValueError(f"case {label}: field '{where}': {err['msg']}") from exc
        if case.id in ids:
            raise ValueError(f"case {case.id}: id is not unique in this file")
        ids.add(case.id)
        cases.append(case)
    return cases
