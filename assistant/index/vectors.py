"""Vector cache keyed by (model, hash of the embedded text), so unchanged documents are never
embedded twice. A cache for the knowledge base ships with the package; the user's own lives in the
data folder and grows with their documents."""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from assistant.index.embedding import DIMENSIONS, Embedder, Vectors

SHARD_BYTES = 2 * 2**20  # float16 bytes per shard of a sharded cache: every file stays well under 5 MiB


class VectorCache:
    """Vectors of one model, by text hash, float16 on disk: one ``.npz`` file, or, for a path without that
    suffix, a folder of ``.npz`` shards (keys spread by hash, as many shards as keep each under
    ``SHARD_BYTES``), so a cache that grows never makes one large file."""

    def __init__(self, path: Path | None, model_id: str):
        self.path, self.model_id = path, model_id  # path None: an in-memory cache that is never saved
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        self.problem: str | None = None  # why a file could not be read (then the cache starts empty)
        for file in self._files():
            try:
                self._vectors.update(self._read(file))
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
                self.problem = f"{file.name} cannot be read ({type(exc).__name__}: {str(exc)[:120]})"
                self._vectors = {}
                self._dirty = True  # the next save replaces the unreadable file
                break

    @property
    def sharded(self) -> bool:
        """Whether the cache is a folder of shards rather than one file."""
        return self.path is not None and self.path.suffix != ".npz"

    def exists(self) -> bool:
        """Whether anything of the cache is on disk."""
        return bool(self._files())

    def _files(self) -> list[Path]:
        """The files the cache is read from (none when it was never saved)."""
        if self.path is None:
            return []
        if self.sharded:
            shards = self.path.glob("*.npz") if self.path.is_dir() else []
            return sorted(f for f in shards if not f.name.endswith(".partial.npz"))
        return [self.path] if self.path.is_file() else []

    def _read(self, file: Path) -> dict[str, np.ndarray]:
        """The vectors of one file; none when it holds another model version's."""
        with np.load(file, allow_pickle=False) as data:
            if str(data["model_id"]) != self.model_id:
                return {}
            return dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

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
        """Write the cache atomically (each file) if anything was added."""
        if not self._dirty or self.path is None:
            return
        keys = sorted(self._vectors)
        if not self.sharded:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._write(self.path, keys)
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            count = max(1, -(-len(keys) * DIMENSIONS * 2 // SHARD_BYTES))
            names = {f"{n:02d}-of-{count:02d}.npz" for n in range(count)}
            for stale in self._files():
                if stale.name not in names:
                    stale.unlink()
            for n in range(count):
                self._write(self.path / f"{n:02d}-of-{count:02d}.npz", [k for k in keys if _shard(k, count) == n])
        self._dirty = False

    def _write(self, file: Path, keys: list[str]) -> None:
        """Write the vectors of ``keys`` to one file, through a partial file."""
        partial = file.with_name(file.name + ".partial.npz")
        np.savez_compressed(partial, model_id=np.array(self.model_id), keys=np.array(keys),
                            vectors=np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, DIMENSIONS)))
        os.replace(partial, file)


def _shard(key: str, count: int) -> int:
    """The shard of ``key`` among ``count`` (a stable hash, the same on every machine)."""
    return zlib.crc32(key.encode("utf-8")) % count


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


def with_shipped_vectors(embedder: Embedder, shipped: VectorCache) -> Callable[[Sequence[str]], Vectors]:
    """An embed function that takes vectors from the shipped cache first (intent phrasings are precomputed)."""
    scratch = VectorCache(None, shipped.model_id)

    def embed(texts: Sequence[str]) -> Vectors:
        return embed_cached([text_key(t) for t in texts], list(texts), embedder, [shipped, scratch], scratch)[0]

    return embed
