"""Evidence: requirements with no evidence, with stale evidence, and objectives no item addresses."""

from __future__ import annotations

from collections import Counter
from datetime import date

from pydantic import BaseModel, Field

from assistant.knowledge import Control, FrameworkId
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, finish, level_of
from assistant.skills.lookup import methods_line
from assistant.skills.search import requirement_of
from assistant.tools import evidence
from assistant.tools.lookup import get_control

# A requirement leading the search of an evidence question this clearly is what it asks about ("what evidence
# for MFA?" 0.8, "how do we prove we review logs?" 0.67); generic asks ("which evidence is missing?", "what will a
# C3PAO ask to see?") stay at or below 0.5 or are led by a program fact.
TOPIC_SURE = 0.6
SUBJECTS_SHOWN = 3


class EvidenceRequest(BaseModel):
    """The scope to check ("level 1", "level 2", a family like "AC", or IDs), the date and the maximum age."""

    scope: str | list[str] = "level 2"
    as_of: date | None = None
    max_age_days: int = Field(default=365, ge=1)
    control_ids: list[str] = Field(default_factory=list, max_length=SUBJECTS_SHOWN)  # named in the question
    topic: str = Field(default="", max_length=2000)  # the question: with no inventory, what it asks evidence of


def read(inp: SkillInput) -> EvidenceRequest:
    """Scope from the context, else the level the question names."""
    context = inp.deps.context
    scope = context.scope or (inp.frame.families[0] if inp.frame.families else
                              "level 1" if level_of(inp.frame, 2) == 1 else "level 2")
    return EvidenceRequest(scope=scope, as_of=context.as_of, max_age_days=context.max_age_days,
                           control_ids=[c.id for c in inp.frame.controls[:SUBJECTS_SHOWN]], topic=inp.question)


def run(deps: SkillDeps, request: EvidenceRequest) -> Draft:
    """Gaps over the inventory in the context, ISO-tagged items counted through the crosswalk (marked)."""
    kb, context = deps.kb, deps.context
    items = [evidence.EvidenceItem.model_validate(e.model_dump()) for e in context.evidence] or _stored(deps)
    if not items:
        subjects = _subjects(deps, request)
        return _examined_for(deps, subjects) if subjects else _what_assessors_examine(deps)
    report = evidence.evidence_gaps(kb, items, request.scope, request.as_of, request.max_age_days,
                                    context.not_applicable_ids)
    not_applicable = [r.requirement for r in report.requirements if r.status == "not-applicable"]
    covered = len(report.requirements) - len(report.missing) - len(report.stale) - len(not_applicable)
    parts = [deps.t("evidence", "summary", scope=report.scope, as_of=report.as_of, max_age=report.max_age_days,
                    missing=len(report.missing), stale=len(report.stale), covered=covered)]
    if not_applicable:
        parts.append("*Not applicable (as you stated; scored as MET, keep the justification):* "
                     + ", ".join(not_applicable))
    if report.missing:
        parts.append("*No evidence:* " + ", ".join(f"{r.requirement} {r.title}" for r in report.missing[:25])
                     + (" …" if len(report.missing) > 25 else ""))
    if report.stale:
        parts.append("*Stale:* " + ", ".join(
            f"{r.requirement} (items {', '.join(r.evidence + r.via_crosswalk)}; newest {r.newest or 'undated'})"
            for r in report.stale[:25]))
    via = [r for r in report.requirements if r.via_crosswalk and not r.evidence]
    if via:
        parts.append("*Covered only through an ISO 27001 crosswalk (check each objective):* "
                     + ", ".join(f"{r.requirement} ← {', '.join(r.via_crosswalk)}" for r in via[:15]))
    open_objectives = sum(len(r.objectives_not_addressed) for r in report.requirements if r.status != "missing")
    if open_objectives:
        parts.append(f"*Objectives not addressed by any item* (among requirements with evidence): {open_objectives}.")
    parts += [f"Evidence {item_id} names IDs that are not in the catalog: {', '.join(ids)}."
              for item_id, ids in report.unknown_ids.items()]
    listed = (report.missing[:25] + report.stale[:25]) or report.requirements[:25]
    citations = [cite_control(kb, kb.resolve(r.requirement)) for r in listed]
    return finish(deps, parts, citations, tools=["evidence_gaps"], confidence=0.9)


def _stored(deps: SkillDeps) -> list[evidence.EvidenceItem]:
    """The company's stored evidence register, when no inventory came with the question."""
    if deps.workspace is None:
        return []
    _, stored = deps.workspace()
    return [evidence.EvidenceItem(id=i.id, title=i.title, controls=i.controls, collected=i.effective)
            for i in stored]


def _subjects(deps: SkillDeps, request: EvidenceRequest) -> list[Control]:
    """The requirements an evidence question is about: those it names, else the one its words clearly find."""
    if request.control_ids:
        return [deps.kb.resolve(i) for i in request.control_ids]
    hits = deps.search(request.topic, 3, None) if request.topic else []
    best = requirement_of(deps, hits[0]) if hits and hits[0].score >= TOPIC_SURE else None
    return [best] if best is not None else []


def _examined_for(deps: SkillDeps, subjects: list[Control]) -> Draft:
    """With no inventory, for the requirements asked about: what NIST SP 800-171A has an assessor examine,
    interview and test, and the objectives each piece of evidence must address; then how to get one's gaps."""
    parts: list[str] = []
    for control in subjects:
        detail = get_control(deps.kb, control.id)
        methods = methods_line(detail.examine, detail.interview, detail.test, limit=600)
        objectives = " · ".join(f"{o.id} {o.text.removeprefix('Determine if ')}" for o in detail.objectives)
        parts.append(deps.t("evidence", "for_requirement", id=detail.id, title=detail.title,
                            methods=methods or deps.t("evidence", "no_methods")))
        parts += [deps.t("lookup", "objectives", objectives=objectives)] if objectives else []
    parts.append(deps.t("evidence", "no_inventory"))
    citations = [cite_control(deps.kb, c) for c in subjects]
    return finish(deps, parts, citations, tools=["get_control"], confidence=0.8, needs_input=True)


def _what_assessors_examine(deps: SkillDeps, shown: int = 6) -> Draft:
    """With no inventory at all: the documents NIST SP 800-171A lists most often as examine objects, counted over
    the 110 requirements, then how to get one's own gaps."""
    kb = deps.kb
    requirements = [kb.resolve(r) for r in kb.all_ids(FrameworkId.NIST_800_171R2)]
    counts = Counter(o for r in requirements for o in _objects(r.examine))
    common = [(o, n) for o, n in counts.most_common(shown + 1) if not o.startswith("other relevant")][:shown]
    objects = "; ".join(f"{o} ({n} of {len(requirements)})" for o, n in common)
    ssp = kb.resolve("3.12.4")
    parts = [deps.t("evidence", "examine", objects=objects), deps.t("evidence", "no_inventory")]
    return finish(deps, parts, [cite_control(kb, ssp)], tools=["get_control"], confidence=0.6, needs_input=True)


def _objects(examine: str) -> set[str]:
    return {o.strip().strip(".").lower() for o in examine.split(";") if o.strip()}


SKILL = Skill(
    name="evidence",
    summary="Find requirements with missing or stale evidence, and 800-171A objectives no evidence item "
            "addresses, over the evidence inventory the user gave.",
    request_model=EvidenceRequest, read=read, run=run,
)
