"""Vector cache keyed by (model, hash of the embedded text), so unchanged documents are never
embedded twice. A cache for the knowledge base ships with the package; the user's own lives in the
data folder and grows with their documents."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.index.embedding import DIMENSIONS, Embedder, Vectors


class VectorCache:
    """Vectors of one model, by text hash, stored as one ``.npz`` file (float16 on disk)."""

    def __init__(self, path: Path | None, model_id: str):
        self.path, self.model_id = path, model_id  # path None: an in-memory cache that is never saved
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        self.problem: str | None = None  # why the file could not be read (then the cache starts empty)
        if path is not None and path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    if str(data["model_id"]) == model_id:  # another model version: start empty
                        self._vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                self.problem = f"{path.name} cannot be read ({type(exc).__name__}: {str(exc)[:120]})"
                self._vectors = {}
                self._dirty = True  # the next save replaces the unreadable file

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, key: str) -> np.ndarray | None:
        """The cached vector for ``key``, if any."""
        return self._vectors.get(key)

    def put(self, key: str, vector: np.ndarray) -> None:
        """Remember a vector (saved by ``save``)."""
        self._vectors[key] = vector.astype(np.float16)
        self._dirty = True

    def save(self) -> None:
        """Write the cache atomically if anything was added."""
        if not self._dirty or self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._vectors)
        partial = self.path.with_name(self.path.name + ".partial.npz")
        np.savez_compressed(partial, model_id=np.array(self.model_id), keys=np.array(keys),
                            vectors=np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, DIMENSIONS)))
        os.replace(partial, self.path)
        self._dirty = False


def embed_cached(keys: Sequence[str], texts: Sequence[str], embedder: Embedder,
                 caches: Sequence[VectorCache], writable: VectorCache) -> tuple[Vectors, int]:
    """Vectors for ``texts``: from the first cache that has each key, the rest embedded and written to
    ``writable``. Returns the vectors and how many had to be embedded."""
    found: dict[int, np.ndarray] = {}
    for index, key in enumerate(keys):
        for cache in caches:
            vector = cache.get(key)
            if vector is not None:
                found[index] = vector
                break
    first_of: dict[str, int] = {}  # identical texts are embedded once
    for index in range(len(keys)):
        if index not in found:
            first_of.setdefault(keys[index], index)
    missing = list(first_of.values())
    if missing:
        fresh = embedder.embed([texts[i] for i in missing])
        by_key = {keys[index]: fresh[row] for row, index in enumerate(missing)}
        for key, vector in by_key.items():
            writable.put(key, vector)
        for index in range(len(keys)):
            if index not in found:
                found[index] = by_key[keys[index]]
    if not keys:
        return np.zeros((0, DIMENSIONS), dtype=np.float32), 0
    return np.stack([found[i] for i in range(len(keys))]).astype(np.float32), len(missing)


def text_key(text: str) -> str:
    """The cache key of a text (the same hash ``IndexDocument.embed_hash`` uses)."""
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def with_shipped_vectors(embedder: Embedder, shipped: Path, model_id: str) -> Callable[[Sequence[str]], Vectors]:
    """An embed function that takes vectors from the shipped cache first (intent phrasings are precomputed)."""
    cache = VectorCache(shipped, model_id)
    scratch = VectorCache(None, model_id)

    def embed(texts: Sequence[str]) -> Vectors:
        return embed_cached([text_key(t) for t in texts], list(texts), embedder, [cache, scratch], scratch)[0]

    return embed
