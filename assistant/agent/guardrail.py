"""The guardrail every answer passes: no invented IDs, citations only from tool results, no claim
without a citation, and citations of company documents treated as data (``clean_citations``)."""

from __future__ import annotations

import re

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.ids import find_id_mentions
from assistant.skills.answer import Answer, Citation

REMOVED = "[unverified ID removed]"
UNSOURCED = "[ID not in the sources removed]"
NOT_IN_CATALOG = "[not in the catalog]"
QUOTED = "(quoted from the document)"
COMPANY = "company"  # the framework of the user's own documents in the index
# Terminal escape sequences (CSI, OSC, other ESC), then the remaining C0/C1 controls and bidi overrides.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}?\b(?:previous|prior|above|earlier|all|any|your|the)\b"
    r"[^.\n]{0,30}?\b(?:instructions?|prompts?|rules|directions|guidelines|context)\b"
    r"|(?:^|[\n.!?;\[<(|>])\s*(?:system|assistant|developer)\s*:"
    r"|\byou\s+are\s+now\b|\bnew\s+instructions?\b|\bpretend\s+(?:to\s+be|you)\b"
    r"|\b(?:reveal|print|show|repeat)\s+(?:your|the)\s+(?:system\s+)?prompt\b"
    r"|<\|?(?:im_start|im_end|system|endoftext)\|?>|\[/?(?:INST|SYS)\]"
    r"|\b(?:say|answer|state|report)\s+that\b[^.\n]{0,60}\b(?:met|compliant|passed)\b",
    re.IGNORECASE)
_ABSOLUTE = re.compile(r"^(?:/|\\|[A-Za-z]:[\\/]|~[\\/])")


def check(kb: KnowledgeBase, answer: Answer, allowed_ids: set[str] | None = None,
          user_ids: set[str] | None = None) -> Answer:
    """Remove IDs the catalog does not have, drop citations no tool produced, and refuse to assert
    anything when no citation remains. ``allowed_ids``: control IDs the tools returned (LLM mode);
    ``user_ids``: unknown IDs the user typed, which an answer may quote while saying they do not exist."""
    text, removed = _strip_unknown_ids(kb, answer.text, answer.refused, user_ids or set())
    unsourced: set[str] = set()
    if allowed_ids is not None:  # LLM wording: every ID it writes must come from a tool result
        text, unsourced = _strip_unsourced_ids(kb, text, allowed_ids | (user_ids or set()))
    citations = [c for c in answer.citations
                 if c.kind != "control" or (kb.try_resolve(c.id) is not None
                                            and (allowed_ids is None or c.id in allowed_ids))]
    citations = clean_citations(kb, citations)
    notes = list(answer.notes)
    if removed:
        notes.append(f"guardrail: removed IDs not in the catalog: {', '.join(sorted(removed))}")
    if unsourced:
        notes.append(f"guardrail: removed IDs no tool result supports: {', '.join(sorted(unsourced))}")
    if len(citations) < len(answer.citations):
        notes.append("guardrail: dropped citations that no tool result supports")
    checked = answer.model_copy(update={"text": text, "citations": citations, "notes": notes})
    if not checked.refused and not checked.needs_input and not checked.citations:
        return checked.model_copy(update={
            "text": "I could not find records in the knowledge base that support an answer, so I won't state one. "
                    "Name a control ID, an asset to scope, or a topic such as SPRS scoring, POA&M rules or evidence "
                    "gaps, and I'll answer from the sources.",
            "refused": True, "refusal_reason": "no supporting records", "confidence": 0.0,
        })
    return checked


def _family_key(kb: KnowledgeBase, typed: str) -> str | None:
    """One key for every spelling of a requirement (AC.L2-3.1.1, 3.1.1 and 3.1.1[a] share 3.1.1)."""
    control = kb.try_resolve(typed)
    if control is None:
        return None
    control = kb.canonical_requirement(control)
    if control.kind == "objective":
        control = kb.resolve(control.parent)
    return f"{control.framework.value}:{control.id}"


def _strip_unsourced_ids(kb: KnowledgeBase, text: str, allowed: set[str]) -> tuple[str, set[str]]:
    keys = {key for typed in allowed if (key := _family_key(kb, typed))}
    removed = set()
    for mention in reversed(find_id_mentions(text)):
        key = _family_key(kb, mention.text)
        if key is not None and key not in keys:
            removed.add(mention.text)
            text = text[: mention.start] + UNSOURCED + text[mention.end:]
    return text, removed


def _strip_unknown_ids(kb: KnowledgeBase, text: str, refused: bool, user_ids: set[str]) -> tuple[str, set[str]]:
    """Replace every ID-looking span that does not resolve; a refusal may name the unknown ID it explains."""
    if refused:
        return text, set()
    removed = set()
    for mention in reversed(find_id_mentions(text)):
        if mention.text not in user_ids and kb.try_resolve(mention.text) is None:
            removed.add(mention.text)
            text = text[: mention.start] + REMOVED + text[mention.end:]
    return text, removed


def clean_citations(kb: KnowledgeBase, citations: list[Citation]) -> list[Citation]:
    """Citations as data: control characters and terminal escape sequences stripped from every citation;
    for company documents also IDs the catalog lacks marked, instruction-like text shown only as a quoted
    excerpt, and a server path reduced to the file name."""
    cleaned = []
    for citation in citations:
        fields = {name: _strip_controls(getattr(citation, name)) for name in ("id", "title", "source", "snippet")}
        if citation.framework == COMPANY:
            fields = {name: _document_text(kb, value) for name, value in fields.items()}
            fields["source"] = _relative(fields["source"])
        cleaned.append(citation.model_copy(update=fields))
    return cleaned


def _strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences, control characters (newlines and tabs stay), zero-width
    characters or bidi overrides; Unicode line separators become spaces."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\u2028", " ").replace("\u2029", " ")))


def _document_text(kb: KnowledgeBase, text: str) -> str:
    for mention in reversed(find_id_mentions(text)):
        if kb.try_resolve(mention.text) is None:
            text = f"{text[: mention.end]} {NOT_IN_CATALOG}{text[mention.end:]}"
    if _INSTRUCTION.search(text):
        excerpt = " ".join(text.replace("\u201c", '"').replace("\u201d", '"').split())
        return f"\u201c{excerpt[:300]}\u201d {QUOTED}"
    return text


def _relative(source: str) -> str:
    """A path relative to the indexed folder stays; an absolute one (an index built before sources were
    stored relative) is cut to its file name, so no server path is shown."""
    return re.split(r"[\\/]", source.rstrip("\\/"))[-1] if _ABSOLUTE.match(source) else source
