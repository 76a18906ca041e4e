"""SSP: a draft narrative for one requirement, one statement per 800-171A objective, written from the company's
own facts (the system described in the context, the setup stated in the question, the evidence items given)
through the workspace drafter; objectives nothing covers say so."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from assistant.knowledge import Control, FrameworkId, KnowledgeBase
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, finish, requirement_of
from assistant.skills.lookup import methods_line
from assistant.tools.crosswalk import crosswalk_family
from assistant.understanding.context import Context
from assistant.workspace.evidence import EvidenceItem, normalize
from assistant.workspace.facts import FactBuilder
from assistant.workspace.guard import unsupported_names
from assistant.workspace.profile import SystemProfile
from assistant.workspace.rules import vocabulary
from assistant.workspace.ssp import Drafter


class SspRequest(BaseModel):
    """The requirement to draft (any spelling: 3.5.3, IA.L2-3.5.3, 3.5.3[b]) and the setup the user stated."""

    control_id: str = Field(min_length=1)
    setup: list[str] = Field(default_factory=list, description="Sentences describing how the company does it")


_ASKING = re.compile(r"\b(draft|ssp|narrative|statement|write|system security plan|please)\b", re.I)


def read(inp: SkillInput) -> SspRequest:
    """The first control the question names, and the clauses of the question that describe the setup."""
    clauses = [c.strip(" -•") for c in re.split(r"[:;\n]|\.\s", inp.frame.question)]
    setup = [c for c in clauses if len(c.split()) >= 3 and not _ASKING.search(c)]
    return SspRequest(control_id=inp.frame.controls[0].id, setup=setup)


def run(deps: SkillDeps, request: SspRequest) -> Draft:
    """One line per objective: the facts that cover it in the company's words, and the evidence behind it."""
    kb = deps.kb
    control = requirement_of(kb, kb.resolve(request.control_id))
    if control.framework is not FrameworkId.NIST_800_171R2:
        return _not_a_requirement(deps, control)
    builder = FactBuilder(kb, vocabulary(kb.data.root))
    stated = [builder.fact("statement:question", "statement", "", s, [control.id]) for s in request.setup]
    profile, items = _profile(deps.context), _items(kb, deps.context)
    if deps.workspace is not None and (profile is None or not items):
        stored_profile, stored_items = deps.workspace()  # the company's stored profile and register fill gaps
        profile, items = profile or stored_profile, items or stored_items
    drafter = Drafter(kb, profile, items, as_of=deps.context.as_of, extra_facts=stated)
    draft = drafter.draft(control.id)
    leaked = unsupported_names(kb, draft, drafter.facts)
    parts = [deps.t("ssp", "intro", id=control.id, title=control.title), control.text,
             f"*Status from the facts given:* {draft.status}; responsible role: {draft.role}."]
    methods = methods_line(control.examine, control.interview, control.test)
    if methods:
        parts.append(deps.t("lookup", "methods", methods=methods))
    citations = [cite_control(kb, control)]
    for objective, statement in zip(kb.objectives(control.id), draft.objectives, strict=True):
        backing = [s.split(":", 1)[1] for s in statement.sources if s.startswith("evidence:")]
        proof = f"Evidence: {', '.join(backing)}." if backing else "[No evidence given yet: add it.]"
        text = statement.statement if not leaked else "[Describe how.]"
        parts.append("• " + deps.t("ssp", "objective", objective=objective.id, statement=text, evidence=proof))
        citations.append(cite_control(kb, objective))
    if draft.unplaced:
        parts.append(deps.t("ssp", "unplaced", id=control.id, items="; ".join(draft.unplaced)))
    return finish(deps, parts, citations, tools=["get_control", "evidence_gaps"], confidence=0.7)


def _not_a_requirement(deps: SkillDeps, control: Control) -> Draft:
    """SSP narratives are written per 800-171 requirement: name the ones another framework's control reaches."""
    kb = deps.kb
    targets = [kb.resolve(e.target) for e in crosswalk_family(kb, _typed(control), FrameworkId.NIST_800_171R2)][:6]
    label = kb.framework(control.framework).label
    names = ", ".join(f"{t.id} {t.title}" for t in targets) or "none in the knowledge base"
    return finish(deps, [deps.t("ssp", "not_a_requirement", id=control.id, framework=label, targets=names)],
                  [cite_control(kb, control), *(cite_control(kb, t) for t in targets)], tools=["crosswalk"],
                  confidence=0.6, needs_input=True)


def _typed(control: Control) -> str:
    return f"ISO 27001:2013 {control.id}" if control.framework is FrameworkId.ISO_27001_2013 else control.id


def _profile(context: Context) -> SystemProfile | None:
    system = context.system
    if system is None:
        return None
    return SystemProfile.model_validate({
        "system": {"name": system.name or "the system", "description": system.description},
        "services": [s for s in system.services if s.get("name")],
        "components": [c for c in system.components if c.get("name")],
        "roles": [r for r in system.roles if r.get("role")]})


def _items(kb: KnowledgeBase, context: Context) -> list[EvidenceItem]:
    items = []
    for entry in context.evidence:
        item = EvidenceItem(id=entry.id, title=entry.title, controls=entry.controls, effective=entry.collected)
        item.mapping = normalize(kb, item.controls)
        items.append(item)
    return items


SKILL = Skill(
    name="ssp",
    summary="Draft the SSP narrative of one NIST SP 800-171 Rev 2 requirement, one statement per 800-171A "
            "objective, from the system described, the setup stated and the evidence items given.",
    request_model=SspRequest, read=read, run=run, uses_controls=True,
)
