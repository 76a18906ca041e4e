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
from assistant.knowledge.models import AssetCategory

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


class ScopingResult(BaseModel):
    """A verdict with its reasoning, or the questions that must be answered first."""

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


# ---- reading facts from a description -------------------------------------------------------

_NEGATED_CUI = re.compile(
    r"\b(no|never|not|n't|without|doesn't|does not|don't|do not|won't|cannot|can't)\b[^.;]{0,40}\bcui\b"
    r"|\bcui\b[^.;]{0,20}\b(is not|isn't|never|not)\b[^.;]{0,15}\b(stored|processed|transmitted|allowed|present)",
    re.I)
_CUI_WORD = r"(?:cui|controlled unclassified information|itar|export[- ]controlled|technical data|cui drawings?)"
_VERB = (r"(?:paste[sd]?|stor(?:e|es|ed|ing)|process(?:es|ed|ing)?|transmit(?:s|ted)?|sen(?:d|ds|t)|upload(?:s|ed)?|"
         r"receiv(?:e|es|ed)|contain(?:s|ed)?|hold(?:s)?|keep(?:s)?|sav(?:e|es|ed)|shar(?:e|es|ed)|e-?mail(?:s|ed)?|"
         r"attach(?:es|ed)?|download(?:s|ed)?|put(?:s)?|handl(?:e|es|ed|ing)|touch(?:es)?|has|have|with|"
         r"land(?:s|ed)?|ends? up)")
_HANDLES = re.compile(rf"\b{_VERB}\b[^.;]{{0,40}}\b{_CUI_WORD}\b|\b{_CUI_WORD}\b[^.;]{{0,25}}\b(?:is|are|gets?|"
                      r"ends? up)\b[^.;]{0,15}\b(?:stored|pasted|processed|kept|saved|shared|sent)"
                      rf"|\b{_CUI_WORD}\s+(?:lands?|landed|ends? up|sits?|lives?)\b", re.I)
_CAPABLE = re.compile(rf"\b(?:could|can|may|might|able to|capable of)\b[^.;]{{0,30}}\b{_CUI_WORD}\b", re.I)
_FCI = re.compile(r"\b(fci|federal contract information|contract information)\b", re.I)
_SECURITY = re.compile(
    r"\b(firewall|siem|edr|xdr|antivirus|anti-virus|identity provider|idp|active directory|entra|okta|mfa server|"
    r"log (?:server|collector)|syslog|vulnerability scanner|ids|ips|vpn concentrator|pam|password manager|"
    r"security operations|soc|mdm|intune|proxy|backup (?:server|system)|rmm|remote monitoring|remote management|"
    r"management tool)\b", re.I)
_PREVENTED = re.compile(r"\b(prohibit\w*|not (?:allowed|permitted|intended)|forbid\w*|banned|policy (?:says|bars|"
                        r"forbids)|dlp|blocked from)\b", re.I)
_SPECIALIZED = {
    "IoT": re.compile(r"\b(iot|smart (?:tv|camera|thermostat)|badge reader|camera)\b", re.I),
    "OT": re.compile(r"\b(ot|plc|scada|ics|hmi|cnc|operational technology|machine controller)\b", re.I),
    "GFE": re.compile(r"\b(gfe|government[- ]furnished)\b", re.I),
    "Test Equipment": re.compile(r"\b(test equipment|oscilloscope|spectrum analyzer|power meter)\b", re.I),
    "Restricted Information System": re.compile(r"\b(restricted information system|legacy|obsolete|"
                                                r"deliverable replica)\b", re.I),
}
_SEPARATED = re.compile(r"\b(air[- ]?gapped|isolated|separate(?:d)? network|segmented|no connection|vdi client|"
                        r"keyboard/video/mouse|kvm)\b", re.I)
_CLOUD = re.compile(r"\b(cloud|saas|jira|confluence|slack|teams|microsoft 365|office 365|m365|google workspace|"
                    r"gmail|aws|azure|gcc(?: high)?|salesforce|github|dropbox|box\.com|zoom|msp|mssp|"
                    r"managed service|external service provider)\b", re.I)
_FEDRAMP = re.compile(r"\bfedramp\b", re.I)


def facts_from_description(text: str) -> AssetFacts:
    """Read the facts a description states; everything it does not state stays unknown."""
    prevented = bool(_PREVENTED.search(text))
    capable = bool(_CAPABLE.search(text))
    negated = bool(_NEGATED_CUI.search(text))
    specialized = next((name for name, pattern in _SPECIALIZED.items() if pattern.search(text)), None)
    handles: bool | None = None
    if negated or (capable and prevented):
        handles = False  # "never touches CUI"; "could hold CUI but policy prohibits it"
    elif _HANDLES.search(text) and not capable:
        handles = True
    return AssetFacts(
        handles_cui=handles,
        handles_fci=True if _FCI.search(text) else None,
        provides_security=True if _SECURITY.search(text) else None,
        can_handle_cui=True if capable or (negated and prevented) else None,
        prevented_by_policy=True if prevented else None,
        specialized_type=specialized,
        separated=True if _SEPARATED.search(text) else None,
        cloud_or_external_service=True if _CLOUD.search(text) else None,
        fedramp_moderate=True if _FEDRAMP.search(text) and re.search(r"moderate|high", text, re.I) else None,
        name=_asset_name(text),
    )


def _asset_name(text: str) -> str:
    match = _CLOUD.search(text) or _SECURITY.search(text)
    return match.group(0) if match else "the asset"


# ---- the decision procedure -----------------------------------------------------------------

def classify_asset(kb: KnowledgeBase, facts: AssetFacts, level: int = 2) -> ScopingResult:
    """Decide the asset's category at ``level`` following 32 CFR 170.19 (b) for Level 1, (c) for 2, (d) for 3."""
    if level == 1:
        return _level1(kb, facts)
    steps: list[str] = []
    category = _decide(facts, steps)
    return _result(kb, level, category, steps, facts)


def _decide(facts: AssetFacts, steps: list[str]) -> Category | None:
    if facts.handles_cui is True:
        steps.append(f"{facts.name} processes, stores or transmits CUI, so it is in scope whatever was intended.")
        if facts.specialized_type:
            steps.append(f"It is {facts.specialized_type}, which can handle CUI but cannot be fully secured: "
                         "a Specialized Asset.")
            return "Specialized Asset"
        return "CUI Asset"
    if facts.provides_security is True:
        steps.append(f"{facts.name} provides security functions or capabilities to the CUI scope: a Security "
                     "Protection Asset, whether or not CUI passes through it.")
        return "Security Protection Asset"
    if facts.handles_cui is None:
        steps.append("Whether the asset processes, stores or transmits CUI decides everything else, and it is not "
                     "known.")
        return None
    steps.append(f"{facts.name} does not process, store or transmit CUI.")
    if facts.separated is True:
        steps.append("It is physically or logically separated from CUI assets and provides no security to them: "
                     "Out-of-Scope (be ready to justify why it cannot handle CUI).")
        return "Out-of-Scope Asset"
    if facts.can_handle_cui is True or facts.prevented_by_policy is True:
        if facts.prevented_by_policy is True:
            steps.append("It could handle CUI but policy, procedures and practice keep CUI off it: a Contractor Risk "
                         "Managed Asset (no separation required).")
            return "Contractor Risk Managed Asset"
        steps.append("It could handle CUI, and nothing is said about policy and practice keeping CUI off it.")
        return None
    if facts.can_handle_cui is False:
        steps.append("It cannot process, store or transmit CUI and gives no security protection: Out-of-Scope.")
        return "Out-of-Scope Asset"
    steps.append("Whether it is separated from CUI assets, or kept free of CUI by policy and practice, is not known.")
    return None


def _result(kb: KnowledgeBase, level: int, category: Category | None, steps: list[str],
            facts: AssetFacts) -> ScopingResult:
    data = _category_data(kb, level, category)
    if level == 3 and category == "Contractor Risk Managed Asset":
        steps.append("At Level 3 a Contractor Risk Managed Asset inside the Level 3 scope is treated as a CUI Asset.")
        category, data = "CUI Asset", _category_data(kb, 3, "CUI Asset")
    missing = _missing(facts, category)
    return ScopingResult(
        level=level, category=category, in_scope=data.in_scope if data else None, reasoning=steps,
        assessor_checks=data.assessment_requirements if data else [],
        must_document=data.osa_requirements if data else [],
        assumptions=_assumptions(facts, category), missing_facts=missing,
        provider_notes=_provider_notes(kb, facts, category),
        citation=data.citation.document if data else "32 CFR 170.19", facts=facts,
    )


def _level1(kb: KnowledgeBase, facts: AssetFacts) -> ScopingResult:
    steps: list[str] = []
    handles = facts.handles_fci if facts.handles_fci is not None else facts.handles_cui
    category: Category | None
    if handles is True and facts.specialized_type:
        steps.append(f"It can handle FCI but is {facts.specialized_type}: Specialized Assets are not part of the "
                     "Level 1 scope.")
        category = "Specialized Asset"
    elif handles is True:
        steps.append(f"{facts.name} processes, stores or transmits FCI: in scope for the Level 1 self-assessment.")
        category = "FCI Asset"
    elif handles is False:
        steps.append("It does not process, store or transmit FCI: out of scope, with no documentation required.")
        category = "Out-of-Scope Asset"
    else:
        steps.append("Whether the asset processes, stores or transmits FCI is not known.")
        category = None
    result = _result(kb, 1, category, steps, facts)
    result.missing_facts = [] if category else ["Does it process, store or transmit FCI?"]
    return result


def _category_data(kb: KnowledgeBase, level: int, category: Category | None) -> AssetCategory | None:
    if category is None:
        return None
    name = _DATA_NAME[category]
    return next((c for c in kb.asset_categories if c.level == level and c.category == name), None)


def _missing(facts: AssetFacts, category: Category | None) -> list[str]:
    if category is not None:
        return []
    questions = []
    if facts.handles_cui is None:
        questions.append("Does it process, store or transmit CUI (even occasionally, e.g. pasted or attached)?")
    if facts.provides_security is None:
        questions.append("Does it provide security functions for the CUI environment (logging, identity, "
                         "firewall, endpoint protection, backups)?")
    if facts.handles_cui is False or facts.can_handle_cui:
        questions.append("Is it physically or logically separated from CUI assets?")
        questions.append("Do documented policy, procedures and practice keep CUI off it?")
    return questions


def _assumptions(facts: AssetFacts, category: Category | None) -> list[str]:
    notes = []
    if category == "CUI Asset" and facts.specialized_type is None:
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
    notes.append("An external or cloud service provider that handles CUI or security protection data for you is "
                 "part of your assessment scope: list it in the SSP and keep its responsibilities documented "
                 "(CMMC Scoping Guide Level 2 v2.13, External Service Provider Considerations).")
    return notes


def iso_scope_guidance(kb: KnowledgeBase) -> list[str]:
    """What ISO/IEC 27001 says about scope and exclusions, from the program facts."""
    return [f"{f.text} ({f.citation.document} {f.citation.section})".strip()
            for f in kb.program_facts if f.topic == "iso-scope"]
