"""SPRS: the DoD Assessment Methodology score for what is NOT MET or partial, and point values."""

from __future__ import annotations

import re
from collections import Counter

from pydantic import BaseModel, Field

from assistant.skills.answer import Citation
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, finish, requirement_of
from assistant.skills.lookup import points_text
from assistant.skills.status import stated_status
from assistant.tools import scoring

# "how many points is 3.13.11 worth?" asks a value; "we lack 3.13.11, what's our score?" states a gap.
_VALUE_ASKED = re.compile(r"\b(?:worth|points?|pointers?|point values?|weight(?:ed|ing)?|value of|valued)\b", re.I)
_GAP_STATED = re.compile(r"\b(?:miss(?:ing|es)?|not met|lack(?:ing|s)?|don'?t have|do not have|haven'?t|without|"
                         r"fail(?:s|ed|ing)?|gaps?|not (?:yet )?implemented|our score|we (?:got|scored))\b", re.I)


class SprsRequest(BaseModel):
    """Requirement IDs (any spelling) that are NOT MET, partially met, or not applicable."""

    not_met: list[str] = Field(default_factory=list)
    partial: list[str] = Field(default_factory=list, description="3.5.3 MFA only for remote/privileged users; "
                                                                 "3.13.11 encryption that is not FIPS-validated")
    not_applicable: list[str] = Field(default_factory=list)
    values_of: list[str] = Field(default_factory=list, description="requirements whose point value is asked")
    score_asked: int | None = Field(default=None, description="a score the user quotes and asks about (e.g. 98)")


def read(inp: SkillInput) -> SprsRequest:
    """The status the user stated (named IDs count as NOT MET, and their point values are shown)."""
    value_only = bool(_VALUE_ASKED.search(inp.question)) and not _GAP_STATED.search(inp.question)
    status = stated_status(inp, named_as_not_met=not value_only)
    named = [requirement_of(inp.deps.kb, c).id for c in inp.frame.controls]
    kb = inp.deps.kb
    return SprsRequest(not_met=scoring.scored_by_sprs(kb, status.not_met), partial=status.partial,
                       not_applicable=scoring.scored_by_sprs(kb, status.not_applicable),
                       values_of=[r for r in named if kb.point_value(r) is not None],
                       score_asked=_quoted_score(inp))


def _quoted_score(inp: SkillInput) -> int | None:
    """A whole number the question quotes that can be an SPRS score (not a level, not the 110 maximum)."""
    sprs = inp.deps.kb.sprs
    found = [int(n) for n in inp.frame.numbers if n == int(n) and sprs.min_score <= n < sprs.max_score
             and int(n) not in inp.frame.levels]
    return found[0] if found else None


def run(deps: SkillDeps, request: SprsRequest) -> Draft:
    """The score with each deduction; with nothing stated, the range and what to tell."""
    kb = deps.kb
    citation = Citation(id="sprs:method", framework="program", title="DoD Assessment Methodology scoring",
                        source=f"{kb.sprs.citation.document}, section 5 and Annex A", kind="rule")
    if not request.not_met and not request.partial:
        if request.values_of:
            return _values(deps, request, citation)
        return _method(deps, request, citation)
    result = scoring.sprs_score(kb, scoring.RequirementStatus(**request.model_dump(exclude={"values_of"})))
    lines = [deps.t("sprs", "deduction", requirement=d.requirement, title=d.title, points=d.points, reason=d.reason)
             for d in result.deductions]
    values = [deps.t("sprs", "value", requirement=r, points=points_text(kb.point_value(r))) for r in request.values_of]
    head = (deps.t("sprs", "blocked", score=result.score, rule=kb.sprs.no_ssp_rule) if result.assessment_blocked else
            deps.t("sprs", "result", score=result.score, max_score=result.max_score, min_score=result.min_score))
    notes = [n for n in result.notes if n != kb.sprs.no_ssp_rule or not result.assessment_blocked]
    parts = [*values, head, "\n".join(f"• {line}" for line in lines), *notes, deps.t("common", "rev2_note")]
    citations = [citation] + [cite_control(kb, kb.resolve(r)) for r in request.values_of]
    citations += [cite_control(kb, kb.resolve(d.requirement)) for d in result.deductions]
    if result.assessment_blocked:
        citations.append(cite_control(kb, kb.resolve("3.12.4")))
    citations = list({c.id: c for c in citations}.values())
    return finish(deps, parts, citations, tools=["sprs_score"], confidence=0.95)


def _values(deps: SkillDeps, request: SprsRequest, citation: Citation) -> Draft:
    """Point values asked about, with what the score would be if each alone were NOT MET."""
    kb = deps.kb
    parts = [deps.t("sprs", "value", requirement=r, points=points_text(kb.point_value(r))) for r in request.values_of]
    parts.append(deps.t("sprs", "if_not_met", max_score=kb.sprs.max_score, items="; ".join(
        f"{r}: {scoring.sprs_score(kb, scoring.RequirementStatus(not_met=[r])).score}" for r in request.values_of)))
    return finish(deps, parts, [citation, *(cite_control(kb, kb.resolve(r)) for r in request.values_of)],
                  tools=["sprs_score"], confidence=0.9)


def _method(deps: SkillDeps, request: SprsRequest, citation: Citation) -> Draft:
    """With no status given: how the score is made (the weights counted from Annex A), what a quoted score
    means, where the Conditional threshold lies, and what to tell to get one's own score."""
    kb = deps.kb
    weights = Counter(v.points for v in kb.sprs.values if v.points is not None)
    level2 = next(r for r in kb.poam.levels if r.level == 2)
    threshold = (level2.min_score_ratio or 0) * kb.sprs.max_score
    parts = [deps.t("sprs", "method", max_score=kb.sprs.max_score, min_score=kb.sprs.min_score, n5=weights[5],
                    n3=weights[3], n1=weights[1]),
             deps.t("sprs", "threshold", threshold=f"{threshold:g}", citation=f"{level2.citation.document}"
                                                                            f"{level2.citation.section}")]
    if request.score_asked is not None:
        parts.insert(1, deps.t("sprs", "quoted", score=request.score_asked, max_score=kb.sprs.max_score,
                               deducted=kb.sprs.max_score - request.score_asked))
    parts.append(deps.t("sprs", "none", max_score=kb.sprs.max_score, min_score=kb.sprs.min_score))
    cited = [kb.resolve(v.requirement_id) for v in kb.sprs.values if v.points is None][:1]  # 3.12.4: no points
    return finish(deps, parts, [citation, *(cite_control(kb, c) for c in cited)], tools=["sprs_score"],
                  confidence=0.75, needs_input=True)


SKILL = Skill(
    name="sprs",
    summary="Compute the SPRS score (DoD Assessment Methodology v1.2.1) from NOT MET and partially met "
            "NIST SP 800-171 Rev 2 requirements, with each deduction.",
    request_model=SprsRequest, read=read, run=run, uses_controls=True,
)
