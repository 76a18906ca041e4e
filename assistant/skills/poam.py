"""POA&M: which gaps may wait on a POA&M (32 CFR 170.21), whether Conditional status is reachable, closeout."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from assistant.knowledge import FrameworkId
from assistant.skills.answer import Citation
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, finish, level_of
from assistant.skills.status import stated_status
from assistant.tools import scoring

# A score the user states ("we scored 95", "our SPRS score is 70", "we're at 88"): a hard number token.
_STATED_SCORE = re.compile(r"\b(?:scored?|score (?:is|of|was)|sprs (?:is|of)|(?:we'?re|we are|sitting) at|got an?)"
                           r"\s*(?:an?\s+|of\s+)?(-?\d{1,3})\b(?!\s*(?:days?|%|percent|points? (?:each|per)))", re.I)


class PoamRequest(BaseModel):
    """NOT MET / partial requirement IDs, the CMMC level, and the assessment date (for the closeout date)."""

    not_met: list[str] = Field(default_factory=list)
    partial: list[str] = Field(default_factory=list)
    not_applicable: list[str] = Field(default_factory=list)
    level: int = Field(default=2, ge=1, le=3)
    as_of: date | None = None
    stated_score: int | None = Field(default=None, ge=-203, le=110)  # an SPRS score the question states


def read(inp: SkillInput) -> PoamRequest:
    """Status as stated (named IDs count as NOT MET), the level named, and the context's date."""
    status = stated_status(inp)
    only_level_3 = bool(status.not_met) and not scoring.scored_by_sprs(inp.deps.kb, status.not_met)
    level = level_of(inp.frame, 3 if only_level_3 else 2)
    return PoamRequest(not_met=status.not_met, partial=status.partial, not_applicable=status.not_applicable,
                       level=level, as_of=inp.deps.context.as_of,
                       stated_score=stated_score(inp.question))


def stated_score(question: str) -> int | None:
    """The SPRS score a question states, if it states one within the range a score can take."""
    found = _STATED_SCORE.search(question)
    score = int(found.group(1)) if found else None
    return score if score is not None and -203 <= score <= 110 else None


def run(deps: SkillDeps, request: PoamRequest) -> Draft:
    """Each gap's eligibility with the reason, the threshold, and the 180-day closeout."""
    kb = deps.kb
    status = scoring.RequirementStatus(not_met=request.not_met, partial=request.partial,
                                       not_applicable=request.not_applicable)
    result = scoring.poam_eligibility(kb, status, request.level, request.as_of)
    rule = next(r for r in kb.poam.levels if r.level == request.level)
    citation = Citation(id=f"poam:L{request.level}", framework="program", title=f"POA&M rules, Level {request.level}",
                        source=f"{rule.citation.document}{rule.citation.section}", snippet=rule.text[:240], kind="rule")
    if not rule.poam_permitted:
        return finish(deps, [deps.t("poam", "level1", text=rule.text)], [citation], tools=["poam_eligibility"])
    items = [f"• {i.cmmc_id} ({i.points} pt): {'may' if i.allowed else 'may not'} go on a POA&M — {i.reason}"
             for i in result.items]
    if not result.items:
        return _rules(deps, rule, citation, f"{result.threshold_score:g}", request.stated_score)
    elif result.conditional_reachable:
        head = deps.t("poam", "reachable", score=result.score, threshold=f"{result.threshold_score:g}")
    else:
        why = [] if result.meets_threshold else [f"the score {result.score} is below {result.threshold_score:g} "
                                                 f"({rule.min_score_ratio:.0%} of {kb.sprs.max_score})"]
        why += [f"{i.cmmc_id} {i.reason}" for i in result.items if not i.allowed]
        head = deps.t("poam", "unreachable", why="; ".join(why))
    deadline = f" (by {result.closeout_deadline})" if result.closeout_deadline else ""
    parts = [head, "\n".join(items), deps.t("poam", "deadline", days=result.closeout_days, deadline=deadline),
             closeout_by(deps, request.level), deps.t("poam", "still_not_met") if result.items else ""]
    citations = [citation, *_closeout_by_citation(deps)] + [cite_control(kb, kb.resolve(i.cmmc_id))
                                                            for i in result.items]
    return finish(deps, parts, citations, tools=["poam_eligibility", "sprs_score"], confidence=0.9)


def _rules(deps: SkillDeps, rule: Any, citation: Citation, threshold: str, stated: int | None = None) -> Draft:
    """The POA&M rules of a level when no gap was named: a stated score against the threshold first, then the
    criteria, never-eligible requirements, exceptions, closeout, and that an item on a POA&M still scores as
    NOT MET."""
    kb = deps.kb
    never = [kb.resolve(i) for i in rule.never_on_poam]
    parts = [] if stated is None or rule.level != 2 else [_against_threshold(deps, stated, rule)]
    if rule.level == 3:  # one point per selected SP 800-172 requirement (32 CFR 170.24)
        parts.append(deps.t("poam", "rules_l3", threshold=threshold, needed=math.ceil(float(threshold)), text=rule.text,
                            max_score=len(kb.all_ids(FrameworkId.NIST_800_172))))
    else:
        parts.append(deps.t("poam", "rules", threshold=threshold, max_score=kb.sprs.max_score, text=rule.text))
    if never:
        parts.append(deps.t("poam", "never", items=", ".join(f"{c.id} {c.title}" for c in never)))
    exceptions = [dict(e) for e in getattr(rule, "exceptions", None) or []]
    parts += [deps.t("poam", "exception", id=e["requirement_id"], condition=e["condition"],
                     points=e["allowed_point_value"]) for e in exceptions]
    parts += [kb.poam.closeout_text, closeout_by(deps, rule.level), deps.t("poam", "still_not_met")]
    closeout = Citation(id="poam:closeout", framework="program", title="POA&M closeout",
                        source=f"{kb.poam.closeout_citation.document} {kb.poam.closeout_citation.section}",
                        snippet=kb.poam.closeout_text[:240], kind="rule")
    cited = never + [kb.resolve(str(e["requirement_id"])) for e in exceptions]
    citations = [citation, closeout, *_closeout_by_citation(deps), *(cite_control(kb, c) for c in cited)]
    return finish(deps, parts, citations,
                  tools=["poam_eligibility"], confidence=0.85)


def _against_threshold(deps: SkillDeps, score: int, rule: Any) -> str:
    """Whether a stated Level 2 score reaches the Conditional threshold, and what that does and doesn't mean."""
    maximum = deps.kb.sprs.max_score
    threshold = rule.min_score_ratio * maximum
    key = "score_meets" if score >= threshold else "score_below"
    return deps.t("poam", key, score=score, threshold=f"{threshold:g}", ratio=f"{rule.min_score_ratio:.0%}",
                  max_score=maximum)


def closeout_by(deps: SkillDeps, level: int) -> str:
    """Who performs the closeout of each Conditional status at ``level`` (the company itself only when Self)."""
    parties = [p for p in deps.kb.poam.closeout_by if f"Level {level}" in p.status]
    if not parties:
        return ""
    return deps.t("poam", "closeout_by", items="; ".join(f"{p.status}: {p.by}" for p in parties))


def _closeout_by_citation(deps: SkillDeps) -> list[Citation]:
    cited = deps.kb.poam.closeout_by_citation
    if cited is None:
        return []
    return [Citation(id="poam:closeout-by", framework="program", title="Who performs the POA&M closeout",
                     source=f"{cited.document}, {cited.section}", kind="rule")]


SKILL = Skill(
    name="poam",
    summary="Say which NOT MET requirements may go on a POA&M at Level 2 or 3 (32 CFR 170.21), whether "
            "Conditional status is reachable, and the closeout deadline.",
    request_model=PoamRequest, read=read, run=run, uses_controls=True,
)
