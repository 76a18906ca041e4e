"""``evidence_gaps``: over an evidence inventory, which requirements have no evidence, which only stale
evidence, and which NIST SP 800-171A objectives no item addresses. One inventory serves both frameworks:
an item tagged with an ISO 27001 control counts toward the 800-171 requirements it crosswalks to, marked so."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, Field

from assistant.knowledge import FrameworkId, KnowledgeBase, UnknownControlError


class EvidenceItem(BaseModel):
    """One piece of evidence as the inventory lists it."""

    id: str
    title: str = ""
    controls: list[str] = Field(default_factory=list)
    collected: date | None = None


class RequirementCoverage(BaseModel):
    """Evidence status of one requirement."""

    requirement: str
    title: str
    status: str  # covered | stale | missing | not-applicable
    evidence: list[str]
    via_crosswalk: list[str]
    objectives_not_addressed: list[str]
    newest: date | None


class EvidenceReport(BaseModel):
    """Gaps over a scope, as of a date."""

    as_of: date
    max_age_days: int
    scope: str
    requirements: list[RequirementCoverage]
    unknown_ids: dict[str, list[str]]  # evidence id -> IDs it names that are not in the catalog

    @property
    def missing(self) -> list[RequirementCoverage]:
        """Requirements with no evidence at all."""
        return [r for r in self.requirements if r.status == "missing"]

    @property
    def stale(self) -> list[RequirementCoverage]:
        """Requirements whose newest evidence is older than the allowed age."""
        return [r for r in self.requirements if r.status == "stale"]


def scope_requirements(kb: KnowledgeBase, scope: str | list[str]) -> list[str]:
    """800-171 requirement IDs of a scope: "level 1", "level 2", a family ("AC", "3.1") or a list of IDs."""
    if isinstance(scope, list):
        return [kb.canonical_requirement(kb.resolve(s)).id for s in scope]
    text = scope.strip().lower()
    if text in ("level 2", "l2", "2", "cmmc level 2", "all"):
        return kb.all_ids(FrameworkId.NIST_800_171R2)
    if text in ("level 1", "l1", "1", "cmmc level 1"):
        targets = [e.target for e in kb.data.crosswalks if e.source_framework is FrameworkId.FAR_52_204_21]
        return sorted(set(targets), key=kb.all_ids(FrameworkId.NIST_800_171R2).index)
    return [c.id for c in kb.controls(FrameworkId.NIST_800_171R2, family=scope)]


def evidence_gaps(kb: KnowledgeBase, inventory: list[EvidenceItem], scope: str | list[str] = "level 2",
                  as_of: date | None = None, max_age_days: int = 365,
                  not_applicable: list[str] | None = None) -> EvidenceReport:
    """Coverage of every requirement in ``scope`` by the inventory; ``not_applicable`` ones need none."""
    as_of = as_of or date.today()
    direct, crosswalked, objectives, unknown = _index(kb, inventory)
    skipped = {kb.canonical_requirement(kb.resolve(n)).id for n in not_applicable or []}
    dates = {item.id: item.collected for item in inventory}
    rows = []
    for rid in scope_requirements(kb, scope):
        control = kb.resolve(rid)
        items = sorted(direct.get(rid, set()))
        via = sorted(crosswalked.get(rid, set()) - set(items))
        newest = max((d for i in items + via if (d := dates.get(i)) is not None), default=None)
        status = "not-applicable" if rid in skipped else "missing" if not items and not via else (
            "stale" if newest is None or as_of - newest > timedelta(days=max_age_days) else "covered")
        addressed = objectives.get(rid, set())
        open_objectives = [o.id for o in kb.objectives(rid) if o.id not in addressed]
        rows.append(RequirementCoverage(requirement=rid, title=control.title, status=status, evidence=items,
                                        via_crosswalk=via, objectives_not_addressed=open_objectives, newest=newest))
    return EvidenceReport(as_of=as_of, max_age_days=max_age_days, scope=str(scope), requirements=rows,
                          unknown_ids=unknown)


def _index(kb: KnowledgeBase, inventory: list[EvidenceItem]) -> tuple[
        dict[str, set[str]], dict[str, set[str]], dict[str, set[str]], dict[str, list[str]]]:
    direct: dict[str, set[str]] = {}
    crosswalked: dict[str, set[str]] = {}
    objectives: dict[str, set[str]] = {}
    unknown: dict[str, list[str]] = {}
    for item in inventory:
        for typed in item.controls:
            try:
                control = kb.resolve(typed)
            except UnknownControlError:
                unknown.setdefault(item.id, []).append(typed)
                continue
            requirement = kb.canonical_requirement(control)
            if requirement.framework is FrameworkId.NIST_800_171A:
                objectives.setdefault(requirement.parent, set()).add(requirement.id)
                direct.setdefault(requirement.parent, set()).add(item.id)
            elif requirement.framework is FrameworkId.NIST_800_171R2:
                direct.setdefault(requirement.id, set()).add(item.id)
            elif requirement.framework is FrameworkId.FAR_52_204_21:  # same safeguard, official mapping
                for edge in kb.edges_of(FrameworkId.FAR_52_204_21, requirement.id):
                    direct.setdefault(edge.target, set()).add(item.id)
            else:
                for edge in kb.crosswalk(requirement, FrameworkId.NIST_800_171R2):
                    crosswalked.setdefault(edge.target, set()).add(item.id)
    return direct, crosswalked, objectives, unknown
