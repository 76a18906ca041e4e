"""Program facts: cited facts about the programs (levels, assessments, clauses, dates, ISO clauses),
retrieved by similarity to the facts and their question phrasings."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from assistant.knowledge import Control, KnowledgeBase
from assistant.knowledge.ids import find_id_mentions
from assistant.knowledge.models import ProgramFact
from assistant.retrieval import Hit
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, cite_fact, finish
from assistant.tools import program
from assistant.understanding.frame import LEVEL_MENTION, only_level

_SHOWN = 3
CLOSE = 0.8  # facts whose fused score is at least this share of the best one are shown too
FACT_CLOSE = 0.6  # a fact this similar to the question answers it
MARGIN = 0.03  # ...otherwise a requirement that much closer answers instead


class FactRequest(BaseModel):
    """A question about the CMMC program, DFARS clauses, SPRS, POA&M rules or ISO 27001 certification."""

    question: str = Field(min_length=1, max_length=2000)
    framework: str | None = Field(default=None, description="when a requirement answers better: search only here")
    levels: list[int] = Field(default_factory=list, description="CMMC levels named; two or more: a comparison")


def read(inp: SkillInput) -> FactRequest:
    """The part of the question this ask came from, and the framework it names alone."""
    from assistant.skills.search import framework_filter

    return FactRequest(question=inp.question, framework=framework_filter(inp.frame),
                       levels=sorted(set(inp.frame.levels)))


def find_facts(deps: SkillDeps, question: str, level: int | None = None) -> list[ProgramFact]:
    """The facts closest to ``question`` in meaning, best first (keyword match when search finds none). With the
    one ``level`` the question names, a fact titled for another level ("CMMC Level 1 (Self)") comes after the
    others."""
    by_id = {f"fact:{f.id}": f for f in deps.kb.program_facts}
    hits = [h for h in deps.search(question, 8, "program") if h.anchor in by_id]
    close = [h for h in hits if h.score >= CLOSE * hits[0].score] if hits else []
    facts = [by_id[h.anchor] for h in close]
    if level is not None:
        facts.sort(key=lambda f: _other_level(f.title, level))
    return facts[:_SHOWN] or program.program_fact(deps.kb, question)


def _other_level(title: str, level: int) -> bool:
    """Whether a fact's title names CMMC levels, none of them ``level``."""
    named = {int(m.group(1)) for m in LEVEL_MENTION.finditer(title)}
    return bool(named) and level not in named


def facts_per_level(deps: SkillDeps, question: str, levels: list[int]) -> list[ProgramFact]:
    """For a question comparing levels, the closest fact to each level's part of it, in level order."""
    found = [fact for level in levels for fact in find_facts(deps, only_level(question, level), level)[:1]]
    return list({f.id: f for f in found}.values())


def _similarity(hits: list[Hit]) -> float:
    return max((h.breakdown.dense_similarity or 0.0 for h in hits), default=0.0)


def run(deps: SkillDeps, request: FactRequest) -> Draft:
    """The best fact first, then the next closest, each cited; a question that a requirement answers better
    than any fact ("does 800-171 require MFA?") is answered with the requirement."""
    fact_hits = [h for h in deps.search(request.question, 8, "program") if h.anchor.startswith("fact:")]
    if _similarity(fact_hits) < FACT_CLOSE:
        control_hits = [h for h in deps.search(request.question, 5, request.framework)
                        if not h.anchor.startswith(("fact:", "passage:"))]
        if _similarity(control_hits) > _similarity(fact_hits) + MARGIN:
            from assistant.skills import search

            return search.run(deps, search.SearchRequest(query=request.question, framework=request.framework))
    facts = find_facts(deps, request.question, request.levels[0] if len(request.levels) == 1 else None)
    if len(request.levels) > 1:
        compared = facts_per_level(deps, request.question, request.levels)
        facts = list({f.id: f for f in compared + facts}.values())[:max(_SHOWN, len(compared))]
    if not facts:
        return finish(deps, [deps.t("common", "no_support", hint="Try naming the clause, level or assessment.")],
                      [], tools=["program_fact"], confidence=0.2)
    parts = [f"*{facts[0].title}:* {facts[0].text}"] + [f"• *{f.title}:* {f.text}" for f in facts[1:]]
    citations = [cite_fact(f) for f in facts] + [cite_control(deps.kb, c) for c in cited_controls(deps.kb, facts)]
    return finish(deps, parts, citations, tools=["program_fact"], confidence=0.8)


def cited_controls(kb: KnowledgeBase, facts: list[ProgramFact]) -> list[Control]:
    """The controls and ISO clauses a fact's own citation names ("ISO/IEC 27001:2022, clause 9.3"), then those its
    text names: every requirement an answer shows is cited."""
    found: list[Control] = []
    for fact in facts:
        where = f"{fact.citation.document} {fact.citation.section} {fact.text}"
        typed = [m.text for m in find_id_mentions(where)]
        if "27001" in fact.citation.document:
            typed += [f"clause {n}" for n in re.findall(r"(?<![\d.])(\d{1,2}(?:\.\d{1,2}){0,2})(?![\d.])",
                                                         fact.citation.section)]
        found += [c for t in typed if (c := kb.try_resolve(t)) is not None]
    return list({c.id: c for c in found}.values())[:6]


SKILL = Skill(
    name="fact",
    summary="Cited facts about CMMC levels, assessments, affirmations, phase-in dates, DFARS clauses, SPRS, "
            "POA&M rules, ISO 27001 certification and clauses, and how ISO and CMMC differ.",
    request_model=FactRequest, read=read, run=run,
)
