"""Citations as data (``clean_citations``): every citation stripped of control characters and terminal escape
sequences; a company document's citation also gets IDs the catalog lacks marked, instruction-like text shown
only as a quoted excerpt, and a server path cut to the file name. Skills clean the company citations they
repeat in their text; the guardrail cleans every citation of the final answer."""

from __future__ import annotations

import re

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.ids import find_id_mentions
from assistant.knowledge.text import strip_controls
from assistant.skills.answer import Citation

NOT_IN_CATALOG = "[not in the catalog]"
QUOTED = "(quoted from the document)"
COMPANY = "company"  # the framework of the user's own documents in the index
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


def clean_citations(kb: KnowledgeBase, citations: list[Citation]) -> list[Citation]:
    """Citations as data: control characters and terminal escape sequences stripped from every citation;
    for company documents also IDs the catalog lacks marked, instruction-like text shown only as a quoted
    excerpt, and a server path reduced to the file name. Cleaning a clean citation changes nothing."""
    cleaned = []
    for citation in citations:
        fields = {name: strip_controls(getattr(citation, name)) for name in ("id", "title", "source", "snippet")}
        if citation.framework == COMPANY:
            fields = {name: _document_text(kb, value) for name, value in fields.items()}
            fields["source"] = _relative(fields["source"])
        cleaned.append(citation.model_copy(update=fields))
    return cleaned


def _document_text(kb: KnowledgeBase, text: str) -> str:
    if text.endswith(QUOTED):  # already cleaned (a skill's citation passing the guardrail)
        return text
    for mention in reversed(find_id_mentions(text)):
        already = text[mention.end:].startswith(f" {NOT_IN_CATALOG}")
        if kb.try_resolve(mention.text) is None and not already:
            text = f"{text[: mention.end]} {NOT_IN_CATALOG}{text[mention.end:]}"
    if _INSTRUCTION.search(text):
        excerpt = " ".join(text.replace("\u201c", '"').replace("\u201d", '"').split())
        return f"\u201c{excerpt[:300]}\u201d {QUOTED}"
    return text


def _relative(source: str) -> str:
    """A path relative to the indexed folder stays; an absolute one (an index built before sources were
    stored relative) is cut to its file name, so no server path is shown."""
    return re.split(r"[\\/]", source.rstrip("\\/"))[-1] if _ABSOLUTE.match(source) else source
