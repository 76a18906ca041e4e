"""SPRS: the DoD Assessment Methodology score for what is NOT MET or partial, and point values."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.skills.answer import Citation
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, finish, requirement_of
from assistant.skills.lookup import points_text
from assistant.skills.status import stated_status
from assistant.tools import scoring


class SprsRequest(BaseModel):
    """Requirement IDs (any spelling) that are NOT MET, partially met, or not applicable."""

    not_met: list[str] = Field(default_factory=list)
    partial: list[str] = Field(default_factory=list, description="3.5.3 MFA only for remote/privileged users; "
                                                                 "3.13.11 encryption that is not FIPS-validated")
    not_applicable: list[str] = Field(default_factory=list)
    values_of: list[str] = Field(default_factory=list, description="requirements whose point value is asked")


def read(inp: SkillInput) -> SprsRequest:
    """The status the user stated (named IDs count as NOT MET, and their point values are shown)."""
    status = stated_status(inp)
    named = [requirement_of(inp.deps.kb, c).id for c in inp.frame.controls]
    return SprsRequest(not_met=status.not_met, partial=status.partial, not_applicable=status.not_applicable,
                       values_of=[r for r in named if inp.deps.kb.point_value(r) is not None])


def run(deps: SkillDeps, request: SprsRequest) -> Draft:
    """The score with each deduction; with nothing stated, the range and what to tell."""
    kb = deps.kb
    citation = Citation(id="sprs:method", framework="program", title="DoD Assessment Methodology scoring",
                        source=f"{kb.sprs.citation.document}, section 5 and Annex A", kind="rule")
    if not request.not_met and not request.partial:
        return finish(deps, [deps.t("sprs", "none", max_score=kb.sprs.max_score, min_score=kb.sprs.min_score)],
                      [citation], tools=["sprs_score"], confidence=0.7, needs_input=True)
    result = scoring.sprs_score(kb, scoring.RequirementStatus(**request.model_dump(exclude={"values_of"})))
    lines = [deps.t("sprs", "deduction", requirement=d.requirement, title=d.title, points=d.points, reason=d.reason)
             for d in result.deductions]
    values = [deps.t("sprs", "value", requirement=r, points=points_text(kb.point_value(r))) for r in request.values_of]
    parts = [*values,
             deps.t("sprs", "result", score=result.score, max_score=result.max_score, min_score=result.min_score),
             "\n".join(f"• {line}" for line in lines), *result.notes, deps.t("common", "rev2_note")]
    citations = [citation] + [cite_control(kb, kb.resolve(r)) for r in request.values_of]
    citations += [cite_control(kb, kb.resolve(d.requirement)) for d in result.deductions]
    return finish(deps, parts, citations, tools=["sprs_score"], confidence=0.95)


SKILL = Skill(
    name="sprs",
    summary="Compute the SPRS score (DoD Assessment Methodology v1.2.1) from NOT MET and partially met "
            "NIST SP 800-171 Rev 2 requirements, with each deduction.",
    request_model=SprsRequest, read=read, run=run, uses_controls=True,
)
