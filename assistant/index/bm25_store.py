"""Keyword search: BM25 (bm25s) over the same documents, persisted beside the vectors."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np

_TOKEN = re.compile(r"[a-z]{1,2}\.l[123]-[\w.]+|[a-z]\.\d+(?:\.\d+)*|\d+(?:\.\d+)+e?|[a-z]{2}-\d+|[a-z0-9]+")
_STOP = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "has", "have", "how",
    "i", "if", "in", "is", "it", "its", "of", "on", "or", "our", "so", "that", "the", "their", "them",
    "there", "these", "this", "to", "was", "we", "what", "when", "where", "which", "who", "why", "will",
    "with", "you", "your",
))
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "s")


def tokenize(text: str) -> list[str]:
    """Lower-case tokens with IDs kept whole (3.1.1, a.8.5, ac-2, ac.l2-3.1.1) and a light stemmer."""
    tokens = []
    for token in _TOKEN.findall(text.lower()):
        if token in _STOP:
            continue
        tokens.append(_stem(token) if token.isalpha() else token)
    return tokens


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return word


class Bm25Store:
    """A BM25 index over document IDs, saved as bm25s files plus the ID list."""

    def __init__(self, retriever: Any, ids: list[str]):
        self._retriever, self.ids = retriever, ids

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> Bm25Store:
        """Index ``texts`` under ``ids``."""
        import bm25s

        retriever = bm25s.BM25()
        retriever.index([tokenize(t) for t in texts], show_progress=False)
        return cls(retriever, list(ids))

    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (replaced atomically)."""
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        self._retriever.save(str(partial))
        (partial / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(partial, folder)

    @classmethod
    def load(cls, folder: Path) -> Bm25Store:
        """Read an index written by ``save``."""
        import bm25s

        retriever = bm25s.BM25.load(str(folder))
        ids = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        return cls(retriever, ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top ``k`` (document ID, BM25 score) for ``query``, best first; empty when nothing matches."""
        tokens = tokenize(query)
        if not tokens or not self.ids:
            return []
        vocab = getattr(self._retriever, "vocab_dict", {})
        if not any(t in vocab for t in tokens):
            return []
        docs, scores = self._retriever.retrieve([tokens], k=min(k, len(self.ids)), show_progress=False)
        return [(self.ids[int(d)], float(s)) for d, s in zip(np.asarray(docs)[0], np.asarray(scores)[0], strict=True)
                if float(s) > 0]
