"""Program facts: cited facts about the programs (levels, assessments, clauses, dates, ISO clauses),
retrieved by similarity to the facts and their question phrasings."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.knowledge.models import ProgramFact
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_fact, finish
from assistant.tools import program

_SHOWN = 3
CLOSE = 0.8  # facts whose fused score is at least this share of the best one are shown too


class FactRequest(BaseModel):
    """A question about the CMMC program, DFARS clauses, SPRS, POA&M rules or ISO 27001 certification."""

    question: str = Field(min_length=1, max_length=2000)


def read(inp: SkillInput) -> FactRequest:
    """The part of the question this ask came from."""
    return FactRequest(question=inp.question)


def find_facts(deps: SkillDeps, question: str) -> list[ProgramFact]:
    """The facts closest to ``question`` in meaning, best first (keyword match when search finds none)."""
    by_id = {f"fact:{f.id}": f for f in deps.kb.program_facts}
    hits = [h for h in deps.search(question, 8, "program") if h.anchor in by_id]
    close = [h for h in hits if h.score >= CLOSE * hits[0].score] if hits else []
    facts = [by_id[h.anchor] for h in close]
    return facts[:_SHOWN] or program.program_fact(deps.kb, question)


def run(deps: SkillDeps, request: FactRequest) -> Draft:
    """The best fact first, then the next closest, each cited."""
    facts = find_facts(deps, request.question)
    if not facts:
        return finish(deps, [deps.t("common", "no_support", hint="Try naming the clause, level or assessment.")],
                      [], tools=["program_fact"], confidence=0.2)
    parts = [f"*{facts[0].title}:* {facts[0].text}"] + [f"• *{f.title}:* {f.text}" for f in facts[1:]]
    return finish(deps, parts, [cite_fact(f) for f in facts], tools=["program_fact"], confidence=0.8)


SKILL = Skill(
    name="fact",
    summary="Cited facts about CMMC levels, assessments, affirmations, phase-in dates, DFARS clauses, SPRS, "
            "POA&M rules, ISO 27001 certification and clauses, and how ISO and CMMC differ.",
    request_model=FactRequest, read=read, run=run,
)
