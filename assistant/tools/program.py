"""``program_fact``: cited facts about the programs (levels, cadence, SPRS, POA&M, phase-in, ISO vs CMMC)."""

from __future__ import annotations

from assistant.index.bm25_store import tokenize
from assistant.knowledge import KnowledgeBase
from assistant.knowledge.models import ProgramFact


def program_fact(kb: KnowledgeBase, question: str, topic: str | None = None, limit: int = 3) -> list[ProgramFact]:
    """The facts that best match ``question`` (keywords first, then title and text), optionally one topic."""
    words = set(tokenize(question))
    scored = []
    for fact in kb.program_facts:
        if topic and fact.topic != topic:
            continue
        keywords = {k.lower() for k in fact.keywords}
        score = 3 * sum(1 for k in keywords if k in question.lower())
        score += 2 * len(words & set(tokenize(fact.title)))
        score += len(words & set(tokenize(fact.text)))
        if score:
            scored.append((score, fact))
    scored.sort(key=lambda pair: -pair[0])
    return [fact for _, fact in scored[:limit]] if not topic else [f for _, f in scored] or [
        f for f in kb.program_facts if f.topic == topic]
