"""What the user says is NOT MET or partial: from the context, from plain statements and from named IDs.

Shared by the SPRS and POA&M skills.
"""

from __future__ import annotations

import re

from assistant.knowledge import FrameworkId
from assistant.skills.base import SkillInput
from assistant.tools import scoring

# Plain statements of status that name no ID ("we lack FIPS crypto"): each names the requirement it fails.
_NOT = r"(?:\bno\b|\bnot\b|n't\b|\black\w*|\bwithout\b|\bmissing\b|\bnon-?)"
_STATEMENTS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(_NOT + r"[^.]{0,20}\bfips\b|\bfips\b[^.]{0,20}" + _NOT, re.I), "partial", "3.13.11"),
    (re.compile(r"\b(no|without|not using|lack)\b[^.]{0,15}\b(encryption|crypto\w*)\b", re.I), "not_met", "3.13.11"),
    (re.compile(r"\b(?:mfa|multi-?factor)\b[^.]{0,40}\b(?:admins?|administrators?|privileged|remote)\b[^.]{0,30}"
                r"\bonly\b|\bonly\b[^.]{0,30}\b(?:admins?|administrators?|privileged|remote)\b[^.]{0,30}"
                r"\b(?:mfa|multi-?factor)|\bmfa (?:only )?for (?:admins?|privileged|remote)", re.I),
     "partial", "3.5.3"),
    (re.compile(r"\b(no|without|lack|missing)\b[^.]{0,10}\b(mfa|multi-?factor)\b", re.I), "not_met", "3.5.3"),
    (re.compile(r"\b(no|without|lack|missing)\b[^.]{0,10}\b(ssp|system security plan)\b", re.I), "not_met", "3.12.4"),
]


def stated_status(inp: SkillInput, named_as_not_met: bool = True) -> scoring.RequirementStatus:
    """NOT MET, partial and not-applicable IDs from the context, the question's statements and its named IDs."""
    context = inp.deps.context
    not_met, partial = list(context.not_met_ids), list(context.partial_ids)
    for pattern, kind, rid in _STATEMENTS:
        if pattern.search(inp.frame.question) and rid not in not_met + partial:
            (partial if kind == "partial" else not_met).append(rid)
    if named_as_not_met:
        for control in inp.frame.controls:
            requirement = inp.deps.kb.canonical_requirement(control)
            rid = requirement.parent if requirement.framework is FrameworkId.NIST_800_171A else requirement.id
            if requirement.framework in (FrameworkId.NIST_800_171R2, FrameworkId.NIST_800_171A) and rid not in partial:
                not_met.append(rid)
    return scoring.RequirementStatus(not_met=sorted(set(not_met)), partial=sorted(set(partial)),
                                     not_applicable=list(context.not_applicable_ids))
