"""Recommend: ISO 27001, CMMC (which level) or both as one program, from the company's situation."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_fact, finish
from assistant.skills.facts import find_facts
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
        return finish(deps, parts, [cite_fact(f) for f in related[:2]], tools=["recommend_path", "program_fact"],
                      confidence=0.4, needs_input=not related)
    parts = [deps.t("recommend", "path", path=result.path), " ".join(result.reasons)]
    parts += [f"• *{f.title}:* {f.text}" for f in result.facts]
    if result.missing_facts:
        parts.append("*To confirm:* " + " ".join(result.missing_facts))
    return finish(deps, parts, [cite_fact(f) for f in result.facts], tools=["recommend_path"], confidence=0.8)


SKILL = Skill(
    name="recommend",
    summary="Recommend ISO 27001, CMMC (which level) or both as one program from the company's situation.",
    request_model=RecommendRequest, read=read, run=run,
)
