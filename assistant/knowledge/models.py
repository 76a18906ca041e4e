"""Typed records of the knowledge base: frameworks, controls, crosswalk edges and program rules.

These models are the boundary between the committed files under ``knowledge/`` and the rest of
the program: every file is validated into them on load, so a malformed entry fails loudly with the
file, entry and field named.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FrameworkId(StrEnum):
    """Every framework the knowledge base knows, each at one exact version."""

    NIST_800_171R2 = "nist-800-171r2"
    NIST_800_171A = "nist-800-171a"
    NIST_800_171R3 = "nist-800-171r3"
    NIST_800_172 = "nist-800-172"
    NIST_800_172A = "nist-800-172a"
    NIST_800_53R5 = "nist-800-53r5"
    CMMC_2 = "cmmc-2.0"
    FAR_52_204_21 = "far-52.204-21"
    ISO_27001_2022 = "iso27001-2022"
    ISO_27001_2013 = "iso27001-2013"


class Relationship(StrEnum):
    """Set-theory relationship of a crosswalk edge, read as ``source <relationship> target``."""

    EQUAL = "equal"
    SUBSET = "subset"
    SUPERSET = "superset"
    INTERSECT = "intersect"

    def inverse(self) -> Relationship:
        """The relationship read from the target's side."""
        if self is Relationship.SUBSET:
            return Relationship.SUPERSET
        if self is Relationship.SUPERSET:
            return Relationship.SUBSET
        return self


class Provenance(StrEnum):
    """How much authority a crosswalk edge carries."""

    OFFICIAL = "official"  # published by NIST or DoD (or a regulation) as a mapping
    DERIVED = "derived"  # an official mapping carried to newer IDs (e.g. 800-53 Rev 4 -> Rev 5)
    TRANSITIVE = "transitive"  # two official/derived hops composed (800-171 -> 800-53 -> ISO)
    COMMUNITY = "community"  # published by a third party, not NIST/DoD/ISO


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Framework(_Strict):
    """One framework at one version, with where its data came from."""

    id: FrameworkId
    name: str
    version: str
    publisher: str
    source: str
    license: str
    reference_only: bool = False  # shipped to recognise IDs and name endpoints, not assessed

    @property
    def label(self) -> str:
        """How people write it: "ISO/IEC 27001:2022", "NIST SP 800-171 Rev 2 (…)"."""
        return f"{self.name}:{self.version}" if self.name.startswith("ISO") else f"{self.name} {self.version}"


class Control(_Strict):
    """Any addressable item: requirement, objective, practice, Annex A control, clause, 800-53 control."""

    id: str
    framework: FrameworkId
    kind: Literal[
        "requirement", "objective", "practice", "control", "clause", "theme", "enhancement"
    ]
    title: str
    text: str = ""
    discussion: str = ""
    family_id: str = ""
    family: str = ""
    parent: str = ""
    level: int | None = None
    requirement_type: Literal["basic", "derived", ""] = ""
    withdrawn: bool = False
    examine: str = ""
    interview: str = ""
    test: str = ""
    source: str = ""
    note: str = ""


class CrosswalkEdge(_Strict):
    """A typed many-to-many edge between two controls, with the path it was derived through."""

    source: str
    source_framework: FrameworkId
    target: str
    target_framework: FrameworkId
    relationship: Relationship
    provenance: Provenance
    source_document: str
    via: list[str] = Field(default_factory=list)
    note: str = ""

    def reversed(self) -> CrosswalkEdge:
        """The same edge read from the target's side (the relationship inverts)."""
        return self.model_copy(
            update={
                "source": self.target,
                "source_framework": self.target_framework,
                "target": self.source,
                "target_framework": self.source_framework,
                "relationship": self.relationship.inverse(),
                "via": list(reversed(self.via)),
            }
        )


class Passage(_Strict):
    """A citable section of a DoD guide, e.g. "CMMC Scoping Guide Level 2 v2.13, Specialized Assets"."""

    id: str
    document: str
    guide: str
    section: str
    text: str
    level: int | None = None
    requirement: str = ""  # canonical CMMC practice ID for per-requirement guidance


class Citation(_Strict):
    """Where a program fact comes from, precise enough for an assessor to look it up."""

    document: str
    section: str = ""


class SprsPointValue(_Strict):
    """DoD Assessment Methodology value of one NIST SP 800-171 Rev 2 requirement."""

    requirement_id: str
    points: int | None  # None: no score (3.12.4); the full deduction otherwise
    partial_points: int | None = None  # the smaller deduction where partial credit exists
    partial_condition: str = ""
    full_condition: str = ""
    far_basic_safeguarding: bool
    comment: str = ""


class SprsRules(_Strict):
    """The DoD Assessment Methodology scoring rules, with citations."""

    max_score: int
    min_score: int
    values: list[SprsPointValue]
    no_ssp_rule: str
    citation: Citation
    rule_citations: dict[str, Citation]


class PoamLevelRule(_Strict):
    """POA&M rule for one CMMC level, per 32 CFR 170.21(a)."""

    level: int
    poam_permitted: bool
    text: str
    citation: Citation
    min_score_ratio: float | None = None
    max_point_value: int | None = None
    exceptions: list[dict[str, str | int]] = Field(default_factory=list)
    never_on_poam: list[str] = Field(default_factory=list)
    conditional_statuses: list[str] = Field(default_factory=list)


class ClosingParty(_Strict):
    """Who performs the POA&M closeout of one Conditional status."""

    status: str
    by: str


class PoamRules(_Strict):
    """The POA&M rules of every level, the closeout window and who closes out."""

    levels: list[PoamLevelRule]
    closeout_days: int
    closeout_text: str
    closeout_citation: Citation
    closeout_by: list[ClosingParty] = Field(default_factory=list)
    closeout_by_citation: Citation | None = None


class AssetCategory(_Strict):
    """One 32 CFR 170.19 asset category at one level, with its treatment."""

    level: int
    category: str
    in_scope: bool
    description: list[str]
    osa_requirements: list[str]
    assessment_requirements: list[str]
    citation: Citation


class ProgramFact(_Strict):
    """A fact about the programs (levels, cadence, dates, ISO vs CMMC), with its citation."""

    id: str
    topic: str
    title: str
    text: str
    citation: Citation
    framework: Literal["cmmc", "iso27001", "both"]
    effective: date | None = None
    keywords: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)  # how users ask for it (retrieval by similarity)


class ScenarioPhrasings(_Strict):
    """Plain-language phrasings of one control (doc2query data written by the project), indexed as its documents."""

    framework: str
    control_id: str
    phrasings: list[str] = Field(min_length=1)


class LexiconEntry(_Strict):
    """A tool, product or jargon term practitioners use, and the requirements it bears on."""

    term: str
    aliases: list[str] = Field(default_factory=list)
    means: str
    controls: list[str] = Field(min_length=1)
    iso: list[str] = Field(default_factory=list)
    basis: str = ""


class Manifest(_Strict):
    """Version and counts of the committed knowledge base, written by the converter."""

    schema_version: int
    content_hash: str
    counts: dict[str, int]
    files: list[str]
