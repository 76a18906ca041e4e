"""How close a question comes to anything the knowledge base holds: the best cosine similarity between the
question and every indexed document (requirements, objectives, guide passages, phrasings, facts).

Questions far from all of it (other regulations, engineering, trivia) are declined rather than answered
with the nearest unrelated record: grounded or silent. The document vectors are the shipped vector cache,
so the probe needs no index and works with whichever embedder the classifier uses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
    def from_vectors(cls, vectors: Iterable[np.ndarray | None],
                     embed: Callable[[Sequence[str]], Any]) -> GroundingProbe | None:
        """From the documents' vectors in the shipped cache (``knowledge/vectors``; None where the cache lacks
        one); None when it has none of them (missing or unreadable)."""
        found = [np.asarray(v, dtype=np.float32) for v in vectors if v is not None]
        return cls(np.stack(found), embed) if found else None

    def score(self, question: str) -> float:
        """The best cosine similarity of ``question`` to any document."""
        vector = np.asarray(self._embed([question])[0], dtype=np.float32)
        vector /= np.linalg.norm(vector) or 1.0
        return float(np.max(self._vectors @ vector))
