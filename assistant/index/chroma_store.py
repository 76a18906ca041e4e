"""ChromaDB: a persistent local folder or a Chroma server, telemetry off, our embedding function.

Builds never write into the collection being read: each build fills a new collection and then moves
a pointer (the metadata of a small pointer collection) to it, so an interrupted build leaves the
previous index whole. The same mechanism works for a local folder and a shared server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index.embedding import Embedder

POINTER = "compliance_assistant_pointer"
PREFIX = "compliance_assistant_build_"  # must not prefix POINTER: stale builds are dropped by prefix
BATCH = 500


@dataclass(frozen=True)
class ChromaLocation:
    """Where Chroma lives: a local folder, or a server when ``host`` is set."""

    path: Path
    host: str | None = None
    port: int = 8000

    def describe(self) -> str:
        """Human-readable location for status output."""
        return f"chroma server {self.host}:{self.port}" if self.host else f"local folder {self.path}"


def _embedding_function_class() -> type:
    """Build (once) the Chroma embedding-function class wrapping our embedder."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

    class AssistantEmbeddingFunction(EmbeddingFunction[Documents]):
        """Chroma calls this only if text reaches it without vectors; it never downloads anything."""

        def __init__(self, provider: Callable[[], Embedder] | None = None, model_id: str = ""):
            self._provider, self._model_id = provider, model_id

        def __call__(self, input: Documents) -> Embeddings:
            if self._provider is None:
                raise RuntimeError("no embedder attached to this collection handle")
            return [np.asarray(v, dtype=np.float32) for v in self._provider().embed(list(input))]

        @staticmethod
        def name() -> str:
            return "compliance-assistant-minilm"

        def default_space(self) -> Any:
            return "cosine"

        def get_config(self) -> dict[str, Any]:
            return {"model_id": self._model_id}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> AssistantEmbeddingFunction:
            return AssistantEmbeddingFunction(None, str(config.get("model_id", "")))

    return AssistantEmbeddingFunction


_EF_CLASS: type | None = None


class ChromaStore:
    """Collections of index builds plus the pointer to the current one."""

    def __init__(self, location: ChromaLocation, provider: Callable[[], Embedder] | None = None, model_id: str = ""):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        global _EF_CLASS
        _EF_CLASS = _EF_CLASS or _embedding_function_class()
        self.location = location
        self._ef = _EF_CLASS(provider, model_id)
        settings = ChromaSettings(anonymized_telemetry=False)
        if location.host:
            self.client = chromadb.HttpClient(host=location.host, port=location.port, settings=settings)
        else:
            location.path.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(location.path), settings=settings)

    # ---- pointer -------------------------------------------------------------------------

    def current_name(self) -> str | None:
        """Name of the collection searches read, if a build ever finished."""
        current = (self._pointer().metadata or {}).get("current")
        return str(current) if current else None

    def set_current(self, name: str) -> None:
        """Point searches at ``name`` (one metadata write: the swap)."""
        self._pointer().modify(metadata={"current": name, "swapped_at": time.time()})

    def _pointer(self) -> Any:
        return self.client.get_or_create_collection(POINTER, embedding_function=self._ef)

    # ---- collections ---------------------------------------------------------------------

    def new_build(self) -> Any:
        """A fresh, empty collection for a build."""
        name = f"{PREFIX}{time.strftime('%Y%m%d%H%M%S')}_{int(time.time() * 1000) % 1000:03d}"
        return self.client.create_collection(name, embedding_function=self._ef, metadata={"hnsw:space": "cosine"})

    def open(self, name: str) -> Any:
        """An existing build collection."""
        return self.client.get_collection(name, embedding_function=self._ef)

    def drop_stale(self, keep: str) -> list[str]:
        """Delete every build collection but ``keep`` (left-overs of replaced or interrupted builds)."""
        dropped = []
        for collection in self.client.list_collections():
            name = collection if isinstance(collection, str) else collection.name
            if name.startswith(PREFIX) and name != keep:
                self.client.delete_collection(name)
                dropped.append(name)
        return dropped

    @staticmethod
    def add(collection: Any, ids: Sequence[str], vectors: np.ndarray, documents: Sequence[str],
            metadatas: Sequence[dict[str, str | int]]) -> None:
        """Add rows in batches, always with our own vectors."""
        for start in range(0, len(ids), BATCH):
            end = start + BATCH
            collection.add(ids=list(ids[start:end]), embeddings=vectors[start:end],
                           documents=list(documents[start:end]), metadatas=list(metadatas[start:end]))

    @staticmethod
    def read_all(collection: Any) -> dict[str, Any]:
        """Every row of a collection with its vector, text and metadata."""
        total = collection.count()
        rows: dict[str, Any] = {"ids": [], "embeddings": [], "documents": [], "metadatas": []}
        for offset in range(0, total, BATCH):
            part = collection.get(include=["embeddings", "documents", "metadatas"], limit=BATCH, offset=offset)
            for key in rows:
                rows[key].extend(list(part[key]))
        return rows
