"""The scoping vocabulary (``authored/scoping_vocabulary.yaml``): asset terms -> asset class, cue phrases
and per-category documentation notes, validated and written to ``rules/scoping_vocabulary.json``.

The models live here because the converter and the scoping tool both read them; nothing here imports
anything above ``assistant.knowledge``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.knowledge.build import sources as src

ClassKind = Literal["specialized", "security", "cloud", "business_saas", "vdi", "it", "people"]
CUE_GROUPS = (
    "cui_terms", "fci_terms", "zone_nouns", "negations", "restrictions", "policy", "intent_only", "capability",
    "hypothetical", "separated", "connected", "kvm_only", "security_functions", "handling_verbs", "spd_terms",
    "companion", "universal_people", "policy_negations", "equipment_heads", "mixed_data", "transit_only",
)
MIN_TERMS = 300
RULES_FILE = "rules/scoping_vocabulary.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AssetClass(_Strict):
    """A class of assets the Scoping Guides name, with the words people use for it."""

    id: str
    kind: ClassKind
    label: str
    source: str = Field(min_length=10, description="the guide or CFR passage the class comes from")
    terms: list[str] = Field(min_length=1)
    note: str = Field(default="", description="a sentence the answer quotes for assets of this class (with source)")


class DocumentationNote(_Strict):
    """What a category must have documented at a level, and what it need not."""

    level: int = Field(ge=1, le=3)
    category: str
    must: str
    need_not: str
    source: str


class ScopingVocabulary(_Strict):
    """The whole vocabulary: classes, cue phrase groups and documentation notes."""

    classes: list[AssetClass]
    cues: dict[str, list[str]]
    documentation: list[DocumentationNote]
    notes: dict[str, str] = Field(default_factory=dict, description="sentences the answers quote, each with source")


def build(authored: Path) -> ScopingVocabulary:
    """Read and validate the authored vocabulary: every term lower-case and in one class only."""
    raw = src.read_yaml(authored, "scoping_vocabulary.yaml")
    try:
        vocab = ScopingVocabulary.model_validate(raw)
    except ValueError as exc:
        raise src.SourceError(f"scoping_vocabulary.yaml: {exc}") from exc
    owner: dict[str, str] = {}
    for cls in vocab.classes:
        for term in cls.terms:
            if term != term.lower().strip():
                raise src.SourceError(f"scoping_vocabulary.yaml: term '{term}' must be lower-case")
            if term in owner:
                raise src.SourceError(f"scoping_vocabulary.yaml: '{term}' is in {owner[term]} and {cls.id}")
            owner[term] = cls.id
    if len(owner) < MIN_TERMS:
        raise src.SourceError(f"scoping_vocabulary.yaml: {len(owner)} terms (at least {MIN_TERMS})")
    missing = [g for g in CUE_GROUPS if not vocab.cues.get(g)]
    if missing:
        raise src.SourceError(f"scoping_vocabulary.yaml: cue groups missing: {', '.join(missing)}")
    return ScopingVocabulary(
        classes=vocab.classes,
        cues={k: sorted(set(v), key=lambda t: (-len(t), t)) for k, v in sorted(vocab.cues.items())},
        documentation=vocab.documentation, notes=vocab.notes,
    )


@lru_cache(maxsize=4)
def load(knowledge_root: Path) -> ScopingVocabulary:
    """The built vocabulary of a knowledge folder (``rules/scoping_vocabulary.json``)."""
    path = knowledge_root / RULES_FILE
    return ScopingVocabulary.model_validate(json.loads(path.read_text(encoding="utf-8")))
