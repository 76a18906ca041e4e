"""Lookup: what a named control says, what the assessor checks, its SPRS value and the DoD guidance on it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.knowledge import Control, FrameworkId, KnowledgeBase
from assistant.knowledge.models import Passage
from assistant.skills.answer import Citation
from assistant.skills.base import (
    Draft,
    Skill,
    SkillDeps,
    SkillInput,
    cite_control,
    cite_passage,
    finish,
    sentence,
)
from assistant.tools.crosswalk import crosswalk_family
from assistant.tools.lookup import get_control

_MAPPED_SHOWN = 6


class LookupRequest(BaseModel):
    """Controls to explain, in any spelling (3.1.1, AC.L2-3.1.1, A.5.15, b.1.i, 3.1.2e …)."""

    control_ids: list[str] = Field(min_length=1, max_length=5)
    notes: list[str] = Field(default_factory=list, description="messages about IDs that do not exist")


def read(inp: SkillInput) -> LookupRequest:
    """The controls the question names."""
    return LookupRequest(control_ids=[_spelling(c) for c in inp.frame.controls[:3]],
                         notes=list(inp.frame.unknown_ids.values()))


def _spelling(control: Control) -> str:
    return f"ISO 27001:2013 {control.id}" if control.framework is FrameworkId.ISO_27001_2013 else control.id


def run(deps: SkillDeps, request: LookupRequest) -> Draft:
    """One card per control: text, family, objectives, SPRS value, equivalents and DoD guidance."""
    parts: list[str] = []
    citations = []
    for typed in request.control_ids:
        control = deps.kb.resolve(typed)
        parts.extend(control_card(deps, control))
        citations.append(cite_control(deps.kb, control))
        passage = guidance(deps.kb, control)
        if passage:
            parts.append(deps.t("lookup", "guidance", source=passage.section, text=sentence(passage.text, 320)))
            citations.append(cite_passage(passage))
        if control.framework is FrameworkId.NIST_800_53R5:
            parts.extend(_as_800_171(deps, control, citations))
        parts.extend(annex_a_note(deps, control, citations))
        if control.framework in (FrameworkId.NIST_800_171R2, FrameworkId.NIST_800_171A, FrameworkId.CMMC_2):
            parts.append(deps.t("common", "rev2_note"))
    parts.extend(f"Note: {message}" for message in request.notes)
    return finish(deps, parts, citations, tools=["get_control"], confidence=0.95)


def control_card(deps: SkillDeps, control: Control) -> list[str]:
    """Heading and text, family, the objectives, the SPRS value and equivalents of one control."""
    detail = get_control(deps.kb, _spelling(control))
    parts = [deps.t("lookup", "heading", id=detail.id, title=detail.title, framework=detail.framework_name,
                    version=detail.framework_version) + f"\n{detail.text}"]
    if detail.family:
        group = f"Annex A theme {detail.family_id[2:]}" if detail.family_id.startswith("A.") else detail.family_id
        parts.append(f"*Family:* {group} {detail.family}")
    if detail.objectives:
        objectives = " · ".join(f"{o.id} {o.text.removeprefix('Determine if ')}" for o in detail.objectives)
        parts.append(deps.t("lookup", "objectives", objectives=objectives))
    methods = methods_line(detail.examine, detail.interview, detail.test)
    if methods:
        parts.append(deps.t("lookup", "methods", methods=methods))
    if detail.point_value is not None:
        parts.append(deps.t("lookup", "points", points=points_text(detail.point_value)))
    if detail.equivalents:
        parts.append(deps.t("lookup", "equivalents", ids=", ".join(detail.equivalents)))
    return parts


def annex_a_note(deps: SkillDeps, control: Control, citations: list[Citation]) -> list[str]:
    """For an Annex A control: how it becomes mandatory (risk treatment, the SoA), citing clause 6.1.3."""
    if control.framework is not FrameworkId.ISO_27001_2022 or not control.id.startswith("A."):
        return []
    treatment = deps.kb.try_resolve("clause 6.1.3")
    citations.extend([cite_control(deps.kb, treatment)] if treatment else [])
    return [deps.t("lookup", "annex_a")]


def _as_800_171(deps: SkillDeps, control: Control, citations: list[Citation]) -> list[str]:
    """An SP 800-53 control is held only as a mapping hop: show the 800-171 requirements NIST derived from it,
    which are what CMMC assesses."""
    edges = crosswalk_family(deps.kb, control.id, FrameworkId.NIST_800_171R2)[:_MAPPED_SHOWN]
    if not edges:
        return [deps.t("lookup", "no_171", id=control.id)]
    requirements = [deps.kb.resolve(e.target) for e in edges]
    citations.extend(cite_control(deps.kb, r) for r in requirements)
    items = " · ".join(f"{r.id} {r.title}: {sentence(r.text, 240)}" for r in requirements)
    return [deps.t("lookup", "as_171", id=control.id, items=items)]


def methods_line(examine: str, interview: str, test: str, limit: int = 220) -> str:
    """The 800-171A assessment methods and their objects (examine / interview / test), each shortened."""
    shown = [(name, sentence(text, limit)) for name, text in (("Examine", examine), ("Interview", interview),
                                                              ("Test", test)) if text]
    return " · ".join(f"{name}: {text}" for name, text in shown)


def points_text(value: object) -> str:
    """An SPRS point value in words, partial credit included."""
    points = getattr(value, "points", None)
    if points is None:
        return f"not scored ({getattr(value, 'comment', '')})"
    partial = getattr(value, "partial_points", None)
    if partial is not None:
        return f"{points} points if {value.full_condition}; {partial} if {value.partial_condition}"  # type: ignore[attr-defined]
    return f"{points} point{'s' if points != 1 else ''}"


def guidance(kb: KnowledgeBase, control: Control) -> Passage | None:
    """The Assessment Guide's Further Discussion of the practice a control stands for."""
    practice = practice_id(kb, control)
    found = kb.find_passages(requirement=practice, section_contains="Further Discussion") if practice else []
    return found[0] if found else None


def practice_id(kb: KnowledgeBase, control: Control) -> str:
    """The CMMC practice ID of a requirement, objective or 800-172 requirement ("" when there is none)."""
    if control.framework is FrameworkId.CMMC_2:
        return control.id
    requirement = control.parent if control.framework is FrameworkId.NIST_800_171A else control.id
    edges = kb.crosswalk(kb.resolve(requirement), FrameworkId.CMMC_2) if control.framework in (
        FrameworkId.NIST_800_171R2, FrameworkId.NIST_800_171A, FrameworkId.NIST_800_172) else []
    return next((e.target for e in edges if e.relationship == "equal"), "")


SKILL = Skill(
    name="lookup",
    summary="Explain named controls: text, 800-171A objectives, SPRS value, equivalents and DoD guidance.",
    request_model=LookupRequest, read=read, run=run, uses_controls=True,
)
