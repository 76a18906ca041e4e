"""Family: the requirements of one NIST SP 800-171 family (CMMC domain) at a level, each with its practice ID."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.knowledge import FrameworkId
from assistant.skills.base import Draft, Skill, SkillDeps, SkillInput, cite_control, finish, level_of


class FamilyRequest(BaseModel):
    """A family by ID, CMMC abbreviation or name (3.13, SC, System and Communications Protection) and a level;
    no family: the domains of the level, each with its number of requirements."""

    family: str = ""
    level: int = Field(default=2, ge=1, le=3)


def read(inp: SkillInput) -> FamilyRequest:
    """The first family the question names (none: the overview of domains), and its level."""
    return FamilyRequest(family=inp.frame.families[0] if inp.frame.families else "", level=level_of(inp.frame, 2))


def run(deps: SkillDeps, request: FamilyRequest) -> Draft:
    """Every requirement of the family at the level (practices for Level 1 and 3), with the count; without a
    family, the domains the level covers."""
    kb = deps.kb
    if not request.family:
        return _domains(deps, request.level)
    practices = [c for c in kb.controls(FrameworkId.CMMC_2, family=_abbreviation(deps, request.family),
                                        level=request.level) if c.kind == "practice"]
    if not practices:
        return finish(deps, [deps.t("common", "no_support", hint="Name the family by ID, abbreviation or name.")],
                      [], tools=["list_controls"], confidence=0.3)
    name = practices[0].family
    lines = [f"• *{p.id}* ({kb.canonical_requirement(p).id}) {p.title}" for p in practices]
    parts = [deps.t("family", "heading", name=name, level=request.level, count=len(practices)), "\n".join(lines),
             deps.t("common", "rev2_note") if request.level == 2 else ""]
    return finish(deps, parts, [cite_control(kb, p) for p in practices], tools=["list_controls"], confidence=0.9)


def _domains(deps: SkillDeps, level: int) -> Draft:
    """The CMMC domains with practices at ``level``, each with its abbreviation and number of practices."""
    practices = [c for c in deps.kb.controls(FrameworkId.CMMC_2, level=level) if c.kind == "practice"]
    domains: dict[str, list[str]] = {}
    for practice in practices:
        domains.setdefault(f"{practice.id.split('.')[0]} {practice.family}", []).append(practice.id)
    lines = [f"• *{name}*: {len(ids)} ({', '.join(ids[:4])}{' …' if len(ids) > 4 else ''})"
             for name, ids in domains.items()]
    parts = [deps.t("family", "domains", level=level, domains=len(domains), count=len(practices)), "\n".join(lines)]
    cited = [deps.kb.resolve(ids[0]) for ids in domains.values()]
    return finish(deps, parts, [cite_control(deps.kb, c) for c in cited], tools=["list_controls"], confidence=0.85)


def _abbreviation(deps: SkillDeps, family: str) -> str:
    """The CMMC domain abbreviation of a family given as a NIST family ID, abbreviation or name."""
    for control in deps.kb.controls(FrameworkId.NIST_800_171R2):
        if family in (control.family_id, control.family) or family.lower() == control.family.lower():
            edges = deps.kb.crosswalk(control, FrameworkId.CMMC_2)
            return edges[0].target.split(".")[0] if edges else family
    return family


SKILL = Skill(
    name="family",
    summary="List the requirements of one NIST SP 800-171 family (CMMC domain) at a level, with their practice IDs.",
    request_model=FamilyRequest, read=read, run=run,
)
