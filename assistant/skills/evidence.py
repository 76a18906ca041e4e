"""Evidence: requirements with no evidence, with stale evidence, and objectives no item addresses."""

from __future__ import annotations

from collections import Counter
from datetime import date

from pydantic import BaseModel, Field

from assistant.knowledge import FrameworkId
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, finish, level_of
from assistant.tools import evidence


class EvidenceRequest(BaseModel):
    """The scope to check ("level 1", "level 2", a family like "AC", or IDs), the date and the maximum age."""

    scope: str | list[str] = "level 2"
    as_of: date | None = None
    max_age_days: int = Field(default=365, ge=1)


def read(inp: SkillInput) -> EvidenceRequest:
    """Scope from the context, else the level the question names."""
    context = inp.deps.context
    scope = context.scope or (inp.frame.families[0] if inp.frame.families else
                              "level 1" if level_of(inp.frame, 2) == 1 else "level 2")
    return EvidenceRequest(scope=scope, as_of=context.as_of, max_age_days=context.max_age_days)


def run(deps: SkillDeps, request: EvidenceRequest) -> Draft:
    """Gaps over the inventory in the context, ISO-tagged items counted through the crosswalk (marked)."""
    kb, context = deps.kb, deps.context
    items = [evidence.EvidenceItem.model_validate(e.model_dump()) for e in context.evidence] or _stored(deps)
    if not items:
        return _what_assessors_examine(deps)
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
