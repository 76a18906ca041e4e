"""SSP: a draft narrative for one requirement that walks every 800-171A objective with the evidence given."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.knowledge import KnowledgeBase
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, finish, requirement_of
from assistant.skills.lookup import methods_line


class SspRequest(BaseModel):
    """The requirement to draft (any spelling: 3.5.3, IA.L2-3.5.3, 3.5.3[b])."""

    control_id: str = Field(min_length=1)


def read(inp: SkillInput) -> SspRequest:
    """The first control the question names."""
    return SspRequest(control_id=inp.frame.controls[0].id)


def run(deps: SkillDeps, request: SspRequest) -> Draft:
    """One line per objective, with the evidence items that address it or a marker where none does."""
    kb = deps.kb
    control = requirement_of(kb, kb.resolve(request.control_id))
    items = deps.context.evidence
    parts = [deps.t("ssp", "intro", id=control.id, title=control.title), control.text]
    methods = methods_line(control.examine, control.interview, control.test)
    if methods:
        parts.append(deps.t("lookup", "methods", methods=methods))
    citations = [cite_control(kb, control)]
    for objective in kb.objectives(control.id):
        backing = [i.id for i in items if any(_covers(kb, c, control.id, objective.id) for c in i.controls)]
        proof = f"Evidence: {', '.join(backing)}." if backing else "[No evidence given yet: add it.]"
        statement = "[Describe how] " + objective.text.removeprefix("Determine if ").rstrip(".") + "."
        parts.append("• " + deps.t("ssp", "objective", objective=objective.id, statement=statement, evidence=proof))
        citations.append(cite_control(kb, objective))
    return finish(deps, parts, citations, tools=["get_control", "evidence_gaps"], confidence=0.7)


def _covers(kb: KnowledgeBase, typed: str, requirement: str, objective: str) -> bool:
    found = kb.try_resolve(typed)
    if found is None:
        return False
    found = kb.canonical_requirement(found)
    return found.id == objective or found.id == requirement


SKILL = Skill(
    name="ssp",
    summary="Draft the SSP narrative of one NIST SP 800-171 Rev 2 requirement, one statement per 800-171A "
            "objective, citing the evidence items given.",
    request_model=SspRequest, read=read, run=run, uses_controls=True,
)
