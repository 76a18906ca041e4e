"""``sprs_score`` and ``poam_eligibility``: the DoD Assessment Methodology score and the 32 CFR 170.21
POA&M rules, computed from the knowledge data (point values, thresholds and lists are never literals here).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field

from assistant.knowledge import FrameworkId, KnowledgeBase
from assistant.knowledge.ids import natural_key


class RequirementStatus(BaseModel):
    """What the user says about their implementation: NOT MET items and partially met ones."""

    not_met: list[str] = Field(default_factory=list, description="IDs not implemented, any spelling")
    partial: list[str] = Field(
        default_factory=list,
        description="3.5.3 with MFA only for remote and privileged users; 3.13.11 with encryption that is not "
                    "FIPS-validated",
    )
    not_applicable: list[str] = Field(
        default_factory=list, description="IDs the user states do not apply (e.g. 3.1.16 with no wireless)")


class Deduction(BaseModel):
    """Points subtracted for one requirement, and why."""

    requirement: str
    title: str
    points: int
    reason: str


class SprsResult(BaseModel):
    """The score with every deduction and the rule it rests on."""

    score: int
    max_score: int
    min_score: int
    deductions: list[Deduction]
    assessment_blocked: bool  # no SSP: the assessment cannot be completed
    notes: list[str]
    citation: str


def _requirement(kb: KnowledgeBase, typed: str) -> str:
    control = kb.canonical_requirement(kb.resolve(typed))
    if control.framework is FrameworkId.NIST_800_171A:
        return control.parent
    if control.framework is not FrameworkId.NIST_800_171R2:
        raise ValueError(f"{typed} is not a NIST SP 800-171 Rev 2 requirement; SPRS scores only those")
    return control.id


def sprs_score(kb: KnowledgeBase, status: RequirementStatus) -> SprsResult:
    """Score = 110 minus the value of each unmet requirement (partial credit only where DoD AM 5(e) allows)."""
    values = {v.requirement_id: v for v in kb.sprs.values}
    claimed = {_requirement(kb, p) for p in status.partial}
    partial = {rid for rid in claimed if values[rid].partial_points is not None}
    notes = [f"{rid} has no partial credit under the DoD Assessment Methodology; scored as not met."
             for rid in sorted(claimed - partial)]
    not_applicable = {_requirement(kb, n) for n in status.not_applicable}
    not_met = ({_requirement(kb, n) for n in status.not_met} | claimed) - partial - not_applicable
    partial -= not_applicable
    if not_applicable:
        rule = next((f for f in kb.program_facts if f.id == "diff-not-applicable"), None)
        basis = f" ({rule.citation.document})" if rule else ""
        notes.append(f"Treated as not applicable, scored as MET: {', '.join(sorted(not_applicable, key=natural_key))}"
                     f"{basis}. N/A holds only when what the requirement governs does not exist in the scope.")
    deductions = []
    for rid in sorted(partial | not_met, key=natural_key):
        value, title = values[rid], kb.resolve(rid).title
        if value.points is None:
            continue
        if rid in partial:
            deductions.append(Deduction(requirement=rid, title=title, points=value.partial_points or 0,
                                        reason=value.partial_condition))
        else:
            reason = value.full_condition or "not implemented"
            deductions.append(Deduction(requirement=rid, title=title, points=value.points, reason=reason))
    blocked = "3.12.4" in not_met
    if blocked:
        notes.append(kb.sprs.no_ssp_rule)
    score = kb.sprs.max_score - sum(d.points for d in deductions)
    return SprsResult(score=score, max_score=kb.sprs.max_score, min_score=kb.sprs.min_score, deductions=deductions,
                      assessment_blocked=blocked, notes=notes,
                      citation=f"{kb.sprs.citation.document}, {kb.sprs.citation.section}; section 5(b)-(g)")


class PoamItem(BaseModel):
    """One NOT MET requirement and whether it may go on a POA&M."""

    requirement: str
    cmmc_id: str
    points: int
    allowed: bool
    reason: str


class PoamResult(BaseModel):
    """Whether a Conditional status is reachable and which gaps may wait on a POA&M."""

    level: int
    score: int
    threshold_score: float
    meets_threshold: bool
    items: list[PoamItem]
    conditional_reachable: bool
    closeout_days: int
    closeout_deadline: date | None
    citation: str
    notes: list[str]


def poam_eligibility(kb: KnowledgeBase, status: RequirementStatus, level: int = 2,
                     conditional_date: date | None = None) -> PoamResult:
    """Apply 32 CFR 170.21(a) to the NOT MET items: score ratio, point-value cap, never-on-POA&M list."""
    rule = next(r for r in kb.poam.levels if r.level == level)
    if level == 3:
        return _level_3_eligibility(kb, status, rule, conditional_date)
    status = status.model_copy(update={"not_met": scored_by_sprs(kb, status.not_met),
                                       "not_applicable": scored_by_sprs(kb, status.not_applicable)})
    score = sprs_score(kb, status)
    if not rule.poam_permitted:
        return PoamResult(level=level, score=score.score, threshold_score=kb.sprs.max_score, meets_threshold=False,
                          items=[], conditional_reachable=False, closeout_days=kb.poam.closeout_days,
                          closeout_deadline=None, citation=f"{rule.citation.document}{rule.citation.section}",
                          notes=[rule.text])
    threshold = (rule.min_score_ratio or 0) * kb.sprs.max_score
    items = [_poam_item(kb, d.requirement, d.points, rule.never_on_poam, rule.max_point_value, rule.exceptions)
             for d in score.deductions]
    if score.assessment_blocked:  # 3.12.4 carries no points but is still NOT MET
        items.append(_poam_item(kb, "3.12.4", 0, rule.never_on_poam, rule.max_point_value, rule.exceptions))
    meets = score.score >= threshold
    reachable = meets and all(i.allowed for i in items) and not score.assessment_blocked
    deadline = conditional_date + timedelta(days=kb.poam.closeout_days) if conditional_date and reachable else None
    return PoamResult(level=level, score=score.score, threshold_score=threshold, meets_threshold=meets, items=items,
                      conditional_reachable=reachable, closeout_days=kb.poam.closeout_days, closeout_deadline=deadline,
                      citation=f"{rule.citation.document}{rule.citation.section}; {kb.poam.closeout_citation.document}"
                               f"{kb.poam.closeout_citation.section}", notes=score.notes)


def scored_by_sprs(kb: KnowledgeBase, ids: list[str]) -> list[str]:
    """The IDs that name SP 800-171 requirements or objectives: what SPRS scores (a Level 3 ID has no value)."""
    sp_800_171 = (FrameworkId.NIST_800_171R2, FrameworkId.NIST_800_171A)
    return [i for i in ids if kb.canonical_requirement(kb.resolve(i)).framework in sp_800_171]


def _level_3_eligibility(kb: KnowledgeBase, status: RequirementStatus, rule: Any,
                         conditional_date: date | None) -> PoamResult:
    """32 CFR 170.21(a)(3) over the Level 3 score: one point per selected SP 800-172 requirement, the score is the
    number MET (32 CFR 170.24), Conditional needs the rule's ratio of the maximum and none of the never-list."""
    selected = kb.all_ids(FrameworkId.NIST_800_172)
    stated = {kb.canonical_requirement(kb.resolve(i)) for i in status.not_met}
    not_applicable = {kb.canonical_requirement(kb.resolve(i)).id for i in status.not_applicable}
    not_met = sorted({(c.parent if c.framework is FrameworkId.NIST_800_172A else c.id) for c in stated
                      if c.framework in (FrameworkId.NIST_800_172, FrameworkId.NIST_800_172A)} - not_applicable,
                     key=natural_key)
    score = len(selected) - len(not_met)
    threshold = (rule.min_score_ratio or 0) * len(selected)
    where = f"{rule.citation.document}{rule.citation.section}(ii)"
    items = []
    for rid in not_met:
        cmmc = next((e.target for e in kb.crosswalk(rid, FrameworkId.CMMC_2) if ".L3-" in e.target), rid)
        never = cmmc in rule.never_on_poam
        items.append(PoamItem(requirement=rid, cmmc_id=cmmc, points=1, allowed=not never,
                              reason=f"may never be on a POA&M ({where})" if never else "worth 1 point at Level 3"))
    meets = score >= threshold
    reachable = meets and all(i.allowed for i in items)
    deadline = conditional_date + timedelta(days=kb.poam.closeout_days) if conditional_date and reachable else None
    return PoamResult(level=3, score=score, threshold_score=threshold, meets_threshold=meets, items=items,
                      conditional_reachable=reachable, closeout_days=kb.poam.closeout_days, closeout_deadline=deadline,
                      citation=f"{rule.citation.document}{rule.citation.section}; 32 CFR 170.24",
                      notes=[f"Level 3 score: {score} of {len(selected)} (one point per requirement MET)."])


def _poam_item(kb: KnowledgeBase, rid: str, points: int, never: list[str], cap: int | None,
               exceptions: list[dict[str, str | int]]) -> PoamItem:
    cmmc = next((e.target for e in kb.crosswalk(rid, FrameworkId.CMMC_2) if e.relationship == "equal"
                 and ".L2-" in e.target), rid)
    if cmmc in never:
        return PoamItem(requirement=rid, cmmc_id=cmmc, points=points, allowed=False,
                        reason="may never be on a POA&M (32 CFR 170.21(a)(2)(iii))")
    exception = next((x for x in exceptions if x.get("requirement_id") == cmmc), None)
    if exception and points == exception.get("allowed_point_value"):
        return PoamItem(requirement=rid, cmmc_id=cmmc, points=points, allowed=True,
                        reason=f"allowed by exception: {exception.get('condition')}")
    if cap is not None and points > cap:
        unless = (f", unless {exception.get('condition')} (then it is worth {exception.get('allowed_point_value')} "
                  "points and may)") if exception else ""
        return PoamItem(requirement=rid, cmmc_id=cmmc, points=points, allowed=False,
                        reason=f"worth {points} points; only requirements worth {cap} point may be on a POA&M{unless}")
    return PoamItem(requirement=rid, cmmc_id=cmmc, points=points, allowed=True, reason=f"worth {points} point")
