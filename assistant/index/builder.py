"""Build and open the hybrid index: incremental by content hash, built aside and then swapped in.

A build reads the current collection (if any), reuses the vector of every document whose embedded
text is unchanged, takes other vectors from the vector caches or the model, writes everything into a
new collection plus a BM25 folder, and only then moves the pointer. Until that last step the previous
index is untouched and stays searchable; left-overs of interrupted builds are removed by the next one.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.index.bm25_store import Bm25Store
from assistant.index.chroma_store import ChromaLocation, ChromaStore
from assistant.index.documents import IndexDocument, knowledge_documents
from assistant.index.embedding import Embedder
from assistant.index.vectors import VectorCache, embed_cached
from assistant.knowledge import KnowledgeBase

Progress = Callable[[str, int, int], None]
USER_DOC_KIND = "user-doc"


@dataclass(frozen=True)
class IndexLayout:
    """Files of the index under the data folder."""

    root: Path

    @property
    def chroma(self) -> Path:
        """Local Chroma folder."""
        return self.root / "chroma"

    @property
    def models(self) -> Path:
        """ONNX exports of the embedding model."""
        return self.root / "models"

    @property
    def vector_cache(self) -> Path:
        """The user's vector cache."""
        return self.root / "vectors.npz"

    def bm25(self, build: str) -> Path:
        """BM25 folder of one build."""
        return self.root / "bm25" / build


@dataclass
class BuildReport:
    """What a build did."""

    collection: str
    documents: int
    embedded: int
    reused: int
    added: int
    changed: int
    removed: int
    seconds: float
    kb_version: str
    model_id: str


@dataclass
class IndexReader:
    """An opened build: its collection, BM25 index and every document's metadata."""

    collection: Any
    bm25: Bm25Store
    metadata: dict[str, dict[str, Any]]
    info: dict[str, Any] = field(default_factory=dict)


class IndexManager:
    """Owns the index lifecycle: build, add documents, status, open for search."""

    def __init__(self, kb: KnowledgeBase, layout: IndexLayout, location: ChromaLocation,
                 embedder: Callable[[], Embedder], model_id: str, shipped_vectors: Path | None = None):
        self.kb, self.layout, self._embedder_factory = kb, layout, embedder
        self._embedder: Embedder | None = None
        self.model_id = model_id
        self.store = ChromaStore(location, self.embedder, model_id)
        self.shipped_vectors = shipped_vectors

    def embedder(self) -> Embedder:
        """The embedding model, created on first use."""
        if self._embedder is None:
            self._embedder = self._embedder_factory()
        return self._embedder

    # ---- build -------------------------------------------------------------------------------

    def build(self, progress: Progress | None = None, user_docs: Sequence[IndexDocument] = (),
              replace_sources: frozenset[str] = frozenset()) -> BuildReport:
        """Build the index from the knowledge base, keeping the user's documents; ``user_docs`` are
        added, replacing earlier chunks of the files in ``replace_sources``."""
        started = time.perf_counter()
        report = progress or (lambda stage, done, total: None)
        current = self.store.current_name()
        old = ChromaStore.read_all(self.store.open(current)) if current else _empty_rows()
        old_rows = {doc_id: i for i, doc_id in enumerate(old["ids"])}
        docs = knowledge_documents(self.kb) + _kept_user_docs(old, replace_sources) + list(user_docs)
        docs = list({d.id: d for d in docs}.values())
        report("vectors", 0, len(docs))
        vectors, embedded, reused = self._vectors_for(docs, old, old_rows, report)
        collection = self.store.new_build()
        metadatas = [{**d.metadata, "hash": d.content_hash, "embed_hash": d.embed_hash} for d in docs]
        ChromaStore.add(collection, [d.id for d in docs], vectors, [d.keyword_text for d in docs], metadatas)
        report("keyword index", len(docs), len(docs))
        self._write_bm25(collection.name, docs, metadatas)
        collection.modify(metadata={"kb_version": self.kb.version, "model_id": self.model_id,
                                    "built_at": time.time(), "documents": len(docs)})
        self.store.set_current(collection.name)  # the swap: from here on searches read the new build
        self._clean_up(collection.name)
        report("query model", len(docs), len(docs))
        self.embedder()  # ready the query-time model now (one ONNX export on a fresh machine), not at first search
        old_hashes = {doc_id: old["metadatas"][i].get("hash") for doc_id, i in old_rows.items()}
        return BuildReport(
            collection=collection.name, documents=len(docs), embedded=embedded, reused=reused,
            added=sum(1 for d in docs if d.id not in old_rows),
            changed=sum(1 for d in docs if d.id in old_rows and old_hashes[d.id] != d.content_hash),
            removed=len(set(old_rows) - {d.id for d in docs}),
            seconds=time.perf_counter() - started, kb_version=self.kb.version, model_id=self.model_id,
        )

    def _vectors_for(self, docs: Sequence[IndexDocument], old: dict[str, Any], old_rows: dict[str, int],
                     report: Progress) -> tuple[Any, int, int]:
        """Reuse the previous build's vector where the embedded text is unchanged; else cache or model."""
        previous = VectorCache(None, self.model_id)
        for row in old_rows.values():
            meta = old["metadatas"][row]
            if meta.get("embed_hash"):
                previous.put(str(meta["embed_hash"]), _as_array(old["embeddings"][row]))
        caches = [previous]
        if self.shipped_vectors is not None and self.shipped_vectors.is_file():
            caches.append(VectorCache(self.shipped_vectors, self.model_id))
        user_cache = VectorCache(self.layout.vector_cache, self.model_id)
        caches.append(user_cache)
        reused = sum(1 for d in docs if previous.get(d.embed_hash) is not None)
        vectors, embedded = embed_cached([d.embed_hash for d in docs], [d.embed_text for d in docs],
                                         _ReportingEmbedder(self.embedder, report, len(docs)), caches, user_cache)
        user_cache.save()
        return vectors, embedded, reused

    def _write_bm25(self, build: str, docs: Sequence[IndexDocument], metadatas: list[dict[str, Any]]) -> None:
        folder = self.layout.bm25(build)
        Bm25Store.build([d.id for d in docs], [d.keyword_text for d in docs]).save(folder)
        (folder / "metadata.json").write_text(json.dumps(dict(zip([d.id for d in docs], metadatas, strict=True))),
                                              encoding="utf-8")

    def _clean_up(self, keep: str) -> None:
        self.store.drop_stale(keep)
        bm25_root = self.layout.root / "bm25"
        for folder in bm25_root.iterdir() if bm25_root.is_dir() else []:
            if folder.name != keep:
                shutil.rmtree(folder, ignore_errors=True)

    # ---- read --------------------------------------------------------------------------------

    def info(self) -> dict[str, Any] | None:
        """Metadata of the current build (counts, versions, age), or None when there is none."""
        current = self.store.current_name()
        if not current:
            return None
        collection = self.store.open(current)
        return {"collection": current, "count": collection.count(), **(collection.metadata or {})}

    def is_stale(self, info: dict[str, Any] | None) -> bool:
        """True when there is no build, or it was built from another knowledge or model version."""
        return info is None or info.get("kb_version") != self.kb.version or info.get("model_id") != self.model_id

    def open(self, progress: Progress | None = None) -> IndexReader:
        """The current build, (re)built first when missing or stale."""
        info = self.info()
        if self.is_stale(info):
            self.build(progress)
            info = self.info()
        assert info is not None
        name = str(info["collection"])
        folder = self.layout.bm25(name)
        if not (folder / "metadata.json").is_file():  # e.g. a shared Chroma server, new machine
            rows = ChromaStore.read_all(self.store.open(name))
            docs = [IndexDocument(i, d, d, m) for i, d, m in zip(rows["ids"], rows["documents"], rows["metadatas"],
                                                                 strict=True)]
            self._write_bm25(name, docs, list(rows["metadatas"]))
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
        return IndexReader(self.store.open(name), Bm25Store.load(folder), metadata, info)


class _ReportingEmbedder:
    """Passes batches to the real embedder and reports progress."""

    def __init__(self, factory: Callable[[], Embedder], report: Progress, total: int):
        self._factory, self._report, self._total = factory, report, total
        self.model_id = ""

    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        embedder = self._factory()
        parts = []
        for start in range(0, len(texts), 64):
            parts.append(embedder.embed(texts[start : start + 64]))
            self._report("embedding", min(start + 64, len(texts)), len(texts))
        return np.vstack(parts)


def _empty_rows() -> dict[str, Any]:
    return {"ids": [], "embeddings": [], "documents": [], "metadatas": []}


def _as_array(vector: Any) -> Any:
    import numpy as np

    return np.asarray(vector, dtype=np.float32)


def _kept_user_docs(old: dict[str, Any], replace_sources: frozenset[str]) -> list[IndexDocument]:
    """The user's documents already indexed, except chunks of files being re-added."""
    kept = []
    for doc_id, text, meta in zip(old["ids"], old["documents"], old["metadatas"], strict=True):
        if meta.get("kind") == USER_DOC_KIND and not {str(meta.get("anchor", "")).removeprefix("doc:"),
                                                      meta.get("source")} & replace_sources:
            clean = {k: v for k, v in meta.items() if k not in ("hash", "embed_hash")}
            kept.append(IndexDocument(doc_id, text, text, clean))
    return kept
