"""Crosswalk: counterparts of a named control in another framework, in both directions, with provenance."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.knowledge import Control, FrameworkId, KnowledgeBase
from assistant.knowledge.ids import parse_framework
from assistant.skills.base import (
    Draft,
    Skill,
    SkillDeps,
    SkillInput,
    cite_control,
    finish,
    objectives_line,
    sentence,
)
from assistant.skills.lookup import practice_id
from assistant.tools import crosswalk as cw

_TARGET_ORDER = ("nist-800-53r5", "iso27001-2022", "cmmc-2.0", "far-52.204-21", "nist-800-172", "nist-800-171r2")
_SHOWN = 12
_MAX_CONTROLS = 5
_TEXTS_SHOWN = 5


class CrosswalkRequest(BaseModel):
    """Controls (any spelling, up to five) and the framework to map them to (iso, cmmc, 800-171, 800-53, far,
    800-172)."""

    control_ids: list[str] = Field(min_length=1, max_length=_MAX_CONTROLS)
    target_framework: str | None = Field(default=None, description="omit: ISO for NIST/CMMC, 800-171 for ISO")
    more_targets: list[str] = Field(default_factory=list, max_length=2, description="further frameworks asked for")


def read(inp: SkillInput) -> CrosswalkRequest:
    """The named controls and the other framework the question names."""
    controls = inp.frame.controls[:_MAX_CONTROLS]
    own = {c.framework.value for c in controls}
    named = [fw for fw in _TARGET_ORDER if fw in inp.frame.frameworks and fw not in own]
    if any(c.framework is FrameworkId.CMMC_2 for c in controls) and "nist-800-171r2" in named and len(named) > 1:
        named.remove("nist-800-171r2")  # "CMMC practice AC.L2-3.1.1 vs ISO": NIST is the practice's own text
    return CrosswalkRequest(control_ids=[c.id if c.framework is not FrameworkId.ISO_27001_2013
                                         else f"ISO 27001:2013 {c.id}" for c in controls],
                            target_framework=named[0] if named else None, more_targets=named[1:3])


def run(deps: SkillDeps, request: CrosswalkRequest) -> Draft:
    """Each control's edges to the target framework, in the order named, with one set of citations."""
    drafts = [_one(deps, typed, target) for typed in request.control_ids
              for target in [request.target_framework, *request.more_targets]]
    if len(drafts) == 1:
        return drafts[0]
    citations = list({(c.framework, c.id): c for d in drafts for c in d.citations}.values())
    paragraphs = dict.fromkeys(p for d in drafts for p in d.body.split("\n\n"))  # shared notes said once
    return finish(deps, list(paragraphs), citations, tools=["crosswalk"],
                  confidence=min(d.confidence for d in drafts))


def _one(deps: SkillDeps, typed: str, target_framework: str | None) -> Draft:
    """Edges to the target framework: official and derived stated as such, transitive with their path."""
    kb = deps.kb
    control = kb.resolve(typed)
    target = _target(target_framework, control)
    folds = control.framework in (FrameworkId.CMMC_2, FrameworkId.NIST_800_171A)
    if folds and target is not FrameworkId.NIST_800_171R2:
        control = kb.canonical_requirement(control)  # a practice or objective crosswalks as its requirement
        if control.framework is FrameworkId.NIST_800_171A:
            control = kb.resolve(control.parent)
    if control.framework in (FrameworkId.ISO_27001_2022, FrameworkId.NIST_800_53R5) and target is FrameworkId.CMMC_2:
        return _to_cmmc(deps, control)
    edges = _edges(kb, control, target)
    label = kb.framework(target).label
    citations = [cite_control(kb, control)]
    if not edges:
        return finish(deps, [deps.t("crosswalk", "none", id=control.id, title=control.title, target=label,
                                    target_label=label)], citations, tools=["crosswalk"], confidence=0.8)
    citations += [cite_control(kb, found) for e in edges[:_SHOWN] if (found := kb.get(e.target_framework, e.target))]
    targets = ", ".join(f"{e.target} {e.target_title}" for e in edges[:_SHOWN]) + (" …" if len(edges) > _SHOWN else "")
    official = [e for e in edges if e.provenance in ("official", "derived")]
    parts: list[str] = []
    if official and len(official) == len(edges):
        parts.append(deps.t("crosswalk", "official", id=control.id, title=control.title, targets=targets,
                            relationship=official[0].relationship.value, document=official[0].source_document))
    elif control.framework is FrameworkId.ISO_27001_2022:
        parts.append(deps.t("crosswalk", "reverse", id=control.id, title=control.title, count=len(edges),
                            targets=targets))
        parts.append(_practices_line(kb, [e.target for e in edges[:_SHOWN]]))
    else:
        hops = sorted({h.split(">")[0] for e in edges for h in e.via})
        parts.append(deps.t("crosswalk", "transitive", id=control.id, title=control.title, count=len(edges),
                            target_label=label, targets=targets))
        parts.append(deps.t("crosswalk", "derivation", hops=", ".join(hops), id=control.id))
    if target is FrameworkId.NIST_800_171R2 and control.framework is not FrameworkId.CMMC_2:
        parts.append(_requirement_texts(deps, [e.target for e in edges[:_TEXTS_SHOWN]]))
    if control.framework is FrameworkId.NIST_800_171R2 and kb.objectives(control.id):
        parts.append(deps.t("lookup", "objectives", objectives=objectives_line(kb, control.id)))
        parts.append(deps.t("common", "rev2_note"))
    return finish(deps, parts, citations, tools=["crosswalk"], confidence=0.9)


def _target(named: str | None, source: Control) -> FrameworkId:
    if named:
        return parse_framework(named)
    if source.framework in (FrameworkId.ISO_27001_2022, FrameworkId.ISO_27001_2013):
        return FrameworkId.NIST_800_171R2 if source.framework is FrameworkId.ISO_27001_2022 \
            else FrameworkId.ISO_27001_2022
    return FrameworkId.ISO_27001_2022


def _edges(kb: KnowledgeBase, control: Control, target: FrameworkId) -> list[cw.EdgeView]:
    typed = control.id if control.framework is not FrameworkId.ISO_27001_2013 else f"ISO 27001:2013 {control.id}"
    return cw.crosswalk_family(kb, typed, target)


def _to_cmmc(deps: SkillDeps, control: Control) -> Draft:
    """ISO or SP 800-53 -> CMMC: through the 800-171 requirements the control reaches, each named by its practice."""
    kb = deps.kb
    edges = _edges(kb, control, FrameworkId.NIST_800_171R2)
    citations = [cite_control(kb, control)]
    if not edges:
        label = kb.framework(FrameworkId.CMMC_2).label
        return finish(deps, [deps.t("crosswalk", "none", id=control.id, title=control.title, target=label,
                                    target_label=label)], citations, tools=["crosswalk"], confidence=0.8)
    requirements = [e.target for e in edges[:_SHOWN]]
    practices = [p for r in requirements if (p := practice_id(kb, kb.resolve(r)))]
    citations += [cite_control(kb, kb.resolve(p)) for p in practices]
    targets = ", ".join(f"{p} ({e.target_title})" for p, e in zip(practices, edges, strict=False))
    template = "from_53_cmmc" if control.framework is FrameworkId.NIST_800_53R5 else "reverse_cmmc"
    parts = [deps.t("crosswalk", template, id=control.id, title=control.title, count=len(edges),
                    targets=targets + (" …" if len(edges) > _SHOWN else "")),
             deps.t("crosswalk", "use_as_evidence", id=control.id)]
    return finish(deps, parts, citations, tools=["crosswalk"], confidence=0.85)


def _requirement_texts(deps: SkillDeps, requirements: list[str]) -> str:
    """What the mapped 800-171 requirements say, so a mapping answer also answers "what does it require"."""
    texts = " · ".join(f"{r.id}: {sentence(r.text, 200)}" for rid in requirements if (r := deps.kb.resolve(rid)))
    return deps.t("crosswalk", "texts", items=texts)


def _practices_line(kb: KnowledgeBase, requirements: list[str]) -> str:
    practices = [p for r in requirements if (p := practice_id(kb, kb.resolve(r)))]
    return f"*As CMMC practices:* {', '.join(practices)}." if practices else ""


SKILL = Skill(
    name="crosswalk",
    summary="Map a control to another framework (ISO 27001:2022, NIST SP 800-171/800-53, CMMC, FAR, 800-172), "
            "both directions, with provenance (official, derived, transitive) and the path.",
    request_model=CrosswalkRequest, read=read, run=run, uses_controls=True,
)
