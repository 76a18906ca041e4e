"""How close a question comes to anything the knowledge base holds: the best cosine similarity between the
question and every indexed document (requirements, objectives, guide passages, phrasings, facts).

Questions far from all of it (other regulations, engineering, trivia) are declined rather than answered
with the nearest unrelated record: grounded or silent. The document vectors are the shipped vector cache,
so the probe needs no index and works with whichever embedder the classifier uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

GROUNDING_MIN = 0.5  # below this best similarity a question without an ID is out of scope


class GroundingProbe:
    """Best similarity of a question to the knowledge base's documents."""

    def __init__(self, vectors: np.ndarray, embed: Callable[[Sequence[str]], Any]):
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self._vectors = (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
        self._embed = embed

    @classmethod
    def from_cache(cls, cache_file: Path, keys: set[str],
                   embed: Callable[[Sequence[str]], Any]) -> GroundingProbe | None:
        """From the shipped vector cache (``knowledge/vectors``), only the rows of ``keys`` (the knowledge
        documents, not the intent phrasings cached beside them); None when the cache is missing or unreadable."""
        try:
            with np.load(cache_file, allow_pickle=False) as data:
                wanted = np.isin(data["keys"], sorted(keys))
                vectors = np.asarray(data["vectors"][wanted], dtype=np.float32)
        except (OSError, KeyError, ValueError):
            return None
        return cls(vectors, embed) if len(vectors) else None

    def score(self, question: str) -> float:
        """The best cosine similarity of ``question`` to any document."""
        vector = np.asarray(self._embed([question])[0], dtype=np.float32)
        vector /= np.linalg.norm(vector) or 1.0
        return float(np.max(self._vectors @ vector))
