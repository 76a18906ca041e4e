"""``recommend_path``: ISO 27001, CMMC (which level) or both as one program, from the company's situation.
The decision is code; every reason it gives is a cited program fact from the knowledge data."""

from __future__ import annotations

import re

from pydantic import BaseModel

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.models import ProgramFact


class CompanyFacts(BaseModel):
    """The situation; None means not said."""

    dod_work: bool | None = None  # DoD contracts or bids (prime or sub)
    handles_cui: bool | None = None
    handles_fci: bool | None = None
    cmmc_flowed_down: bool | None = None  # a prime requires CMMC
    dfars_clauses: bool | None = None  # DFARS 252.204-7012/-7021 in contracts
    commercial_iso_demand: bool | None = None  # enterprise, finance, healthcare or global buyers ask for ISO 27001
    has_iso_certificate: bool | None = None


class Recommendation(BaseModel):
    """What to pursue, why, and the facts it rests on."""

    path: str  # "ISO 27001", "CMMC Level 1", "CMMC Level 2", "both: ISO 27001 foundation + CMMC Level N"
    cmmc_level: int | None
    iso: bool
    reasons: list[str]
    facts: list[ProgramFact]
    missing_facts: list[str]


def facts_from_text(text: str) -> CompanyFacts:
    """Read the situation from a question such as "we bid on DoD work with CUI and banks ask for ISO"."""
    lower = text.lower()
    def has(pattern: str) -> bool:
        return re.search(pattern, lower) is not None
    return CompanyFacts(
        dod_work=True if has(r"\b(dod|defen[cs]e|pentagon|army|navy|air force|prime contractor|subcontract)") else None,
        handles_cui=(False if has(r"\b(no|never|don't|do not)\b[^.]{0,20}\bcui\b")
                     else True if has(r"\bcui\b") else None),
        handles_fci=True if has(r"\b(fci|federal contract information)\b") else None,
        cmmc_flowed_down=True if has(r"\b(prime|flow(?:s|ed)? ?down|requires? cmmc)") else None,
        dfars_clauses=True if has(r"252\.204-70(12|21)|dfars") else None,
        commercial_iso_demand=True if has(r"\b(banks?|financ\w*|health\w*|hospitals?|enterprises?|global|europe\w*|"
                                          r"(?:customers?|buyers?|clients?) (?:ask|want|require)\w*)\b") else None,
        has_iso_certificate=True if has(r"\b(iso certified|have iso|we're iso|we are iso)") else None,
    )


def recommend_path(kb: KnowledgeBase, facts: CompanyFacts) -> Recommendation:
    """Decide the path; ask for what is missing instead of guessing."""
    level, reasons, missing = _cmmc_level(facts)
    iso = bool(facts.commercial_iso_demand or facts.has_iso_certificate)
    if facts.commercial_iso_demand is None and facts.has_iso_certificate is None:
        missing.append("Do commercial buyers (enterprise, finance, healthcare, international) ask for ISO 27001?")
    if iso:
        reasons.append("Commercial buyers ask for ISO/IEC 27001 certification, which CMMC does not replace.")
    topics = ["unified-program"] if (level and iso) else ["levels"] if level else ["iso-cycle", "iso-scope"]
    cited = [f for f in kb.program_facts if f.topic in topics]
    if level:
        cited = [f for f in cited if f.topic != "levels" or f.id.startswith(f"cmmc-level-{level}")] + (
            [f for f in kb.program_facts if f.id.startswith(f"cmmc-level-{level}")] if iso else [])
    path = (f"both: ISO 27001 foundation + CMMC Level {level}" if level and iso else
            f"CMMC Level {level}" if level else "ISO 27001" if iso else "undecided")
    return Recommendation(path=path, cmmc_level=level, iso=iso, reasons=reasons, facts=cited, missing_facts=missing)


def _cmmc_level(facts: CompanyFacts) -> tuple[int | None, list[str], list[str]]:
    reasons: list[str] = []
    missing: list[str] = []
    dod = facts.dod_work or facts.cmmc_flowed_down or facts.dfars_clauses
    if not dod:
        if facts.dod_work is None:
            missing.append("Do you hold or bid on DoD contracts or subcontracts?")
        return None, reasons, missing
    if facts.handles_cui:
        reasons.append("DoD work with CUI needs CMMC Level 2 (NIST SP 800-171 Rev 2, 110 requirements); Level 3 only "
                       "where the contract names it.")
        return 2, reasons, missing
    if facts.handles_cui is None:
        missing.append("Will you receive or create CUI (look for CUI markings and DFARS 252.204-7012 in contracts)?")
    if facts.handles_fci or facts.handles_cui is False:
        reasons.append("DoD work with FCI only needs CMMC Level 1 (the 15 FAR 52.204-21 requirements).")
        return 1, reasons, missing
    reasons.append("Any DoD contract carries FCI, so at least CMMC Level 1 applies; Level 2 if CUI is involved.")
    return 1, reasons, missing
