"""Evidence gaps over the register for CMMC Level 2, CMMC Level 1 and ISO/IEC 27001:2022 Annex A at once:
requirements or controls with no evidence (missing), only stale or expired evidence (stale), and NIST SP
800-171A objectives no current item addresses (objective)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from assistant.knowledge import FrameworkId, KnowledgeBase
from assistant.tools.evidence import scope_requirements
from assistant.workspace.evidence import EvidenceItem, Freshness, freshness
from assistant.workspace.profile import SystemProfile
from assistant.workspace.rules import FreshnessRules

Framework = Literal["cmmc-l2", "cmmc-l1", "iso"]
FRAMEWORKS: tuple[Framework, ...] = ("cmmc-l2", "cmmc-l1", "iso")


class Gap(BaseModel):
    """One gap: what is missing, stale or unaddressed, and the items involved."""

    framework: Framework
    control: str
    title: str
    gap: Literal["missing", "stale", "objective"]
    detail: str
    items: list[str] = Field(default_factory=list)
    objectives: list[str] = Field(default_factory=list)


class Coverage(BaseModel):
    """Status of one requirement or Annex A control."""

    framework: Framework
    control: str
    title: str
    status: Literal["covered", "stale", "missing", "not-applicable"]
    current: list[str]
    stale: list[str]
    via_crosswalk: list[str]
    objectives_open: list[str] = Field(default_factory=list)


class GapReport(BaseModel):
    """Gaps and coverage for the frameworks asked, as of a date."""

    as_of: date
    frameworks: list[Framework]
    coverage: list[Coverage]
    gaps: list[Gap]

    def counts(self) -> dict[str, dict[str, int]]:
        """Per framework, the number of gaps of each kind."""
        out: dict[str, dict[str, int]] = {f: {"missing": 0, "stale": 0, "objective": 0} for f in self.frameworks}
        for gap in self.gaps:
            out[gap.framework][gap.gap] += 1
        return out


def gap_report(kb: KnowledgeBase, items: list[EvidenceItem], frameworks: list[Framework], rules: FreshnessRules,
               as_of: date, profile: SystemProfile | None = None) -> GapReport:
    """Coverage and gaps of every requirement (CMMC) or Annex A control (ISO) in ``frameworks``."""
    state = {i.id: freshness(i, rules, as_of) for i in items}
    objectives_of = {i.id: set(i.mapping.objectives) for i in items}
    coverage: list[Coverage] = []
    gaps: list[Gap] = []
    for framework in frameworks:
        rows = _iso(kb, items, profile) if framework == "iso" else _cmmc(kb, items, framework, profile)
        for row in rows:
            current = [i for i in row.current if state[i][0] in ("current",)]
            row.stale = sorted(i for i in row.current + row.via_crosswalk if state[i][0] != "current")
            row.current = current + [i for i in row.via_crosswalk if state[i][0] == "current"]
            if row.objectives_open:  # only current items address objectives
                addressed = {o for i in current for o in objectives_of[i]}
                row.objectives_open = [o.id for o in kb.objectives(row.control) if o.id not in addressed]
            if row.status != "not-applicable":
                row.status = "covered" if row.current else "stale" if row.stale else "missing"
            coverage.append(row)
            gaps.extend(_gaps(row, state))
    return GapReport(as_of=as_of, frameworks=list(frameworks), coverage=coverage, gaps=gaps)


def _gaps(row: Coverage, state: dict[str, tuple[Freshness, date | None]]) -> list[Gap]:
    if row.status == "missing":
        return [Gap(framework=row.framework, control=row.control, title=row.title, gap="missing",
                    detail="no evidence item supports it")]
    out = []
    if row.status == "stale":
        reasons = ", ".join(f"{i} {state[i][0]}" + (f" since {state[i][1]}" if state[i][1] else "")
                            for i in row.stale)
        out.append(Gap(framework=row.framework, control=row.control, title=row.title, gap="stale",
                       detail=f"no current evidence ({reasons})", items=row.stale))
    if row.objectives_open and row.status == "covered":
        out.append(Gap(framework=row.framework, control=row.control, title=row.title, gap="objective",
                       detail=f"{len(row.objectives_open)} objective(s) no current item addresses",
                       items=row.current, objectives=row.objectives_open))
    return out


def _cmmc(kb: KnowledgeBase, items: list[EvidenceItem], framework: Framework,
          profile: SystemProfile | None) -> list[Coverage]:
    level = "level 1" if framework == "cmmc-l1" else "level 2"
    not_applicable = {k for k, d in (profile.requirements if profile else {}).items() if d.status == "not applicable"}
    rows = []
    for rid in scope_requirements(kb, level):
        control = kb.resolve(rid)
        direct = [i.id for i in items if rid in i.mapping.requirements]
        via = [i.id for i in items if rid in i.mapping.requirements_via_iso and i.id not in direct]
        rows.append(Coverage(framework=framework, control=rid, title=control.title,
                             status="not-applicable" if rid in not_applicable else "missing",
                             current=direct, stale=[], via_crosswalk=via,
                             objectives_open=[o.id for o in kb.objectives(rid)]))
    return rows


def _iso(kb: KnowledgeBase, items: list[EvidenceItem], profile: SystemProfile | None) -> list[Coverage]:
    excluded = {k for k, d in (profile.soa if profile else {}).items() if not d.applicable}
    rows = []
    for control in kb.controls(FrameworkId.ISO_27001_2022, kind="control"):
        direct = [i.id for i in items if control.id in i.mapping.iso]
        via = [i.id for i in items if control.id in i.mapping.iso_via_nist and i.id not in direct]
        rows.append(Coverage(framework="iso", control=control.id, title=control.title,
                             status="not-applicable" if control.id in excluded else "missing",
                             current=direct, stale=[], via_crosswalk=via))
    return rows
