"""The guardrail every answer passes: no invented IDs, citations only from tool results, no claim
without a citation, and citations of company documents treated as data (``clean_citations``)."""

from __future__ import annotations

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.ids import find_id_mentions
from assistant.knowledge.text import strip_controls
from assistant.skills.answer import Answer
from assistant.skills.citations import COMPANY as COMPANY
from assistant.skills.citations import NOT_IN_CATALOG as NOT_IN_CATALOG
from assistant.skills.citations import QUOTED as QUOTED
from assistant.skills.citations import clean_citations

REMOVED = "[unverified ID removed]"
UNSOURCED = "[ID not in the sources removed]"


def check(kb: KnowledgeBase, answer: Answer, allowed_ids: set[str] | None = None,
          user_ids: set[str] | None = None) -> Answer:
    """Remove IDs the catalog does not have, drop citations no tool produced, and refuse to assert
    anything when no citation remains. ``allowed_ids``: control IDs the tools returned (LLM mode);
    ``user_ids``: unknown IDs the user typed, which an answer may quote while saying they do not exist."""
    text, removed = _strip_unknown_ids(kb, strip_controls(answer.text), answer.refused, user_ids or set())
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
