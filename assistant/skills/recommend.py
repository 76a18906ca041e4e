"""Recommend: ISO 27001, CMMC (which level) or both as one program, from the company's situation."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.knowledge.models import ProgramFact
from assistant.skills.answer import Citation
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, cite_fact, finish
from assistant.skills.facts import cited_controls, find_facts
from assistant.tools import recommend


class RecommendRequest(BaseModel):
    """The company's situation in plain words (DoD work, CUI or FCI, buyers asking for ISO 27001 …)."""

    situation: str = Field(min_length=1, max_length=4000)


def read(inp: SkillInput) -> RecommendRequest:
    """The situation is the question."""
    return RecommendRequest(situation=inp.frame.question)


def run(deps: SkillDeps, request: RecommendRequest) -> Draft:
    """The path with its reasons (each a cited fact), or what is needed to decide."""
    result = recommend.recommend_path(deps.kb, recommend.facts_from_text(request.situation))
    if result.path == "undecided":
        related = find_facts(deps, request.situation)
        parts = [f"*{f.title}:* {f.text}" for f in related[:2]]
        parts.append(deps.t("recommend", "undecided", questions=" ".join(result.missing_facts)))
        return finish(deps, parts, _cite(deps, related[:2]), tools=["recommend_path", "program_fact"],
                      confidence=0.4, needs_input=not related)
    parts = [deps.t("recommend", "path", path=result.path), " ".join(result.reasons)]
    parts += [f"• *{f.title}:* {f.text}" for f in result.facts]
    if result.missing_facts:
        parts.append("*To confirm:* " + " ".join(result.missing_facts))
    return finish(deps, parts, _cite(deps, result.facts), tools=["recommend_path"], confidence=0.8)


def _cite(deps: SkillDeps, facts: list[ProgramFact]) -> list[Citation]:
    """Each fact shown, then the requirements and clauses those facts name."""
    return [cite_fact(f) for f in facts] + [cite_control(deps.kb, c) for c in cited_controls(deps.kb, facts)]


SKILL = Skill(
    name="recommend",
    summary="Recommend ISO 27001, CMMC (which level) or both as one program from the company's situation.",
    request_model=RecommendRequest, read=read, run=run,
)
