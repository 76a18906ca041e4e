"""Scoping: the 32 CFR 170.19 category of a described asset, or the facts that decide it."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.models import Passage
from assistant.skills.answer import Citation
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_fact, cite_passage, finish, level_of
from assistant.skills.facts import find_facts
from assistant.tools import scoping

_HEADINGS = {"CUI Asset": "CUI Assets", "Security Protection Asset": "Security Protection Assets",
             "Contractor Risk Managed Asset": "Contractor Risk Managed Assets",
             "Specialized Asset": "Specialized Assets", "Out-of-Scope Asset": "Out-of-Scope Assets",
             "FCI Asset": "In-Scope Assets"}


class ScopingRequest(BaseModel):
    """An asset described in plain words, the CMMC level, and any facts stated outright."""

    description: str = Field(min_length=1, max_length=4000)
    level: int = Field(default=2, ge=1, le=3)
    facts: scoping.AssetFacts | None = Field(default=None, description="facts that override the description")
    mentions_iso: bool = False
    isms_only: bool = Field(default=False, description="an ISO 27001 ISMS scope question (clause 4.3), not CMMC")


def _isms_only(inp: SkillInput) -> bool:
    """An ISO 27001 ISMS scope question that says nothing of CMMC, CUI or FCI."""
    frame = inp.frame
    return bool(re.search(r"\b(isms|iso(?:/iec)?\s*27001|27001)\b", frame.question, re.I)) and not (
        frame.names("cmmc-2.0") or re.search(r"\b(cui|fci|cmmc|enclave)\b", frame.question, re.I))


def read(inp: SkillInput) -> ScopingRequest:
    """The description is the question; stated asset facts come from the context."""
    stated = inp.deps.context.asset.model_dump(exclude_none=True)
    facts = scoping.facts_from_description(inp.frame.question)
    if stated:
        facts = facts.model_copy(update=stated)
    return ScopingRequest(description=inp.frame.question, level=level_of(inp.frame, 2), facts=facts,
                          mentions_iso=inp.frame.names("iso27001-2022"), isms_only=_isms_only(inp))


def run(deps: SkillDeps, request: ScopingRequest) -> Draft:
    """The verdict with why, what the assessor does and what to document; or the deciding questions."""
    kb = deps.kb
    if request.isms_only:
        return _isms_scope(deps, request.description)
    facts = request.facts or scoping.facts_from_description(request.description)
    result = scoping.classify_asset(kb, facts, request.level)
    if result.category is None:
        basis = [cite_passage(p) for p in kb.find_passages(guide=f"scoping-l{request.level}",
                                                           section_prefix="CMMC Asset Categories")[:1]]
        return finish(deps, [deps.t("scoping", "unknown", questions=" ".join(result.missing_facts))],
                      basis, tools=["classify_asset"], confidence=0.4, needs_input=True)
    verdict = ("Yes: it is in scope as a " if result.in_scope else "No: it is an ") + result.category + "."
    parts = [deps.t("scoping", "verdict", verdict=verdict, reason=" ".join(result.reasoning))]
    if result.assessor_checks:
        parts.append(deps.t("scoping", "treatment", checks="; ".join(result.assessor_checks)))
    if result.must_document:
        parts.append(deps.t("scoping", "document", docs="; ".join(result.must_document)))
    if result.category == "CUI Asset" and re.search(r"\b(paste|sometimes|accident|occasional|by mistake)",
                                                    request.description, re.I):
        parts.append(deps.t("scoping", "alternative_cui"))
    parts.extend(result.provider_notes)
    if result.assumptions:
        parts.append(deps.t("scoping", "assumed", assumptions=" ".join(result.assumptions)))
    if request.mentions_iso:
        parts.append(deps.t("scoping", "iso", text=" ".join(scoping.iso_scope_guidance(kb))))
    citations = [Citation(id=f"asset:{request.level}:{result.category}", framework="program", title=result.category,
                          source=result.citation, snippet=" ".join(result.reasoning)[:240], kind="rule")]
    citations += [cite_passage(p) for p in _passages(kb, request.level, result.category)]
    if facts.cloud_or_external_service:
        citations += [cite_fact(f) for f in kb.program_facts if f.id == "dfars-7012-cloud"]
    return finish(deps, parts, citations, tools=["classify_asset"], confidence=0.85, scope_category=result.category)


def _isms_scope(deps: SkillDeps, question: str) -> Draft:
    """ISO/IEC 27001 clause 4.3: what the ISMS scope must consider, and the closest cited facts."""
    found = find_facts(deps, question)
    scope_facts = [f for f in deps.kb.program_facts if f.topic == "iso-scope"]
    facts = list({f.id: f for f in [*scope_facts, *found]}.values())[:3]
    parts = [deps.t("scoping", "isms")] + [f"• *{f.title}:* {f.text}" for f in facts]
    return finish(deps, parts, [cite_fact(f) for f in facts], tools=["program_fact"], confidence=0.75)


def _passages(kb: KnowledgeBase, level: int, category: str) -> list[Passage]:
    return kb.find_passages(guide=f"scoping-l{level}", section_prefix=_HEADINGS[category])[:1]


SKILL = Skill(
    name="scoping",
    summary="Place a described asset in its CMMC asset category (32 CFR 170.19) at Level 1, 2 or 3, with what "
            "the assessor does and what must be documented; or ask for the deciding fact.",
    request_model=ScopingRequest, read=read, run=run,
)
