"""Finding the practitioner lexicon's terms (``knowledge/authored/lexicon.yaml``: products, tools and jargon,
each with its aliases) in text, as question understanding, SSP facts and the SSP names guardrail all do."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.models import LexiconEntry


def names_pattern(names: Iterable[str], plurals: bool = False) -> re.Pattern[str]:
    """One pattern for any of ``names`` as whole words in any case, the longest first (so "Windows LAPS" wins
    over "LAPS"); with ``plurals`` a name may end in -s or -es ("SIEMs")."""
    ordered = sorted(set(names), key=lambda name: (-len(name), name))
    ending = r"(?:e?s)?" if plurals else ""
    return re.compile(r"\b(?:" + "|".join(re.escape(name) for name in ordered) + r")" + ending + r"\b", re.I)


@lru_cache(maxsize=8)
def entry_patterns(kb: KnowledgeBase, plurals: bool = False) -> tuple[tuple[re.Pattern[str], LexiconEntry], ...]:
    """One pattern per lexicon entry (its term and aliases), with the entry."""
    return tuple((names_pattern([entry.term, *entry.aliases], plurals), entry) for entry in kb.lexicon)


@lru_cache(maxsize=4)
def any_term_pattern(kb: KnowledgeBase) -> re.Pattern[str]:
    """One pattern over every term and alias of the lexicon (``finditer`` gives the names as written)."""
    return names_pattern(name for entry in kb.lexicon for name in (entry.term, *entry.aliases))
