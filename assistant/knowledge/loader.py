"""Read and validate the normalized knowledge files into typed records.

Every file is validated entry by entry, so a hand-edited or corrupted file fails the load with the
file, the entry and the field named, rather than with a stack trace from deep inside.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assistant.knowledge.errors import KnowledgeFileError
from assistant.knowledge.models import (
    AssetCategory,
    Control,
    CrosswalkEdge,
    Framework,
    LexiconEntry,
    Manifest,
    Passage,
    PoamRules,
    ProgramFact,
    ScenarioPhrasings,
    SprsRules,
)

M = TypeVar("M", bound=BaseModel)
_REBUILD = "rebuild with python -m assistant.knowledge.build"


@dataclass(frozen=True)
class KnowledgeData:
    """Everything under ``knowledge/``, validated."""

    root: Path
    manifest: Manifest
    frameworks: list[Framework]
    controls: list[Control]
    crosswalks: list[CrosswalkEdge]
    sprs: SprsRules
    poam: PoamRules
    asset_categories: list[AssetCategory]
    program_facts: list[ProgramFact]
    passages: list[Passage]
    phrasings: list[ScenarioPhrasings]
    lexicon: list[LexiconEntry]


def load_knowledge(root: Path) -> KnowledgeData:
    """Load every file listed in ``root/manifest.json``; raise ``KnowledgeFileError`` on any defect."""
    manifest = _load_one(root, "manifest.json", Manifest)
    controls: list[Control] = []
    edges: list[CrosswalkEdge] = []
    passages: list[Passage] = []
    phrasings: list[ScenarioPhrasings] = []
    for rel in manifest.files:
        if rel.startswith("controls/"):
            controls.extend(_load_list(root, rel, Control))
        elif rel.startswith("crosswalks/"):
            edges.extend(_load_list(root, rel, CrosswalkEdge))
        elif rel.startswith("passages/"):
            passages.extend(_load_list(root, rel, Passage))
        elif rel.startswith("phrasings/"):
            phrasings.extend(_load_list(root, rel, ScenarioPhrasings))
    return KnowledgeData(
        root=root,
        manifest=manifest,
        frameworks=_load_list(root, "frameworks.json", Framework),
        controls=controls,
        crosswalks=edges,
        sprs=_load_one(root, "rules/sprs.json", SprsRules),
        poam=_load_one(root, "rules/poam.json", PoamRules),
        asset_categories=_load_list(root, "rules/asset_categories.json", AssetCategory),
        program_facts=_load_list(root, "rules/program_facts.json", ProgramFact),
        passages=passages,
        phrasings=phrasings,
        lexicon=_load_list(root, "rules/lexicon.json", LexiconEntry) if "rules/lexicon.json" in manifest.files else [],
    )


def _read_json(root: Path, rel: str) -> Any:
    path = root / rel
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeFileError(str(path), f"file is missing ({_REBUILD})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeFileError(str(path), f"cannot be read: {exc}") from exc
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise KnowledgeFileError(str(path), f"is not valid JSON ({where}): {exc.msg}") from exc


def _load_one(root: Path, rel: str, model: type[M]) -> M:
    try:
        return model.model_validate(_read_json(root, rel))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise KnowledgeFileError(str(root / rel), err["msg"], field=_loc(err["loc"])) from exc


def _load_list(root: Path, rel: str, model: type[M]) -> list[M]:
    raw = _read_json(root, rel)
    if not isinstance(raw, list):
        raise KnowledgeFileError(str(root / rel), f"expected a list of entries, found {type(raw).__name__}")
    items = []
    for index, entry in enumerate(raw):
        try:
            items.append(model.model_validate(entry))
        except ValidationError as exc:
            err = exc.errors()[0]
            name = entry.get("id") or entry.get("source", "?") if isinstance(entry, dict) else None
            label = f"{index} ({name})" if name else str(index)
            raise KnowledgeFileError(str(root / rel), err["msg"], entry=label, field=_loc(err["loc"])) from exc
    return items


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(entry)"
