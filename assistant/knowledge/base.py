"""The one ``KnowledgeBase``: resolve any ID spelling, list controls, crosswalk both ways."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from assistant.knowledge.errors import UnknownControlError
from assistant.knowledge.ids import IdCandidate, parse_id
from assistant.knowledge.loader import KnowledgeData, load_knowledge
from assistant.knowledge.models import (
    AssetCategory,
    Control,
    CrosswalkEdge,
    Framework,
    FrameworkId,
    LexiconEntry,
    Passage,
    PoamRules,
    ProgramFact,
    Provenance,
    ScenarioPhrasings,
    SprsPointValue,
    SprsRules,
)
from assistant.knowledge.paths import knowledge_dir
from assistant.knowledge.suggest import explain_unknown


class KnowledgeBase:
    """Frameworks, controls, crosswalks and program rules, indexed for lookups."""

    def __init__(self, data: KnowledgeData):
        self.data = data
        self._by_key: dict[tuple[FrameworkId, str], Control] = {}
        self._by_framework: dict[FrameworkId, list[Control]] = defaultdict(list)
        self._children: dict[tuple[FrameworkId, str], list[Control]] = defaultdict(list)
        for control in data.controls:
            key = (control.framework, control.id)
            if key in self._by_key:
                raise ValueError(f"duplicate ID {control.id} in {control.framework}")
            self._by_key[key] = control
            self._by_framework[control.framework].append(control)
        for control in data.controls:
            if control.parent:
                self._children[(_parent_framework(control.framework), control.parent)].append(control)
        self._edges_from: dict[tuple[FrameworkId, str], list[CrosswalkEdge]] = defaultdict(list)
        self._edges_to: dict[tuple[FrameworkId, str], list[CrosswalkEdge]] = defaultdict(list)
        for edge in data.crosswalks:
            self._edges_from[(edge.source_framework, edge.source)].append(edge)
            self._edges_to[(edge.target_framework, edge.target)].append(edge)
        self._points = {v.requirement_id: v for v in data.sprs.values}
        self._aliases = self._legacy_level1_aliases()
        self._family_abbr = self._nist_family_abbreviations()

    # ---- identity -------------------------------------------------------------------------

    @property
    def version(self) -> str:
        """Content hash of the loaded knowledge files (changes whenever any fact changes)."""
        return self.data.manifest.content_hash

    def framework(self, framework: FrameworkId) -> Framework:
        """Metadata (name, exact version, source, license) of one framework."""
        return next(f for f in self.data.frameworks if f.id == framework)

    # ---- resolution -----------------------------------------------------------------------

    def resolve(self, text: str) -> Control:
        """Return the control any spelling of ``text`` names, or raise ``UnknownControlError``."""
        candidates = parse_id(text)
        for candidate in candidates:
            found = self._lookup(candidate)
            if found is not None:
                return found
        message, suggestions = explain_unknown(self, text, candidates)
        raise UnknownControlError(text, message, suggestions)

    def try_resolve(self, text: str) -> Control | None:
        """Like ``resolve`` but returns None for an unknown ID."""
        try:
            return self.resolve(text)
        except UnknownControlError:
            return None

    def get(self, framework: FrameworkId, control_id: str) -> Control | None:
        """The control with exactly this canonical ID in this framework, if any."""
        return self._by_key.get((framework, control_id))

    def _lookup(self, candidate: IdCandidate) -> Control | None:
        found = self._by_key.get((candidate.framework, candidate.canonical))
        if found is None and candidate.framework is FrameworkId.CMMC_2:
            alias = self._aliases.get(candidate.canonical)
            found = self._by_key.get((FrameworkId.CMMC_2, alias)) if alias else None
        return found

    def _legacy_level1_aliases(self) -> dict[str, str]:
        """CMMC Model v2.0 Level 1 IDs (AC.L1-3.1.1) -> final-rule IDs (AC.L1-b.1.i), from the edges."""
        far_to_171 = [e for e in self.data.crosswalks if e.source_framework is FrameworkId.FAR_52_204_21]
        aliases = {}
        for practice in self.controls(FrameworkId.CMMC_2, level=1):
            far_id = practice.id.split("-", 1)[1]
            for edge in far_to_171:
                if edge.source == far_id:
                    aliases[f"{practice.family_id}.L1-{edge.target}"] = practice.id
        return aliases

    def _nist_family_abbreviations(self) -> dict[str, str]:
        """800-171 family ID (3.1) -> CMMC domain abbreviation (AC), from the Level 2 edges."""
        abbr = {}
        for practice in self.controls(FrameworkId.CMMC_2, level=2):
            requirement = self.canonical_requirement(practice)
            abbr[requirement.family_id] = practice.family_id
        return abbr

    # ---- listing --------------------------------------------------------------------------

    def all_ids(self, framework: FrameworkId) -> list[str]:
        """Canonical IDs of one framework in catalog order."""
        return [c.id for c in self._by_framework.get(framework, [])]

    def controls(
        self,
        framework: FrameworkId | None = None,
        *,
        family: str | None = None,
        level: int | None = None,
        kind: str | None = None,
    ) -> list[Control]:
        """Controls filtered by framework, family/theme (ID, abbreviation or name), level and kind."""
        pool = self._by_framework.get(framework, []) if framework else self.data.controls
        return [
            c for c in pool
            if (family is None or self._family_matches(c, family))
            and (level is None or c.level == level)
            and (kind is None or c.kind == kind)
        ]

    def _family_matches(self, control: Control, family: str) -> bool:
        wanted = family.strip().lower()
        abbr = self._family_abbr.get(control.family_id if control.framework is not FrameworkId.CMMC_2 else "", "")
        names = {control.family_id.lower(), control.family.lower(), abbr.lower()}
        if control.framework is FrameworkId.ISO_27001_2022 and control.family_id:
            names.add(control.family_id.lower().removeprefix("a."))
        return wanted in names - {""}

    def children(self, control: Control) -> list[Control]:
        """Objectives of a requirement (800-171A, 800-172A) or sub-items of a clause or control."""
        return list(self._children.get((control.framework, control.id), []))

    def objectives(self, text: str) -> list[Control]:
        """The assessment objectives of a requirement, whatever spelling names it."""
        control = self.canonical_requirement(self.resolve(text))
        return [c for c in self.children(control) if c.kind == "objective"]

    def canonical_requirement(self, control: Control) -> Control:
        """For a CMMC practice, the NIST requirement it restates; any other control unchanged."""
        if control.framework is not FrameworkId.CMMC_2:
            return control
        targets = [e for e in self._edges_from[(control.framework, control.id)] if e.relationship == "equal"]
        return self._by_key[(targets[0].target_framework, targets[0].target)] if targets else control

    # ---- crosswalks -----------------------------------------------------------------------

    def crosswalk(
        self,
        control_or_id: Control | str,
        target_framework: FrameworkId | None = None,
        provenance: set[Provenance] | None = None,
    ) -> list[CrosswalkEdge]:
        """Every edge touching the control, read from its side (incoming edges are reversed)."""
        control = control_or_id if isinstance(control_or_id, Control) else self.resolve(control_or_id)
        key = (control.framework, control.id)
        edges = list(self._edges_from[key]) + [e.reversed() for e in self._edges_to[key]]
        return [
            e for e in edges
            if (target_framework is None or e.target_framework is target_framework)
            and (provenance is None or e.provenance in provenance)
        ]

    def edges_of(self, framework: FrameworkId, control_id: str) -> list[CrosswalkEdge]:
        """Edges leaving one control in stored direction (no reversal)."""
        return list(self._edges_from[(framework, control_id)])

    # ---- program rules --------------------------------------------------------------------

    @property
    def sprs(self) -> SprsRules:
        """DoD Assessment Methodology scoring rules."""
        return self.data.sprs

    @property
    def poam(self) -> PoamRules:
        """32 CFR 170.21 POA&M rules."""
        return self.data.poam

    @property
    def asset_categories(self) -> list[AssetCategory]:
        """32 CFR 170.19 asset categories at every level."""
        return self.data.asset_categories

    @property
    def program_facts(self) -> list[ProgramFact]:
        """Cited facts about levels, cadence, phase-in and ISO vs CMMC."""
        return self.data.program_facts

    @property
    def phrasings(self) -> list[ScenarioPhrasings]:
        """Scenario phrasings of controls (indexed as documents of their control)."""
        return self.data.phrasings

    @property
    def lexicon(self) -> list[LexiconEntry]:
        """Practitioner terms and the requirements they bear on."""
        return self.data.lexicon

    @property
    def passages(self) -> list[Passage]:
        """Citable sections of the DoD scoping and assessment guides and the Assessment Methodology."""
        return self.data.passages

    def find_passages(self, *, guide: str | None = None, requirement: str | None = None,
                      section_prefix: str | None = None, section_contains: str | None = None) -> list[Passage]:
        """Guide passages matching every filter given, in guide order."""
        return [p for p in self.data.passages
                if (guide is None or p.guide == guide)
                and (requirement is None or p.requirement == requirement)
                and (section_prefix is None or p.section.startswith(section_prefix))
                and (section_contains is None or section_contains in p.section)]

    def point_value(self, text: str) -> SprsPointValue | None:
        """SPRS value of the 800-171 requirement any spelling names (None outside 800-171 Rev 2)."""
        control = self.canonical_requirement(self.resolve(text))
        if control.framework is FrameworkId.NIST_800_171A:
            return self._points.get(control.parent)
        return self._points.get(control.id) if control.framework is FrameworkId.NIST_800_171R2 else None


def _parent_framework(framework: FrameworkId) -> FrameworkId:
    return {
        FrameworkId.NIST_800_171A: FrameworkId.NIST_800_171R2,
        FrameworkId.NIST_800_172A: FrameworkId.NIST_800_172,
    }.get(framework, framework)


@lru_cache(maxsize=4)
def _load_cached(root: Path) -> KnowledgeBase:
    return KnowledgeBase(load_knowledge(root))


def get_knowledge_base(root: Path | None = None) -> KnowledgeBase:
    """The knowledge base at ``root`` (default: the one shipped with the package), loaded once."""
    return _load_cached((root or knowledge_dir()).resolve())
