"""``classify_asset``: the 32 CFR 170.19 asset category of one asset, by a decision procedure over
explicit facts. Facts come structured, or are read from a plain description; a fact that decides the
outcome and is unknown is asked for, never guessed. Category texts and treatment come from the
knowledge data (``rules/asset_categories.json``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.build.scoping_vocabulary import DocumentationNote
from assistant.knowledge.models import AssetCategory
from assistant.tools import scoping_facts as sf

Category = Literal[
    "CUI Asset", "Security Protection Asset", "Contractor Risk Managed Asset", "Specialized Asset",
    "Out-of-Scope Asset", "FCI Asset",
]
# Names of the categories as the knowledge data spells them (32 CFR 170.19 tables).
_DATA_NAME = {
    "CUI Asset": "Controlled Unclassified Information (CUI) Assets",
    "Security Protection Asset": "Security Protection Assets",
    "Contractor Risk Managed Asset": "Contractor Risk Managed Assets",
    "Specialized Asset": "Specialized Assets",
    "Out-of-Scope Asset": "Out-of-Scope Assets",
    "FCI Asset": "FCI Assets",
}


class AssetFacts(BaseModel):
    """What is known about the asset; None means unknown."""

    handles_cui: bool | None = Field(None, description="processes, stores or transmits CUI (even by accident)")
    handles_fci: bool | None = None
    provides_security: bool | None = Field(None, description="provides security functions to the CUI scope")
    can_handle_cui: bool | None = Field(None, description="is able to process/store/transmit CUI")
    prevented_by_policy: bool | None = Field(None, description="policy, procedures and practice keep CUI off it")
    specialized_type: str | None = Field(None, description="IoT, IIoT, OT, GFE, restricted system, test equipment")
    separated: bool | None = Field(None, description="physically or logically separated from CUI assets")
    cloud_or_external_service: bool | None = None
    fedramp_moderate: bool | None = None
    name: str = "the asset"
    kvm_only: bool | None = Field(None, description="a VDI client limited to Keyboard/Video/Mouse")
    cui_in_transit_only: bool | None = Field(None, description="CUI only crosses it in transit (e.g. encrypted)")
    intent_only: bool | None = Field(None, description="CUI is 'not supposed to' go there; no practice named")
    business_saas: bool | None = Field(None, description="HR/payroll/accounting SaaS (Scoping Guide L2, ESP)")
    asset_class: str | None = None
    class_label: str | None = None
    class_source: str | None = None
    class_note: str | None = Field(None, description="a cited sentence about this kind of asset (paper, SPD, ...)")
    all_people: bool | None = Field(None, description="the question is about everyone (every employee), not one asset")


class ConditionalBranch(BaseModel):
    """One answer to the missing fact, and the category it leads to."""

    condition: str
    category: Category
    treatment: str = ""


class ScopingResult(BaseModel):
    """A verdict with its reasoning; or, when one fact is missing, a branch per answer (``category`` None).
    A description naming several assets gives one result per asset in ``assets`` (the first is the head)."""

    level: int
    category: Category | None
    in_scope: bool | None
    reasoning: list[str]
    assessor_checks: list[str]
    must_document: list[str]
    assumptions: list[str]
    missing_facts: list[str]
    provider_notes: list[str]
    citation: str
    facts: AssetFacts
    need_not_document: list[str] = Field(default_factory=list)
    documentation_source: str = ""
    branches: list[ConditionalBranch] = Field(default_factory=list)
    assets: list[ScopingResult] = Field(default_factory=list)


# ---- reading facts from a description -------------------------------------------------------

def describe(text: str) -> list[AssetFacts]:
    """Facts about each asset the description asks about (one, or several), read per clause."""
    norm = sf.normalize(text)
    found = sf.mentions(norm)
    spans = sf.clauses(norm)
    asked = sf.targets(norm, found, spans)
    if not asked:
        reading = sf.Reading(name="the asset")
        for clause in spans:
            sf._read_clause(clause.text, reading)
        return [_to_facts(reading, norm)]
    readings = [sf.read_asset(norm, t, [o for o in asked if o is not t], found, spans) for t in asked]
    for reading, target in zip(readings, asked, strict=True):
        reading.name = text[target.name_start:target.end]  # the user's own spelling
    return [_to_facts(r, norm) for r in readings]


def facts_from_description(text: str) -> AssetFacts:
    """Read the facts a description states about the asset it asks about; the rest stays unknown."""
    return describe(text)[0]


def _to_facts(r: sf.Reading, text: str) -> AssetFacts:
    cls = r.asset_class
    kind = cls.kind if cls else None
    cloud = kind == "cloud" or bool(re.search(r"\b(?:cloud|saas|hosted)\b", r.name))
    return AssetFacts(
        handles_cui=r.handles_cui, handles_fci=r.handles_fci,
        provides_security=True if kind == "security" and r.provides_security is not False else r.provides_security,
        can_handle_cui=False if r.kvm_only else r.can_handle_cui,
        prevented_by_policy=r.prevented_by_policy if r.prevented_by_policy else None,
        specialized_type=cls.label if cls and kind == "specialized" else None,
        separated=r.separated, cloud_or_external_service=True if cloud else None,
        fedramp_moderate=True if re.search(r"\bfedramp\b[^.;]{0,30}\b(?:moderate|high)\b", text) else None,
        name=r.name, kvm_only=r.kvm_only or None, cui_in_transit_only=r.transit_only or None,
        intent_only=r.intent_only or None,
        business_saas=True if kind == "business_saas" else None,
        asset_class=cls.id if cls else None, class_label=cls.label if cls else None,
        class_source=cls.source if cls else None, class_note=r.note or None,
        all_people=True if r.universal else None,
    )


# ---- the decision procedure -----------------------------------------------------------------

Branch = tuple[str, Category]


def assess(kb: KnowledgeBase, text: str, level: int = 2, overrides: dict[str, object] | None = None) -> ScopingResult:
    """Every asset a description asks about, placed at ``level``; several assets give ``assets``."""
    facts = [f.model_copy(update=overrides or {}) for f in describe(text)]
    results = [classify_asset(kb, f, level) for f in facts]
    if len(results) == 1:
        return results[0]
    head = results[0].model_copy(update={"assets": results})
    return head


def classify_asset(kb: KnowledgeBase, facts: AssetFacts, level: int = 2) -> ScopingResult:
    """Decide the asset's category at ``level`` following 32 CFR 170.19 (b) for Level 1, (c) for 2, (d) for 3;
    when one fact decides and is unknown, the result is conditional: no category, one branch per answer."""
    steps: list[str] = []
    if facts.class_label and facts.asset_class not in ("it", "people", "physical_media"):
        steps.append(f"{facts.name}: {facts.class_label} ({facts.class_source}).")
    if facts.class_note:
        steps.append(facts.class_note)
    if facts.all_people:
        category, branches = _everyone(facts, level, steps)
    else:
        category, branches = _level1(facts, steps) if level == 1 else _decide(facts, steps)
    if level == 3:
        category, branches = _level3(facts, category, branches, steps)
    return _result(kb, level, category, branches, steps, facts)


def _decide(f: AssetFacts, steps: list[str]) -> tuple[Category | None, list[Branch]]:
    if f.kvm_only:
        steps.append(f"{f.name} only exchanges Keyboard/Video/Mouse with a VDI session: an endpoint hosting a VDI "
                     "client configured to allow no processing, storage or transmission of CUI beyond that is "
                     "Out-of-Scope.")
        return "Out-of-Scope Asset", []
    if f.handles_cui is True and f.provides_security is True and f.cui_in_transit_only:
        steps.append(sf.vocabulary().notes.get("spa_transit", ""))
        return "Security Protection Asset", []
    if f.handles_cui is True:
        steps.append(f"{f.name} processes, stores or transmits CUI, so it is in scope whatever was intended.")
        if f.specialized_type:
            steps.append(f"As {f.specialized_type} it can handle CUI but cannot be fully secured: a Specialized Asset.")
            return "Specialized Asset", []
        return "CUI Asset", []
    if f.provides_security is True:
        steps.append(f"{f.name} provides security functions or capabilities to the CUI scope: a Security "
                     "Protection Asset, whether or not CUI passes through it.")
        return "Security Protection Asset", []
    if f.specialized_type:
        return _specialized(f, steps)
    if f.handles_cui is False:
        steps.append(f"{f.name} does not process, store or transmit CUI.")
    return _not_handling(f, steps)


def _specialized(f: AssetFacts, steps: list[str]) -> tuple[Category | None, list[Branch]]:
    if f.separated is True or f.can_handle_cui is False:
        steps.append("It is isolated from the CUI assets and gets no CUI: Out-of-Scope (be ready to justify it).")
        return "Out-of-Scope Asset", []
    if f.separated is False or f.can_handle_cui is True:
        steps.append("It can reach CUI (it is not separated from the CUI assets) but cannot be fully secured: "
                     "a Specialized Asset.")
        return "Specialized Asset", []
    # The Scoping Guides list these kinds as Specialized Assets outright; isolation is the exception to prove.
    steps.append(f"As {f.specialized_type} it is a Specialized Asset (an asset that can process, store or transmit "
                 "CUI but cannot be fully secured). Only if it is physically or logically isolated and never gets "
                 "CUI (drawings, part programs, test data) is it Out-of-Scope instead, and you must be able to show "
                 "that.")
    return "Specialized Asset", []


def _not_handling(f: AssetFacts, steps: list[str]) -> tuple[Category | None, list[Branch]]:
    if f.separated is True:
        steps.append("It is physically or logically separated from CUI assets and provides no security to them: "
                     "Out-of-Scope (be ready to justify why it cannot handle CUI).")
        return "Out-of-Scope Asset", []
    if f.can_handle_cui is False:
        steps.append("It cannot process, store or transmit CUI and gives no security protection: Out-of-Scope.")
        return "Out-of-Scope Asset", []
    if f.business_saas and f.handles_cui is False:
        steps.append("A business SaaS (HR, payroll, accounting) that holds no CUI and no security protection data "
                     "is typically not an External Service Provider: Out-of-Scope.")
        return "Out-of-Scope Asset", []
    if f.prevented_by_policy is True:
        steps.append("It could handle CUI, but policy, procedures and practice keep CUI off it: a Contractor Risk "
                     "Managed Asset (no separation required).")
        return "Contractor Risk Managed Asset", []
    if f.handles_cui is False:
        steps.append("Not handling CUI is not enough by itself: what keeps CUI off it decides the category.")
        if f.separated is False:
            steps.append("On a shared network it can usually reach CUI; separating it is the common way to take it "
                         "out of scope.")
        return None, [("it can reach CUI and documented policy, procedures and practice keep CUI off it",
                       "Contractor Risk Managed Asset"),
                      ("it is physically or logically separated from the CUI assets", "Out-of-Scope Asset"),
                      ("CUI ever lands on it (opened, pasted, attached, synced)", "CUI Asset")]
    steps.append("Whether CUI is processed, stored or transmitted on it is not stated.")
    branches: list[Branch] = [("CUI is processed, stored or transmitted on it, even occasionally", "CUI Asset")]
    if f.asset_class in (None, "cloud", "security_services", "people"):
        branches.append(("it only holds security protection data (logs, configurations, passwords) or provides "
                         "a security function", "Security Protection Asset"))
    branches += [("it could handle CUI but documented policy, procedures and practice keep CUI off it",
                  "Contractor Risk Managed Asset"),
                 ("it cannot handle CUI, or is physically or logically separated from the CUI assets",
                  "Out-of-Scope Asset")]
    return None, branches


def _everyone(f: AssetFacts, level: int, steps: list[str]) -> tuple[Category | None, list[Branch]]:
    """"Does every employee have to be in the assessment?": who is in scope, by what they do (guides' notes)."""
    steps.append(sf.vocabulary().notes.get("people_everyone", ""))
    data = "FCI" if level == 1 else "CUI"
    if level == 1:
        return None, [("they process, store or transmit FCI (or use the assets that do)", "FCI Asset"),
                      ("they never handle FCI", "Out-of-Scope Asset")]
    return None, [(f"they process, store or transmit {data} (they use the assets that hold it)", "CUI Asset"),
                  ("they provide security functions for the scope (administrators, MSP staff, security consultants)",
                   "Security Protection Asset"),
                  (f"they can reach {data} but documented policy, procedures and practice keep it from them",
                   "Contractor Risk Managed Asset"),
                  (f"{data} is kept in an enclave they cannot reach and they provide no security to it",
                   "Out-of-Scope Asset")]


def _level3(f: AssetFacts, category: Category | None, branches: list[Branch],
            steps: list[str]) -> tuple[Category | None, list[Branch]]:
    if f.specialized_type and not f.all_people and category in (None, "Out-of-Scope Asset", "Specialized Asset"):
        steps[:] = [s for s in steps if "Out-of-Scope" not in s]  # the Level 2 reading isolation gives
        steps.append(sf.vocabulary().notes.get("l3_specialized", ""))
        return "Specialized Asset", []
    if category == "Contractor Risk Managed Asset":
        steps.append("At Level 3 an asset that can, but is not intended to, handle CUI is treated as a CUI Asset "
                     "inside the Level 3 scope.")
        return "CUI Asset", branches
    l3 = [(c, "CUI Asset" if k == "Contractor Risk Managed Asset" else k) for c, k in branches]
    merged: list[Branch] = []
    for cond, cat in l3:
        if any(cat == m[1] for m in merged):
            merged = [(m[0] + "; or " + cond, m[1]) if m[1] == cat else m for m in merged]
        else:
            merged.append((cond, cat))
    return category, merged


def _level1(f: AssetFacts, steps: list[str]) -> tuple[Category | None, list[Branch]]:
    handles = f.handles_fci if f.handles_fci is not None else (True if f.handles_cui else None)
    if f.specialized_type and handles is not False and not f.separated:
        steps.append(f"It is {f.specialized_type}: Specialized Assets are not part of the Level 1 self-assessment "
                     "scope and are not assessed against CMMC requirements.")
        return "Specialized Asset", []
    if handles is True:
        steps.append(f"{f.name} processes, stores or transmits FCI: in scope for the Level 1 self-assessment.")
        return "FCI Asset", []
    if handles is False or f.separated or f.kvm_only:
        steps.append("It does not process, store or transmit FCI: out of the Level 1 scope.")
        return "Out-of-Scope Asset", []
    steps.append("Whether the asset processes, stores or transmits FCI is not stated.")
    return None, [("it processes, stores or transmits FCI (contract documents, orders, invoices with contract "
                   "information)", "FCI Asset"),
                  ("no FCI is processed, stored or transmitted on it", "Out-of-Scope Asset")]


def _result(kb: KnowledgeBase, level: int, category: Category | None, branches: list[Branch], steps: list[str],
            facts: AssetFacts) -> ScopingResult:
    data = _category_data(kb, level, category)
    doc = documentation(level, category)
    return ScopingResult(
        level=level, category=category, in_scope=data.in_scope if data else None, reasoning=steps,
        assessor_checks=data.assessment_requirements if data else [],
        must_document=data.osa_requirements if data else [],
        need_not_document=[doc.need_not] if doc else [], documentation_source=doc.source if doc else "",
        assumptions=_assumptions(facts, category), missing_facts=_missing(facts, category, level),
        provider_notes=_provider_notes(kb, facts, category),
        citation=data.citation.document if data else "32 CFR 170.19", facts=facts,
        branches=[ConditionalBranch(condition=c, category=k, treatment=_treatment(level, k)) for c, k in branches],
    )


def documentation(level: int, category: str | None) -> DocumentationNote | None:
    """What must, and need not, be documented for ``category`` at ``level`` (scoping vocabulary data)."""
    return next((d for d in sf.vocabulary().documentation if d.level == level and d.category == category), None)


def _treatment(level: int, category: Category) -> str:
    doc = documentation(level, category)
    return doc.must if doc else ""


def _category_data(kb: KnowledgeBase, level: int, category: Category | None) -> AssetCategory | None:
    if category is None:
        return None
    name = _DATA_NAME[category]
    return next((c for c in kb.asset_categories if c.level == level and c.category == name), None)


def _missing(facts: AssetFacts, category: Category | None, level: int) -> list[str]:
    if category is not None:
        return []
    if level == 1:
        return ["Does it process, store or transmit FCI?"]
    questions = []
    if facts.handles_cui is None:
        questions.append("Does it process, store or transmit CUI (even occasionally, e.g. pasted or attached)?")
    if facts.provides_security is None and not facts.specialized_type:
        questions.append("Does it provide security functions for the CUI environment (logging, identity, "
                         "firewall, endpoint protection, backups)?")
    if facts.separated is None:
        questions.append("Is it physically or logically separated from CUI assets?")
    if facts.prevented_by_policy is None and not facts.specialized_type:
        questions.append("Do documented policy, procedures and practice keep CUI off it?")
    return questions


def _assumptions(facts: AssetFacts, category: Category | None) -> list[str]:
    notes = []
    if category == "CUI Asset" and facts.specialized_type is None and facts.asset_class != "people":
        notes.append("Assumed it is an ordinary IT asset, not IoT/OT/GFE/test equipment or a restricted system.")
    if category == "Out-of-Scope Asset" and facts.provides_security is None:
        notes.append("Assumed it provides no security functions to CUI assets.")
    if category == "Contractor Risk Managed Asset" and facts.provides_security is None:
        notes.append("Assumed it provides no security functions (that would make it a Security Protection Asset).")
    return notes


def _provider_notes(kb: KnowledgeBase, facts: AssetFacts, category: Category | None) -> list[str]:
    if not facts.cloud_or_external_service or category in (None, "Out-of-Scope Asset"):
        return []
    notes = []
    cloud = next((f for f in kb.program_facts if f.id == "dfars-7012-cloud"), None)
    if category == "CUI Asset" and cloud is not None:
        status = {True: "you say it is FedRAMP Moderate (or equivalent)", None: "confirm it",
                  False: "it must be before CUI goes there"}[facts.fedramp_moderate]
        notes.append(f"{cloud.text} ({cloud.citation.document}) For this service: {status}.")
    if category == "Security Protection Asset":
        notes.append("A cloud service provider that does not store, process or transmit CUI need not meet the "
                     "FedRAMP requirements of DFARS 252.204-7012, but the services it provides are in your "
                     "assessment scope (CMMC Scoping Guide Level 2 v2.13, External Service Provider Considerations).")
        return notes
    notes.append("An external or cloud service provider that handles CUI or security protection data for you is "
                 "part of your assessment scope: list it in the SSP and keep its responsibilities documented "
                 "(CMMC Scoping Guide Level 2 v2.13, External Service Provider Considerations).")
    return notes


def iso_scope_guidance(kb: KnowledgeBase) -> list[str]:
    """What ISO/IEC 27001 says about scope and exclusions, from the program facts."""
    return [f"{f.text} ({f.citation.document} {f.citation.section})".strip()
            for f in kb.program_facts if f.topic == "iso-scope"]
