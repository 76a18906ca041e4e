"""Scoping: the 32 CFR 170.19 category of each described asset, or the branches one missing fact opens."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.models import Passage, ProgramFact
from assistant.skills.answer import Citation
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_fact, cite_passage, finish, level_of
from assistant.skills.facts import find_facts
from assistant.tools import scoping, scoping_facts

# "do we need an SSP / inventory / network diagram for ...": a question about documentation, not one asset
_DOCS_QUESTION = re.compile(r"\b(?:document(?:ation|ed)?|ssp|system security plan|asset inventory|inventory|"
                            r"network diagram|diagram)\b", re.I)

# Scoping rules are program facts of these topics (knowledge/authored/program_facts*.yaml), found by similarity
# of the question to their phrasings. How close a rule must be (dense cosine of its best document) to answer:
RULE_TOPICS = frozenset({"scoping", "external-providers", "esp"})
RULE_ALONE = 0.55  # no asset is described: the question asks the rule
RULE_OVER_BRANCHES = 0.68  # an asset is named but nothing decides it: the rule first, then the branches
RULE_NOTE = 0.8  # an asset is placed: a rule this close to the question is added after the verdict
_RULES_SHOWN = 2
_RULES_CLOSE = 0.8  # a second rule is shown when its fused score is this share of the first one's

_HEADINGS = {"CUI Asset": "CUI Assets", "Security Protection Asset": "Security Protection Assets",
             "Contractor Risk Managed Asset": "Contractor Risk Managed Assets",
             "Specialized Asset": "Specialized Assets", "Out-of-Scope Asset": "Out-of-Scope Assets",
             "FCI Asset": "In-Scope Assets"}


class ScopingRequest(BaseModel):
    """Assets described in plain words, the CMMC level, and any facts stated outright."""

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
    """The description is the question; facts stated outright in the context override what it says."""
    stated = inp.deps.context.asset.model_dump(exclude_none=True)
    return ScopingRequest(description=inp.frame.question, level=level_of(inp.frame, 2),
                          facts=scoping.AssetFacts(**stated) if stated else None,
                          mentions_iso=inp.frame.names("iso27001-2022"), isms_only=_isms_only(inp))


def run(deps: SkillDeps, request: ScopingRequest) -> Draft:
    """Per asset: the verdict, why, what the assessor does and what to document; or the conditional branches."""
    kb = deps.kb
    if request.isms_only:
        return _isms_scope(deps, request.description)
    overrides = request.facts.model_dump(exclude_unset=True) if request.facts else None
    result = scoping.assess(kb, request.description, request.level, overrides)
    if not result.assets and result.facts.asset_class is None and _DOCS_QUESTION.search(request.description):
        return _documentation(deps, request.level)
    rules, closeness = scoping_rules(deps, request.description)
    if rules and _asks_rule(result, closeness):
        return _rule_answer(deps, request, rules, result)
    results = result.assets or [result]
    parts: list[str] = []
    citations: list[Citation] = []
    for item in results:
        if len(results) > 1:
            parts.append(deps.t("scoping", "asset", name=item.facts.name))
        body, cites = _render(deps, request, item)
        parts += body
        citations += [c for c in cites if c.id not in {x.id for x in citations}]
    if rules and closeness >= (RULE_ALONE if _no_asset(result) else RULE_NOTE):
        parts += [deps.t("scoping", "rule_note", title=f.title, text=f.text) for f in rules[:1]]
        citations += [cite_fact(f) for f in rules[:1]]
    if request.mentions_iso:
        parts.append(deps.t("scoping", "iso", text=" ".join(scoping.iso_scope_guidance(kb))))
    decided = [r for r in results if r.category]
    single = results[0].category  # the verdict for the asset named first (the one asked about)
    return finish(deps, parts, citations, tools=["classify_asset"],
                  confidence=0.85 if len(decided) == len(results) else 0.6,
                  scope_category=single, needs_input=not decided)


def _render(deps: SkillDeps, request: ScopingRequest, result: scoping.ScopingResult) -> tuple[list[str],
                                                                                               list[Citation]]:
    if result.category is None:
        return _conditional(deps, request, result)
    kb, category = deps.kb, result.category
    article = "an" if category[0] in "AEIOUF" else "a"  # "an FCI Asset"
    verdict = (f"Yes: it is in scope as {article} " if result.in_scope else f"No: it is {article} ") + category + "."
    if request.level == 1 and category == "Specialized Asset":
        verdict = "No: it is a Specialized Asset, which is not part of the Level 1 self-assessment scope."
    elif category == "Specialized Asset" and _by_kind_only(result.facts):
        verdict = ("A Specialized Asset by its kind, unless it is isolated and never gets CUI (then an "
                   "Out-of-Scope Asset).")
    parts = [deps.t("scoping", "verdict", verdict=verdict, reason=" ".join(result.reasoning))]
    if result.assessor_checks:
        parts.append(deps.t("scoping", "treatment", checks="; ".join(result.assessor_checks)))
    if result.must_document:
        parts.append(deps.t("scoping", "document", docs="; ".join(result.must_document)))
    if result.need_not_document:
        parts.append(deps.t("scoping", "need_not", text=" ".join(result.need_not_document)) + " "
                     + deps.t("scoping", "doc_source", source=result.documentation_source))
    if category == "CUI Asset" and re.search(r"\b(paste|sometimes|accident|occasional|by mistake)",
                                             request.description, re.I):
        parts.append(deps.t("scoping", "alternative_cui"))
    parts.extend(result.provider_notes)
    if result.assumptions:
        parts.append(deps.t("scoping", "assumed", assumptions=" ".join(result.assumptions)))
    citations = [Citation(id=f"asset:{request.level}:{category}", framework="program", title=category,
                          source=result.citation, snippet=" ".join(result.reasoning)[:240], kind="rule")]
    citations += [cite_passage(p) for p in _passages(kb, request.level, category)]
    if result.facts.cloud_or_external_service and category == "CUI Asset":
        citations += [cite_fact(f) for f in kb.program_facts if f.id == "dfars-7012-cloud"]
    return parts, citations


def scoping_rules(deps: SkillDeps, question: str) -> tuple[list[ProgramFact], float]:
    """The scoping rules closest to ``question`` (best first) and how close the best one is (cosine)."""
    by_id = {f"fact:{f.id}": f for f in deps.kb.program_facts if f.topic in RULE_TOPICS}
    hits = [h for h in deps.search(question, 8, "program") if h.anchor in by_id]
    if not hits:
        return [], 0.0
    close = [h for h in hits if h.score >= _RULES_CLOSE * hits[0].score][:_RULES_SHOWN]
    return [by_id[h.anchor] for h in close], hits[0].breakdown.dense_similarity or 0.0


def _no_asset(result: scoping.ScopingResult) -> bool:
    """The description names no asset (nor people) the vocabulary knows."""
    return not result.assets and result.facts.asset_class is None and not result.facts.all_people


def _asks_rule(result: scoping.ScopingResult, closeness: float) -> bool:
    """A question about how scoping works rather than about one asset: none is described and a rule is close,
    or the asset named is left undecided and a rule is very close."""
    if _no_asset(result):
        return result.category is None and closeness >= RULE_ALONE
    return result.category is None and not result.assets and closeness >= RULE_OVER_BRANCHES


def _rule_answer(deps: SkillDeps, request: ScopingRequest, rules: list[ProgramFact],
                 result: scoping.ScopingResult) -> Draft:
    """The cited rule(s) that answer the question; for an asset left undecided, its branches after them."""
    parts = [deps.t("scoping", "rule", title=f.title, text=f.text) for f in rules]
    citations = [cite_fact(f) for f in rules]
    if result.facts.asset_class is not None and result.category is None:
        body, cites = _conditional(deps, request, result)
        parts += body
        citations += [c for c in cites if c.id not in {x.id for x in citations}]
    return finish(deps, parts, citations, tools=["program_fact", "classify_asset"], confidence=0.75)


def _by_kind_only(facts: scoping.AssetFacts) -> bool:
    """Specialized because of what it is, with nothing said about CUI reaching it or its isolation."""
    return facts.handles_cui is None and facts.separated is None and facts.can_handle_cui is None


def _conditional(deps: SkillDeps, request: ScopingRequest, result: scoping.ScopingResult) -> tuple[list[str],
                                                                                                    list[Citation]]:
    kb = deps.kb
    if not result.branches:
        basis = [cite_passage(p) for p in kb.find_passages(guide=f"scoping-l{request.level}",
                                                           section_prefix="CMMC Asset Categories")[:1]]
        return [deps.t("scoping", "unknown", questions=" ".join(result.missing_facts))], basis
    about = f" about {result.facts.name}" if result.facts.name != "the asset" else ""
    if result.facts.all_people:
        about = " about who is in scope"
    parts = [deps.t("scoping", "conditional", about=about)]
    parts += [deps.t("scoping", "branch", condition=b.condition, category=b.category,
                     treatment=f": {b.treatment}" if b.treatment else "") for b in result.branches]
    parts.append(" ".join(result.reasoning))
    if result.missing_facts:
        parts.append(deps.t("scoping", "settle", questions=" ".join(result.missing_facts)))
    citations: list[Citation] = []
    for branch in result.branches:
        citations += [cite_passage(p) for p in _passages(kb, request.level, branch.category)
                      if cite_passage(p).id not in {c.id for c in citations}]
    return parts, citations


def _documentation(deps: SkillDeps, level: int) -> Draft:
    """"Do we need an SSP or diagram for the scope?" with no asset named: what each category needs, per level."""
    notes = [d for d in scoping_facts.vocabulary().documentation if d.level == level]
    parts = [deps.t("scoping", "documentation", level=level)]
    parts += [deps.t("scoping", "doc_row", category=d.category, must=d.must, need_not=d.need_not, source=d.source)
              for d in notes]
    guide = f"scoping-l{level}"
    found = (deps.kb.find_passages(guide=guide, section_prefix="CMMC Asset Categories")
             or deps.kb.find_passages(guide=guide, section_prefix="Identifying the CMMC Assessment Scope"))
    basis = [cite_passage(p) for p in found[:1]]
    return finish(deps, parts, basis, tools=["classify_asset"], confidence=0.8)


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
    summary="Place each described asset in its CMMC asset category (32 CFR 170.19) at Level 1, 2 or 3, with what "
            "the assessor does and what must (and need not) be documented; when one fact is missing, the category "
            "each answer leads to.",
    request_model=ScopingRequest, read=read, run=run,
)
