"""What the user says is NOT MET or partial: from the context, from plain statements and from named IDs.

Shared by the SPRS and POA&M skills.
"""

from __future__ import annotations

import re

from assistant.knowledge import FrameworkId
from assistant.knowledge.ids import find_id_mentions
from assistant.skills.base import SkillInput
from assistant.tools import scoring

# Plain statements of status that name no ID ("we lack FIPS crypto"): each names the requirement it fails.
_NOT = r"(?:\bno\b|\bnot\b|n't\b|\black\w*|\bwithout\b|\bmissing\b|\bnon-?)"
_STATEMENTS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(_NOT + r"[^.]{0,20}\bfips\b|\bfips\b[^.]{0,20}" + _NOT, re.I), "partial", "3.13.11"),
    (re.compile(r"\b(no|without|not using|lack)\b[^.]{0,15}\b(encryption|crypto\w*)\b", re.I), "not_met", "3.13.11"),
    (re.compile(r"\b(no|without|lack|missing)\b[^.]{0,10}\b(mfa|multi-?factor)\b", re.I), "not_met", "3.5.3"),
    (re.compile(r"\b(no|without|lack|missing)\b[^.]{0,10}\b(ssp|system security plan)\b", re.I), "not_met", "3.12.4"),
]


_GAP_CUE = re.compile(r"\b(no|not|never|without|lack\w*|missing|none|nobody|only|just)\b|n't\b", re.I)
_STATEMENT_SPLIT = re.compile(r"(?<=[.;!?])\s+|,\s*(?:and\s+)?|\s+and\s+(?=(?:we|our|there|nobody|no)\b)", re.I)
_QUESTION = re.compile(r"\?\s*$|^\s*(what|how|can|could|may|will|would|is|are|do|does|should)\b", re.I)
GAP_SIMILARITY = 0.6  # a described gap names a requirement only when its best match is at least this close


_MFA_SENTENCE = re.compile(r"[^.;!?]*\b(?:mfa|multi-?factor|2fa|two-factor)\b[^.;!?]*", re.I)
_ONLY = re.compile(r"\b(only|just|but not)\b", re.I)
_PRIVILEGED = re.compile(r"\b(admins?|administrators?|privileged|it staff|domain admins?)\b", re.I)
_REMOTE = re.compile(r"\b(remote|vpn|off-?site)\b", re.I)


def mfa_status(question: str) -> str | None:
    """DoD Assessment Methodology 3.5.3: "partial" when MFA covers remote AND privileged users only (3 points),
    "not_met" when it covers only some of them (e.g. admins only: 5 points), None when not described."""
    for sentence in _MFA_SENTENCE.findall(question):
        if not _ONLY.search(sentence):
            continue
        if _PRIVILEGED.search(sentence) and _REMOTE.search(sentence):
            return "partial"
        if _PRIVILEGED.search(sentence) or _REMOTE.search(sentence):
            return "not_met"
    return None


def described_gaps(inp: SkillInput, known: set[str]) -> list[str]:
    """Requirements the question describes as failing in plain words ("nobody reviews the logs"): each
    statement with a gap cue and no ID is matched to its closest requirement, when the match is close."""
    found: list[str] = []
    for statement in _STATEMENT_SPLIT.split(inp.frame.question):
        if not _GAP_CUE.search(statement) or _QUESTION.search(statement) or find_id_mentions(statement):
            continue
        if any(pattern.search(statement) for pattern, _, _ in _STATEMENTS) or _MFA_SENTENCE.search(statement):
            continue  # partial credit and named statements are read above
        hits = [h for h in inp.deps.search(statement, 1, "nist-800-171r2") if not h.breakdown.pinned]
        if hits and (hits[0].breakdown.dense_similarity or 0) >= GAP_SIMILARITY:
            rid = inp.deps.kb.canonical_requirement(inp.deps.kb.resolve(hits[0].anchor)).id
            if rid not in known and rid not in found:
                found.append(rid)
    return found[:8]


# Requirements a CMMC assessment scores: Level 2 (SP 800-171, with its objectives) and Level 3 (SP 800-172)
_ASSESSED = (FrameworkId.NIST_800_171R2, FrameworkId.NIST_800_171A, FrameworkId.NIST_800_172,
             FrameworkId.NIST_800_172A)


def stated_status(inp: SkillInput, named_as_not_met: bool = True) -> scoring.RequirementStatus:
    """NOT MET, partial and not-applicable IDs from the context, the question's statements and its named IDs."""
    context = inp.deps.context
    not_met, partial = list(context.not_met_ids), list(context.partial_ids)
    for pattern, kind, rid in _STATEMENTS:
        if pattern.search(inp.frame.question) and rid not in not_met + partial:
            (partial if kind == "partial" else not_met).append(rid)
    mfa = mfa_status(inp.frame.question)
    if mfa and "3.5.3" not in not_met + partial:
        (partial if mfa == "partial" else not_met).append("3.5.3")
    not_met += described_gaps(inp, set(not_met + partial))
    if named_as_not_met:
        for control in inp.frame.controls:
            requirement = inp.deps.kb.canonical_requirement(control)
            objective = requirement.framework in (FrameworkId.NIST_800_171A, FrameworkId.NIST_800_172A)
            rid = requirement.parent if objective else requirement.id
            if requirement.framework in _ASSESSED and rid not in partial:
                not_met.append(rid)
    return scoring.RequirementStatus(not_met=sorted(set(not_met)), partial=sorted(set(partial)),
                                     not_applicable=list(context.not_applicable_ids))
