"""The names guardrail of SSP drafts: a statement may name only products, tools, people and practices that the
profile or the evidence register contains (checked like invented control IDs: offline drafts pass by
construction; a draft an LLM rewrote is checked the same way before it is shown)."""

from __future__ import annotations

import re

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.lexicon import any_term_pattern
from assistant.workspace.facts import Fact
from assistant.workspace.ssp import NOT_DESCRIBED, SspDraft

_NAME = re.compile(r"\b[A-Z][A-Za-z0-9&+.\-]*[A-Za-z0-9+]|\b[A-Z]\b")
_TEMPLATE = f"{NOT_DESCRIBED}: no profile fact or evidence item covers this objective. evidence"


def unsupported_names(kb: KnowledgeBase, draft: SspDraft, facts: list[Fact]) -> list[str]:
    """Capitalized names and lexicon practices in the statements that no fact, nor the requirement's own
    text, contains."""
    requirement = kb.resolve(draft.requirement)
    allowed = " ".join([_TEMPLATE, requirement.title, requirement.text, *(o.objective for o in draft.objectives),
                        *(f"{f.name} {f.text} {f.source}" for f in facts)]).lower()
    allowed_words = set(re.findall(r"[a-z0-9&+.\-]+", allowed))
    found: list[str] = []
    for statement in (o.statement for o in draft.objectives):
        for name in _NAME.findall(statement):
            if name.lower().strip(".") not in allowed_words and name not in found:
                found.append(name)
        for match in any_term_pattern(kb).finditer(statement):
            term = match.group(0)
            if term.lower() not in allowed and term not in found:
                found.append(term)
    return found
