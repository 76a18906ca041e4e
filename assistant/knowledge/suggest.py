"""Explain an unknown ID: what range the family really has, what the user probably meant, and
whether the ID exists in another revision or framework."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from assistant.knowledge.ids import IdCandidate, natural_key
from assistant.knowledge.models import Control, FrameworkId

if TYPE_CHECKING:
    from assistant.knowledge.base import KnowledgeBase

FRAMEWORK_LABEL = {
    FrameworkId.NIST_800_171R2: "NIST SP 800-171 Rev 2 requirement",
    FrameworkId.NIST_800_171A: "NIST SP 800-171A assessment objective",
    FrameworkId.NIST_800_171R3: "NIST SP 800-171 Rev 3 requirement",
    FrameworkId.NIST_800_172: "NIST SP 800-172 requirement selected by CMMC Level 3",
    FrameworkId.NIST_800_172A: "NIST SP 800-172A objective of a CMMC Level 3 requirement",
    FrameworkId.NIST_800_53R5: "NIST SP 800-53 Rev 5 control",
    FrameworkId.CMMC_2: "CMMC 2.0 practice",
    FrameworkId.FAR_52_204_21: "FAR 52.204-21(b)(1) requirement",
    FrameworkId.ISO_27001_2022: "ISO/IEC 27001:2022 clause or Annex A control",
    FrameworkId.ISO_27001_2013: "ISO/IEC 27001:2013 clause or Annex A control",
}


def explain_unknown(kb: KnowledgeBase, text: str, candidates: list[IdCandidate]) -> tuple[str, list[str]]:
    """Return (message, suggestions) for an ID that resolved to nothing."""
    if not candidates:
        pool = [c.id for c in kb.data.controls if c.kind != "objective"]
        close = difflib.get_close_matches(text.strip(), pool, n=3, cutoff=0.75)
        hint = f" Did you mean {_or_list(close)}?" if close else ""
        return f"'{text.strip()}' is not a control ID the knowledge base recognises.{hint}", close
    candidate = candidates[0]
    label = FRAMEWORK_LABEL[candidate.framework]
    article = "an" if label[0] in "AEIOU" else "a"
    parts = [f"{candidate.canonical} is not {article} {label}."]
    suggestions: list[str] = []
    siblings = _siblings(kb, candidate)
    if siblings:
        group = _group_of(candidate.canonical)
        parts[0] = parts[0][:-1] + f"; {_group_phrase(candidate, group)} {siblings[0].id}–{siblings[-1].id}."
        suggestions = _nearest(candidate.canonical, [s.id for s in siblings])
    elif candidate.framework is FrameworkId.NIST_800_171R2:
        families = sorted({c.family_id for c in kb.controls(FrameworkId.NIST_800_171R2)}, key=natural_key)
        parts[0] = parts[0][:-1] + f"; its families run {families[0]}–{families[-1]}."
    else:
        suggestions = _same_number_other_domain(kb, candidate)
        pool = kb.all_ids(candidate.framework)
        suggestions += [s for s in difflib.get_close_matches(candidate.canonical, pool, n=3, cutoff=0.6)
                        if s not in suggestions][: 3 - len(suggestions)]
    if suggestions:
        parts.append(f"Did you mean {_or_list(suggestions)}?")
    parts.extend(_elsewhere(kb, candidate))
    return " ".join(parts), suggestions


def _same_number_other_domain(kb: KnowledgeBase, candidate: IdCandidate) -> list[str]:
    """For a CMMC ID with the wrong domain (IA.L2-3.1.1), the practice with that number (AC.L2-3.1.1)."""
    if candidate.framework is not FrameworkId.CMMC_2 or "-" not in candidate.canonical:
        return []
    number = candidate.canonical.split("-", 1)[1]
    return [c.id for c in kb.controls(FrameworkId.CMMC_2) if c.id.split("-", 1)[1] == number]


def _siblings(kb: KnowledgeBase, candidate: IdCandidate) -> list[Control]:
    group = _group_of(candidate.canonical)
    if not group:
        return []
    pool = kb.controls(candidate.framework)
    return sorted((c for c in pool if _group_of(c.id) == group and c.kind != "theme"), key=lambda c: natural_key(c.id))


def _group_of(cid: str) -> str:
    """The family part of an ID: 3.14 of 3.14.9, 3.1.1 of 3.1.1[z], A.5 of A.5.38, AC.L2 of AC.L2-3.1.1."""
    if "[" in cid:
        return cid.split("[")[0]
    if re.match(r"^[A-Z]{2}\.L\d-", cid):
        return ""  # CMMC IDs are checked through difflib: the domain prefix itself may be the typo
    if re.match(r"^[A-Z]{2}-\d", cid):
        return cid.split("(")[0] if "(" in cid else ""
    return cid.rsplit(".", 1)[0] if cid.count(".") >= 2 or cid.startswith("A.") else ""


def _group_phrase(candidate: IdCandidate, group: str) -> str:
    if "[" in candidate.canonical:
        return f"the objectives of {group} run"
    if candidate.framework in (FrameworkId.ISO_27001_2022, FrameworkId.ISO_27001_2013) and group.startswith("A."):
        return f"Annex A theme {group.removeprefix('A.')} runs"
    return f"family {group} runs"


def _nearest(typed: str, ids: list[str]) -> list[str]:
    typed_key = _numeric_key(typed)
    if not typed_key:
        return difflib.get_close_matches(typed, ids, n=2, cutoff=0.5)
    ranked = sorted(ids, key=lambda i: abs((_numeric_key(i) or (0,))[-1] - typed_key[-1]))
    return ranked[:1]


def _elsewhere(kb: KnowledgeBase, candidate: IdCandidate) -> list[str]:
    """Say where the same number exists in another revision or framework."""
    notes = []
    match = re.fullmatch(r"3\.(\d+)\.(\d+)", candidate.canonical)
    if candidate.framework is FrameworkId.NIST_800_171R2 and match:
        rev3_id = f"03.{int(match[1]):02d}.{int(match[2]):02d}"
        rev3 = kb.get(FrameworkId.NIST_800_171R3, rev3_id)
        if rev3 is not None:
            notes.append(
                f"In NIST SP 800-171 Rev 3, {rev3_id} is '{rev3.title}'; CMMC assesses Rev 2, so check "
                "which revision your source was written against."
            )
    if candidate.framework is FrameworkId.ISO_27001_2022 and candidate.canonical.startswith("A."):
        old = kb.get(FrameworkId.ISO_27001_2013, candidate.canonical)
        if old is not None:
            notes.append(f"{candidate.canonical} is an ISO/IEC 27001:2013 heading ('{old.title}').")
    return notes


def _numeric_key(cid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", cid))


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
