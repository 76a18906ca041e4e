"""SSP narratives from the company's facts: one statement per NIST SP 800-171A objective, built only from the
profile and evidence items that match it (tagged with the objective or its requirement, or matching by
meaning), with the status, the responsible role and the evidence references.

Matching by meaning: content words of the fact (practitioner synonyms added, ``ssp_vocabulary.yaml``) against
the objective's words, each weighted by how well it tells the objective from its siblings; a fact must carry
the words that distinguish the objective (``local`` vs ``network``, ``privileged`` vs ``non-privileged``).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date

from pydantic import BaseModel, Field

from assistant.knowledge import Control, FrameworkId, KnowledgeBase
from assistant.workspace.evidence import EvidenceItem, freshness
from assistant.workspace.facts import Fact, FactBuilder, tokens
from assistant.workspace.profile import Status, SystemProfile
from assistant.workspace.rules import FreshnessRules, Vocabulary, freshness_rules, vocabulary

NOT_DESCRIBED = "Not yet described"
TAGGED_THRESHOLD = 0.7  # a fact tagged with (or pointing to) the requirement
UNTAGGED_THRESHOLD = 0.85  # a fact that names nothing of the requirement


class ObjectiveStatement(BaseModel):
    """One 800-171A objective of the draft."""

    id: str
    objective: str
    statement: str
    covered: bool
    sources: list[str] = Field(default_factory=list)


class SspDraft(BaseModel):
    """The draft of one requirement."""

    requirement: str
    title: str
    family: str
    cmmc: str = ""
    status: Status
    justification: str = ""
    role: str
    objectives: list[ObjectiveStatement]
    evidence: list[str] = Field(default_factory=list)
    unplaced: list[str] = Field(default_factory=list, description="Evidence tagged with the requirement that no "
                                "objective's words match: 'ID (title)', for the author to place")


class Drafter:
    """Drafts requirements from one profile and one evidence register."""

    def __init__(self, kb: KnowledgeBase, profile: SystemProfile | None, items: list[EvidenceItem],
                 as_of: date | None = None, extra_facts: list[Fact] | None = None,
                 vocab: Vocabulary | None = None, rules: FreshnessRules | None = None):
        self.kb = kb
        self.vocab = vocab or vocabulary(kb.data.root)
        self.profile = profile
        self.builder = FactBuilder(kb, self.vocab)
        rules = rules or freshness_rules(kb.data.root)
        usable = [i for i in items if freshness(i, rules, as_of or date.today())[0] != "expired"]
        self.facts = (self.builder.from_profile(profile) if profile else []) + self.builder.from_evidence(usable)
        self.facts += extra_facts or []

    def draft(self, requirement_id: str) -> SspDraft:
        """The draft of the requirement any spelling names."""
        control = self.kb.canonical_requirement(self.kb.resolve(requirement_id))
        if control.framework is FrameworkId.NIST_800_171A:
            control = self.kb.resolve(control.parent)
        if control.framework is not FrameworkId.NIST_800_171R2:
            raise ValueError(f"{requirement_id} is not a NIST SP 800-171 Rev 2 requirement")
        objectives = self.kb.objectives(control.id)
        matched = match(self.vocab, control, objectives, self.facts)
        statements = [_statement(o, matched[o.id]) for o in objectives]
        decision = self.profile.requirements.get(control.id) if self.profile else None
        covered = sum(s.covered for s in statements)
        status: Status = (decision.status if decision and decision.status else
                          "implemented" if covered == len(statements) else
                          "partially implemented" if covered else "planned")
        placed = {s for st in statements for s in st.sources if s.startswith("evidence:")}
        own = {control.id} | {o.id for o in objectives}
        unplaced = [f for f in self.facts if f.kind == "evidence" and f.source not in placed
                    and own & {*f.mapping.requirements, *f.mapping.objectives}]
        evidence = sorted({s.split(":", 1)[1] for s in placed | {f.source for f in unplaced}})
        cmmc = next((e.target for e in self.kb.crosswalk(control, FrameworkId.CMMC_2)), "")
        return SspDraft(requirement=control.id, title=control.title, family=control.family, cmmc=cmmc,
                        status=status, justification=decision.justification if decision else "",
                        role=self._role(control, decision.role if decision else "", matched),
                        objectives=statements, evidence=evidence,
                        unplaced=[f"{f.source.split(':', 1)[1]} ({f.name})" for f in unplaced])

    def draft_all(self) -> list[SspDraft]:
        """Every requirement of NIST SP 800-171 Rev 2, in catalog order."""
        return [self.draft(rid) for rid in self.kb.all_ids(FrameworkId.NIST_800_171R2)]

    def _role(self, control: Control, stated: str, matched: dict[str, list[Fact]]) -> str:
        if stated:
            return stated
        if self.profile is None:
            return "not yet assigned"
        for role in self.profile.roles:
            fact = self.builder.fact("role", "role", role.role, role.responsibilities, role.controls)
            if control.id in fact.mapping.requirements:
                return role.role
        owners = {f.source for facts in matched.values() for f in facts}
        for role in self.profile.roles:
            if f"role:{role.role}" in owners:
                return role.role
        return "not yet assigned"


def match(vocab: Vocabulary, control: Control, objectives: list[Control], facts: list[Fact]) -> dict[str, list[Fact]]:
    """For each objective, the facts that cover it."""
    words = {o.id: tokens(o.text.removeprefix("Determine if "), vocab, expand=False) for o in objectives}
    df = Counter(t for ws in words.values() for t in ws)
    weight = {t: math.log(1 + len(objectives) / n) for t, n in df.items()}
    out: dict[str, list[Fact]] = {o.id: [] for o in objectives}
    for fact in facts:
        tagged = control.id in fact.mapping.requirements or control.id in fact.linked
        for objective in objectives:
            if objective.id in fact.mapping.objectives:
                out[objective.id].append(fact)
                continue
            wanted = words[objective.id]
            total = sum(weight[t] for t in wanted)
            shared = wanted & fact.tokens
            score = sum(weight[t] for t in shared) / total if total else 0.0
            if (tagged and score >= TAGGED_THRESHOLD) or (len(shared) >= 2 and score >= UNTAGGED_THRESHOLD):
                out[objective.id].append(fact)
    return out


def _statement(objective: Control, facts: list[Fact]) -> ObjectiveStatement:
    clause = objective.text.removeprefix("Determine if ").rstrip(".")
    if not facts:
        return ObjectiveStatement(id=objective.id, objective=clause, covered=False,
                                  statement=f"{NOT_DESCRIBED}: no profile fact or evidence item covers this objective.")
    text = "; ".join(dict.fromkeys(f.sentence().rstrip(".") for f in facts)) + "."
    return ObjectiveStatement(id=objective.id, objective=clause, statement=text, covered=True,
                              sources=list(dict.fromkeys(f.source for f in facts)))
