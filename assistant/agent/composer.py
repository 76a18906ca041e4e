"""The offline composer: answers written from tool results with the templates in
``prompts/answer_templates.yaml``. Direct answer first, then why, then what to do, then sources."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from assistant.agent.answer import Citation
from assistant.agent.router import Route
from assistant.knowledge import Control, FrameworkId, KnowledgeBase
from assistant.knowledge.ids import parse_framework
from assistant.knowledge.models import Passage, ProgramFact
from assistant.retrieval import Hit
from assistant.tools import crosswalk as cw
from assistant.tools import evidence, program, recommend, scoping, scoring
from assistant.tools.lookup import get_control

Search = Callable[[str, int, str | None], list[Hit]]


@dataclass
class Draft:
    """An answer before the guardrail and timing are applied."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    confidence: float = 0.9
    refused: bool = False
    refusal_reason: str | None = None
    scope_category: str | None = None
    needs_input: bool = False


@dataclass
class ComposeInput:
    """Everything a compose function may use."""

    kb: KnowledgeBase
    question: str
    route: Route
    context: dict[str, Any]
    templates: dict[str, dict[str, str]]
    search: Search

    def t(self, section: str, key: str, **values: Any) -> str:
        """A filled template phrase."""
        return self.templates[section][key].format(**values)


# ---- citations ---------------------------------------------------------------------------------

def cite_control(kb: KnowledgeBase, control: Control) -> Citation:
    """A citation of a control with its framework's exact version."""
    framework = kb.framework(control.framework)
    return Citation(id=control.id, framework=control.framework.value, title=control.title,
                    source=framework.label, snippet=control.text[:240], kind="control")


def cite_passage(passage: Passage) -> Citation:
    """A citation of a DoD guide section."""
    return Citation(id=passage.id, framework="guide", title=passage.section, source=passage.document,
                    snippet=passage.text[:240], kind="guide")


def cite_fact(fact: ProgramFact) -> Citation:
    """A citation of a program rule with its legal source."""
    source = f"{fact.citation.document} {fact.citation.section}".strip()
    return Citation(id=f"fact:{fact.id}", framework="program", title=fact.title, source=source,
                    snippet=fact.text[:240], kind="rule")


def _sources(citations: list[Citation]) -> str:
    seen = dict.fromkeys(f"{c.source}" + (f" {c.id}" if c.kind == "control" else f", {c.title}")
                         for c in citations)
    return " · ".join(list(seen)[:8])


def _finish(ci: ComposeInput, parts: list[str], citations: list[Citation], **kwargs: Any) -> Draft:
    body = "\n\n".join(p for p in parts if p)
    if citations:
        body += "\n\n" + ci.t("common", "sources", sources=_sources(citations))
    return Draft(text=body, citations=citations, **kwargs)


# ---- intents -----------------------------------------------------------------------------------

def compose(ci: ComposeInput) -> Draft:
    """Dispatch on the route's intent."""
    handlers: dict[str, Callable[[ComposeInput], Draft]] = {
        "lookup": lookup, "crosswalk": crosswalk, "scoping": scope, "sprs": sprs, "poam": poam,
        "evidence": evidence_answer, "recommend": recommend_answer, "fact": fact, "ssp": ssp, "search": search,
        "refusal": refusal,
    }
    return handlers[ci.route.intent](ci)


def lookup(ci: ComposeInput) -> Draft:
    """What a control says, what the assessor checks, its SPRS value and the DoD guidance on it."""
    if not ci.route.controls:
        return search(ci)
    parts, citations = [], []
    for control in ci.route.controls[:3]:
        detail = get_control(ci.kb, control.id if control.framework is not FrameworkId.ISO_27001_2013 else
                             f"ISO 27001:2013 {control.id}")
        parts.append(ci.t("lookup", "heading", id=detail.id, title=detail.title, framework=detail.framework_name,
                          version=detail.framework_version) + f"\n{detail.text}")
        citations.append(cite_control(ci.kb, control))
        if detail.family:
            group = f"Annex A theme {detail.family_id[2:]}" if detail.family_id.startswith("A.") else detail.family_id
            parts.append(f"*Family:* {group} {detail.family}")
        if detail.objectives:
            objectives = " · ".join(f"{_letter(o.id)} {o.text.removeprefix('Determine if ')}"
                                    for o in detail.objectives)
            parts.append(ci.t("lookup", "objectives", objectives=objectives))
        if detail.point_value is not None:
            parts.append(ci.t("lookup", "points", points=_points_text(detail.point_value)))
        if detail.equivalents:
            parts.append(ci.t("lookup", "equivalents", ids=", ".join(detail.equivalents)))
        passage = _guidance(ci.kb, control)
        if passage:
            parts.append(ci.t("lookup", "guidance", source=passage.section, text=_sentence(passage.text, 320)))
            citations.append(cite_passage(passage))
        if control.framework in (FrameworkId.NIST_800_171R2, FrameworkId.NIST_800_171A, FrameworkId.CMMC_2):
            parts.append(ci.t("common", "rev2_note"))
    parts.extend(f"Note: {message}" for message in ci.route.unknown_ids.values())
    return _finish(ci, parts, citations, tools=["get_control"], confidence=0.95)


def _letter(objective_id: str) -> str:
    """``[a]`` of ``3.1.1[a]``."""
    return "[" + objective_id.split("[", 1)[1]


def _points_text(value: Any) -> str:
    if value.points is None:
        return f"not scored ({value.comment})"
    if value.partial_points is not None:
        return f"{value.points} points if {value.full_condition}; {value.partial_points} if {value.partial_condition}"
    return f"{value.points} point{'s' if value.points != 1 else ''}"


def _guidance(kb: KnowledgeBase, control: Control) -> Passage | None:
    practice = _practice_id(kb, control)
    found = kb.find_passages(requirement=practice, section_contains="Further Discussion") if practice else []
    return found[0] if found else None


def _practice_id(kb: KnowledgeBase, control: Control) -> str:
    if control.framework is FrameworkId.CMMC_2:
        return control.id
    requirement = control.parent if control.framework is FrameworkId.NIST_800_171A else control.id
    edges = kb.crosswalk(kb.resolve(requirement), FrameworkId.CMMC_2) if control.framework in (
        FrameworkId.NIST_800_171R2, FrameworkId.NIST_800_171A, FrameworkId.NIST_800_172) else []
    return next((e.target for e in edges if e.relationship == "equal"), "")


def _sentence(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: cut.rfind(". ") + 1] if ". " in cut else cut.rstrip() + "…"


def _target_framework(question: str, source: Control) -> FrameworkId:
    lower = question.lower()
    for word, framework in (("800-53", FrameworkId.NIST_800_53R5), ("annex", FrameworkId.ISO_27001_2022),
                            ("iso", FrameworkId.ISO_27001_2022), ("cmmc", FrameworkId.CMMC_2),
                            ("far", FrameworkId.FAR_52_204_21), ("800-171", FrameworkId.NIST_800_171R2),
                            ("nist", FrameworkId.NIST_800_171R2)):
        if re.search(rf"\b{re.escape(word)}\b", lower) and framework is not source.framework:
            return framework
    return FrameworkId.NIST_800_171R2 if source.framework is FrameworkId.ISO_27001_2022 else FrameworkId.ISO_27001_2022


def crosswalk(ci: ComposeInput) -> Draft:
    """Counterparts of the named control, official and derived edges apart."""
    if not ci.route.controls:
        return search(ci)
    control = ci.route.controls[0]
    if control.framework is FrameworkId.CMMC_2 and \
            _target_framework(ci.question, control) is not FrameworkId.NIST_800_171R2:
        control = ci.kb.canonical_requirement(control)  # a CMMC practice crosswalks as the requirement it restates
    target = _target_framework(ci.question, control)
    label = ci.kb.framework(target).label
    edges = cw.crosswalk(ci.kb, control.id, target)
    citations = [cite_control(ci.kb, control)]
    if not edges:
        return _finish(ci, [ci.t("crosswalk", "none", id=control.id, title=control.title, target=label,
                                 target_label=label)], citations, tools=["crosswalk"], confidence=0.8)
    for edge in edges[:12]:
        found = ci.kb.get(edge.target_framework, edge.target)
        if found:
            citations.append(cite_control(ci.kb, found))
    targets = ", ".join(f"{e.target} {e.target_title}" for e in edges[:12]) + (" …" if len(edges) > 12 else "")
    official = [e for e in edges if e.provenance in ("official", "derived")]
    parts: list[str] = []
    if official and len(official) == len(edges):
        parts.append(ci.t("crosswalk", "official", id=control.id, title=control.title, targets=targets,
                          relationship=official[0].relationship.value, document=official[0].source_document))
    elif control.framework is FrameworkId.ISO_27001_2022:
        parts.append(ci.t("crosswalk", "reverse", id=control.id, title=control.title, count=len(edges),
                          targets=targets))
    else:
        hops = sorted({h.split(">")[0] for e in edges for h in e.via})
        parts.append(ci.t("crosswalk", "transitive", id=control.id, title=control.title, count=len(edges),
                          target_label=label, targets=targets))
        parts.append(ci.t("crosswalk", "derivation", hops=", ".join(hops), id=control.id))
    objectives = ci.kb.objectives(control.id) if control.framework is FrameworkId.NIST_800_171R2 else []
    if objectives:
        parts.append(ci.t("lookup", "objectives", objectives=" · ".join(
            f"{_letter(o.id)} {o.text.removeprefix('Determine if ')}" for o in objectives)))
    parts.append(ci.t("common", "rev2_note") if control.framework is FrameworkId.NIST_800_171R2 else "")
    return _finish(ci, parts, citations, tools=["crosswalk"], confidence=0.9)


def scope(ci: ComposeInput) -> Draft:
    """The 32 CFR 170.19 category of the described asset, or the questions that decide it."""
    facts = scoping.facts_from_description(ci.question)
    overrides = ci.context.get("asset") or {}
    if overrides:
        facts = facts.model_copy(update={k: v for k, v in overrides.items() if k in scoping.AssetFacts.model_fields})
    level = _level(ci.question, default=2)
    result = scoping.classify_asset(ci.kb, facts, level)
    if result.category is None:
        basis = [cite_passage(p) for p in ci.kb.find_passages(guide=f"scoping-l{level}",
                                                               section_prefix="CMMC Asset Categories")[:1]]
        return _finish(ci, [ci.t("scoping", "unknown", questions=" ".join(result.missing_facts))],
                       basis, tools=["classify_asset"], confidence=0.4, needs_input=True)
    verdict = ("Yes: it is in scope as a " if result.in_scope else "No: it is an ") + result.category + "."
    parts = [ci.t("scoping", "verdict", verdict=verdict, reason=" ".join(result.reasoning))]
    if result.assessor_checks:
        parts.append(ci.t("scoping", "treatment", checks="; ".join(result.assessor_checks)))
    if result.must_document:
        parts.append(ci.t("scoping", "document", docs="; ".join(result.must_document)))
    if result.category == "CUI Asset" and re.search(r"\b(paste|sometimes|accident|occasional|by mistake)", ci.question,
                                                    re.I):
        parts.append(ci.t("scoping", "alternative_cui"))
    parts.extend(result.provider_notes)
    if result.assumptions:
        parts.append(ci.t("scoping", "assumed", assumptions=" ".join(result.assumptions)))
    if re.search(r"\biso\b|27001", ci.question, re.I):
        parts.append(ci.t("scoping", "iso", text=" ".join(scoping.iso_scope_guidance(ci.kb))))
    citations = [Citation(id=f"asset:{level}:{result.category}", framework="program", title=result.category,
                          source=result.citation, snippet=" ".join(result.reasoning)[:240], kind="rule")]
    citations += [cite_passage(p) for p in _scoping_passages(ci.kb, level, result.category)]
    if facts.cloud_or_external_service:
        citations += [cite_fact(f) for f in ci.kb.program_facts if f.id == "dfars-7012-cloud"]
    return _finish(ci, parts, citations, tools=["classify_asset"], confidence=0.85,
                   scope_category=result.category)


def _scoping_passages(kb: KnowledgeBase, level: int, category: str) -> list[Passage]:
    heading = {"CUI Asset": "CUI Assets", "Security Protection Asset": "Security Protection Assets",
               "Contractor Risk Managed Asset": "Contractor Risk Managed Assets",
               "Specialized Asset": "Specialized Assets", "Out-of-Scope Asset": "Out-of-Scope Assets",
               "FCI Asset": "In-Scope Assets"}[category]
    return kb.find_passages(guide=f"scoping-l{level}", section_prefix=heading)[:1]


def _level(question: str, default: int) -> int:
    match = re.search(r"\b(?:level|l)\s*([123])\b", question, re.I)
    if match:
        return int(match.group(1))
    if re.search(r"\bfci\b", question, re.I) and not re.search(r"\bcui\b", question, re.I):
        return 1
    return default


# ---- SPRS and POA&M ----------------------------------------------------------------------------

_STATUS_PHRASES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"\b(no|lack|without|missing|not)\b[^.]{0,20}\bfips\b|\bnot fips|\bnon-fips", re.I), "partial",
     "3.13.11"),
    (re.compile(r"\b(no|without|not using|lack)\b[^.]{0,15}\b(encryption|crypto\w*)\b", re.I), "not_met", "3.13.11"),
    (re.compile(r"\bmfa (?:only )?for (?:admins?|privileged|remote)|only (?:admins?|privileged|remote)[^.]{0,30}mfa",
                re.I), "partial", "3.5.3"),
    (re.compile(r"\b(no|without|lack|missing)\b[^.]{0,10}\b(mfa|multi-?factor)\b", re.I), "not_met", "3.5.3"),
    (re.compile(r"\b(no|without|lack|missing)\b[^.]{0,10}\b(ssp|system security plan)\b", re.I), "not_met", "3.12.4"),
]


def _status(ci: ComposeInput) -> scoring.RequirementStatus:
    not_met = list(ci.context.get("not_met") or [])
    partial = list(ci.context.get("partial") or [])
    for pattern, kind, rid in _STATUS_PHRASES:
        if pattern.search(ci.question) and rid not in not_met + partial:
            (partial if kind == "partial" else not_met).append(rid)
    for control in ci.route.controls:
        requirement = ci.kb.canonical_requirement(control)
        rid = requirement.parent if requirement.framework is FrameworkId.NIST_800_171A else requirement.id
        if requirement.framework in (FrameworkId.NIST_800_171R2, FrameworkId.NIST_800_171A) and rid not in partial:
            not_met.append(rid)
    return scoring.RequirementStatus(not_met=sorted(set(not_met)), partial=sorted(set(partial)),
                                     not_applicable=list(ci.context.get("not_applicable") or []))


def sprs(ci: ComposeInput) -> Draft:
    """The SPRS score from the NOT MET and partial items in the question and context."""
    status = _status(ci)
    citation = Citation(id="sprs:method", framework="program", title="DoD Assessment Methodology scoring",
                        source=f"{ci.kb.sprs.citation.document}, section 5 and Annex A", kind="rule")
    if not status.not_met and not status.partial:
        return _finish(ci, [ci.t("sprs", "none", max_score=ci.kb.sprs.max_score, min_score=ci.kb.sprs.min_score)],
                       [citation], tools=["sprs_score"],
                       confidence=0.7, needs_input=True)
    result = scoring.sprs_score(ci.kb, status)
    lines = [ci.t("sprs", "deduction", requirement=d.requirement, title=d.title, points=d.points, reason=d.reason)
             for d in result.deductions]
    parts = [ci.t("sprs", "result", score=result.score, max_score=result.max_score, min_score=result.min_score),
             "\n".join(f"• {line}" for line in lines), *result.notes, ci.t("common", "rev2_note")]
    citations = [citation] + [cite_control(ci.kb, ci.kb.resolve(d.requirement)) for d in result.deductions]
    return _finish(ci, parts, citations, tools=["sprs_score"], confidence=0.95)


def poam(ci: ComposeInput) -> Draft:
    """Which gaps may go on a POA&M and whether Conditional status is reachable (32 CFR 170.21)."""
    level = _level(ci.question, default=2)
    status = _status(ci)
    as_of = ci.context.get("as_of")
    result = scoring.poam_eligibility(ci.kb, status, level, as_of if isinstance(as_of, date) else None)
    rule = next(r for r in ci.kb.poam.levels if r.level == level)
    citation = Citation(id=f"poam:L{level}", framework="program", title=f"POA&M rules, Level {level}",
                        source=f"{rule.citation.document}{rule.citation.section}", snippet=rule.text[:240], kind="rule")
    if not rule.poam_permitted:
        return _finish(ci, [ci.t("poam", "level1", text=rule.text)], [citation], tools=["poam_eligibility"])
    items = [f"• {i.cmmc_id} ({i.points} pt): {'may' if i.allowed else 'may not'} go on a POA&M — {i.reason}"
             for i in result.items]
    if result.conditional_reachable:
        head = ci.t("poam", "reachable", score=result.score, threshold=f"{result.threshold_score:g}")
    else:
        why = [] if result.meets_threshold else [f"the score {result.score} is below {result.threshold_score:g} "
                                                 f"({rule.min_score_ratio:.0%} of {ci.kb.sprs.max_score})"]
        why += [f"{i.cmmc_id} {i.reason}" for i in result.items if not i.allowed]
        head = ci.t("poam", "unreachable", why="; ".join(why) or "no NOT MET items were given")
    deadline = f" (by {result.closeout_deadline})" if result.closeout_deadline else ""
    parts = [head, "\n".join(items), ci.t("poam", "deadline", days=result.closeout_days, deadline=deadline)]
    citations = [citation] + [cite_control(ci.kb, ci.kb.resolve(i.cmmc_id)) for i in result.items]
    return _finish(ci, parts, citations, tools=["poam_eligibility", "sprs_score"], confidence=0.9)


# ---- evidence, recommendations, facts, SSP -------------------------------------------------------

def evidence_answer(ci: ComposeInput) -> Draft:
    """Requirements without evidence, with stale evidence, and objectives no item addresses."""
    raw = ci.context.get("evidence")
    if not raw:
        return _finish(ci, [ci.t("evidence", "no_inventory")], [], tools=["evidence_gaps"], confidence=0.5,
                       needs_input=True)
    items = [evidence.EvidenceItem.model_validate(item) for item in raw]
    scope_value = ci.context.get("scope") or ("level 1" if _level(ci.question, 2) == 1 else "level 2")
    as_of = ci.context.get("as_of")
    report = evidence.evidence_gaps(ci.kb, items, scope_value, as_of if isinstance(as_of, date) else None,
                                    int(ci.context.get("max_age_days", 365)),
                                    list(ci.context.get("not_applicable") or []))
    not_applicable = [r.requirement for r in report.requirements if r.status == "not-applicable"]
    covered = len(report.requirements) - len(report.missing) - len(report.stale) - len(not_applicable)
    parts = [ci.t("evidence", "summary", scope=report.scope, as_of=report.as_of, max_age=report.max_age_days,
                  missing=len(report.missing), stale=len(report.stale), covered=covered)]
    if not_applicable:
        parts.append("*Not applicable (as you stated; scored as MET, keep the justification):* "
                     + ", ".join(not_applicable))
    if report.missing:
        parts.append("*No evidence:* " + ", ".join(f"{r.requirement} {r.title}" for r in report.missing[:25])
                     + (" …" if len(report.missing) > 25 else ""))
    if report.stale:
        parts.append("*Stale:* " + ", ".join(f"{r.requirement} (newest {r.newest})" for r in report.stale[:25]))
    via = [r for r in report.requirements if r.via_crosswalk and not r.evidence]
    if via:
        parts.append("*Covered only through an ISO 27001 crosswalk (check each objective):* "
                     + ", ".join(f"{r.requirement} ← {', '.join(r.via_crosswalk)}" for r in via[:15]))
    open_objectives = sum(len(r.objectives_not_addressed) for r in report.requirements if r.status != "missing")
    if open_objectives:
        parts.append(f"*Objectives not addressed by any item* (among requirements with evidence): {open_objectives}.")
    for item_id, ids in report.unknown_ids.items():
        parts.append(f"Evidence {item_id} names IDs that are not in the catalog: {', '.join(ids)}.")
    listed = (report.missing[:25] + report.stale[:25]) or report.requirements[:25]
    citations = [cite_control(ci.kb, ci.kb.resolve(r.requirement)) for r in listed]
    return _finish(ci, parts, citations, tools=["evidence_gaps"], confidence=0.9)


def recommend_answer(ci: ComposeInput) -> Draft:
    """ISO 27001, CMMC or both, from the situation described."""
    facts = recommend.facts_from_text(ci.question)
    result = recommend.recommend_path(ci.kb, facts)
    if result.path == "undecided":
        return _finish(ci, [ci.t("recommend", "undecided", questions=" ".join(result.missing_facts))],
                       [], tools=["recommend_path"], confidence=0.4, needs_input=True)
    parts = [ci.t("recommend", "path", path=result.path), " ".join(result.reasons)]
    parts += [f"• *{f.title}:* {f.text}" for f in result.facts]
    if result.missing_facts:
        parts.append("*To confirm:* " + " ".join(result.missing_facts))
    return _finish(ci, parts, [cite_fact(f) for f in result.facts], tools=["recommend_path"], confidence=0.8)


def fact(ci: ComposeInput) -> Draft:
    """A cited program fact, or the closest ones."""
    facts = program.program_fact(ci.kb, ci.question)
    if not facts:
        return search(ci)
    parts = [f"*{facts[0].title}:* {facts[0].text}"] + [f"• *{f.title}:* {f.text}" for f in facts[1:]]
    return _finish(ci, parts, [cite_fact(f) for f in facts], tools=["program_fact"], confidence=0.8)


def ssp(ci: ComposeInput) -> Draft:
    """A draft SSP narrative that walks every 800-171A objective and cites the evidence given in context."""
    if not ci.route.controls:
        return search(ci)
    control = ci.kb.canonical_requirement(ci.route.controls[0])
    if control.framework is FrameworkId.NIST_800_171A:
        control = ci.kb.resolve(control.parent)
    items = [evidence.EvidenceItem.model_validate(i) for i in ci.context.get("evidence") or []]
    parts = [ci.t("ssp", "intro", id=control.id, title=control.title), control.text]
    citations = [cite_control(ci.kb, control)]
    for objective in ci.kb.objectives(control.id):
        backing = [i.id for i in items if any(_covers(ci.kb, c, control.id, objective.id) for c in i.controls)]
        proof = f"Evidence: {', '.join(backing)}." if backing else "[No evidence given yet: add it.]"
        statement = "[Describe how] " + objective.text.removeprefix("Determine if ").rstrip(".") + "."
        parts.append("• " + ci.t("ssp", "objective", objective=objective.id, statement=statement, evidence=proof))
        citations.append(cite_control(ci.kb, objective))
    return _finish(ci, parts, citations, tools=["get_control", "evidence_gaps"], confidence=0.7)


def _covers(kb: KnowledgeBase, typed: str, requirement: str, objective: str) -> bool:
    found = kb.try_resolve(typed)
    if found is None:
        return False
    found = kb.canonical_requirement(found)
    return found.id == objective or found.id == requirement


def search(ci: ComposeInput) -> Draft:
    """The closest requirements and guidance for a question with no ID and no specific tool."""
    framework = None
    if re.search(r"\b(iso|annex a|27001)\b", ci.question, re.I):
        framework = parse_framework("iso").value
    hits = ci.search(ci.question, 5, framework)
    if not hits:
        return _finish(ci, [ci.t("common", "no_support", hint="Try naming a control ID or a topic.")], [],
                       tools=["search_controls"], confidence=0.2)
    lines, citations = [], []
    for hit in hits:
        control = ci.kb.try_resolve(hit.id) if hit.framework not in ("guide", "program", "company") else None
        if control is not None:
            lines.append(f"• *{control.id}* {control.title}: {_sentence(control.text, 200)}")
            citations.append(cite_control(ci.kb, control))
        else:
            lines.append(f"• *{hit.title}* ({hit.source})")
            citations.append(Citation(id=hit.id, framework=hit.framework, title=hit.title, source=hit.source,
                                      kind="guide" if hit.framework == "guide" else "rule"))
    parts = ["*The closest matches in the knowledge base:*", "\n".join(lines)]
    return _finish(ci, parts, citations, tools=["search_controls"], confidence=0.6)


def refusal(ci: ComposeInput) -> Draft:
    """A plain refusal that says what the assistant can do instead."""
    reason = ci.route.refusal_reason or "out of domain"
    if reason == "unknown control ID":
        text = "\n\n".join(ci.t("refusal", "unknown_id", message=m) for m in ci.route.unknown_ids.values())
        citations = _rev3_citations(ci)
        return _finish(ci, [text], citations, refused=True, refusal_reason=reason, confidence=0.95,
                       tools=["get_control"])
    key = {"legal or certainty question": "legal", "unknowable": "unknowable"}.get(reason, "out_of_domain")
    return Draft(text=ci.t("refusal", key), refused=True, refusal_reason=reason, confidence=0.9)


def _rev3_citations(ci: ComposeInput) -> list[Citation]:
    citations = []
    for message in ci.route.unknown_ids.values():
        for rev3 in re.findall(r"\b03\.\d{2}\.\d{2}\b", message):
            found = ci.kb.get(FrameworkId.NIST_800_171R3, rev3)
            if found:
                citations.append(cite_control(ci.kb, found))
    return citations
