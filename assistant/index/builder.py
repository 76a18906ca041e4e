"""Build, check, repair and open the hybrid index: incremental by content hash, built aside and then swapped in.

A build reads the current collection (if any), reuses the vector of every document whose embedded
text is unchanged, takes other vectors from the vector caches or the model, writes everything into a
new collection plus a BM25 folder, and only then moves the pointer. Until that last step the previous
index is untouched and stays searchable; left-overs of interrupted builds are removed by the next one.

Builds and repairs hold a file lock in the index folder, so a second one waits for the first (two
``index build`` at once, or two first searches on a fresh folder). Reads take no lock: they check the
index (pointer, SQLite, HNSW probe, BM25 files, ONNX export) and take the lock only to build or mend.
"""

from __future__ import annotations

import base64
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.index.bm25_store import Bm25Store
from assistant.index.chroma_store import READY, ChromaLocation, ChromaStore, database_problem, is_ready
from assistant.index.documents import IndexDocument, knowledge_documents
from assistant.index.embedding import Embedder
from assistant.index.lock import DEFAULT_WAIT, FileLock
from assistant.index.vectors import VectorCache, embed_cached
from assistant.knowledge import KnowledgeBase

Progress = Callable[[str, int, int], None]
Notice = Callable[[str], None]
USER_DOC_KIND = "user-doc"
PROBES = 5  # documents whose own vector must come back first from the HNSW index

DATABASE = "chroma database"
POINTER = "index pointer"
VECTORS = "vector index (HNSW)"
KEYWORDS = "keyword index (BM25)"
MODEL = "embedding model (ONNX)"
CACHE = "vector cache"
REPAIR_HINT = "run `compliance-assistant index repair`"


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

    @property
    def lock(self) -> Path:
        """The build lock."""
        return self.root / "build.lock"

    def bm25(self, build: str) -> Path:
        """BM25 folder of one build."""
        return self.root / "bm25" / build


class ModelExport(Protocol):
    """A derived model file (the ONNX export) that can be checked and thrown away to be made again."""

    def problem(self, full: bool) -> str | None:
        """What is wrong with the file, or None; ``full`` checks the content, not only the size."""
        ...

    def reset(self) -> None:
        """Delete the file so that the next use makes it again."""
        ...


@dataclass(frozen=True)
class Problem:
    """One damaged part of the index."""

    part: str
    detail: str


@dataclass
class Health:
    """What a check of the index found."""

    built: bool = False
    collection: str | None = None
    stale: bool = True
    problems: list[Problem] = field(default_factory=list)
    unchecked: set[str] = field(default_factory=set)  # parts that could not be checked (behind a damaged one)

    def parts(self) -> set[str]:
        """The damaged parts."""
        return {p.part for p in self.problems}


class IndexDamaged(RuntimeError):
    """The index is damaged in a way a search does not mend on its own."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        named = "; ".join(f"{p.part}: {p.detail}" for p in self.problems)
        super().__init__(f"the search index is damaged ({named}); {REPAIR_HINT} to rebuild it")


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
    repaired: list[str] = field(default_factory=list)


@dataclass
class RepairReport:
    """What ``repair`` found, what it did, and what is still wrong afterwards (nothing, normally)."""

    found: list[Problem]
    actions: list[str]
    remaining: list[Problem]
    build: BuildReport | None = None
    unchecked: set[str] = field(default_factory=set)  # parts the first check could not reach


@dataclass
class IndexReader:
    """An opened build: its collection, BM25 index and every document's metadata."""

    collection: Any
    bm25: Bm25Store
    metadata: dict[str, dict[str, Any]]
    info: dict[str, Any] = field(default_factory=dict)


class IndexManager:
    """Owns the index lifecycle: build, add documents, status, check, repair, open for search."""

    def __init__(self, kb: KnowledgeBase, layout: IndexLayout, location: ChromaLocation,
                 embedder: Callable[[], Embedder], model_id: str, shipped_vectors: Path | None = None,
                 model_export: ModelExport | None = None, lock_wait: float = DEFAULT_WAIT):
        self.kb, self.layout, self._embedder_factory = kb, layout, embedder
        self._embedder: Embedder | None = None
        self.model_id = model_id
        self.location = location
        self.shipped_vectors = shipped_vectors
        self.model_export = model_export
        self.lock_wait = lock_wait
        self._store: ChromaStore | None = None
        self._thread_lock = threading.RLock()
        self._lock_depth = 0
        self._bm25_cache: tuple[str, Bm25Store, dict[str, Any]] | None = None  # loaded by the last check

    def embedder(self) -> Embedder:
        """The embedding model, created on first use."""
        if self._embedder is None:
            self._embedder = self._embedder_factory()
        return self._embedder

    @property
    def store(self) -> ChromaStore:
        """The Chroma collections (opening a local folder creates it: builds do that under the lock)."""
        if self._store is None:
            self._store = ChromaStore(self.location, self.embedder, self.model_id)
        return self._store

    def _fresh(self) -> bool:
        """True for a local folder with no Chroma database yet (nothing to read, nothing to check)."""
        return self.location.host is None and not (self.location.path / "chroma.sqlite3").is_file()

    @contextmanager
    def lock(self, wait: float | None = None, notice: Notice | None = None) -> Iterator[None]:
        """Hold the build lock (re-entrant within this manager); wait up to ``wait`` seconds for another
        process, telling ``notice`` once, then raise ``IndexBusy``."""
        with self._thread_lock:
            if self._lock_depth:
                self._lock_depth += 1
                try:
                    yield
                finally:
                    self._lock_depth -= 1
                return
            with FileLock(self.layout.lock, self.lock_wait if wait is None else wait, notice):
                self._lock_depth = 1
                try:
                    yield
                finally:
                    self._lock_depth = 0

    # ---- build -------------------------------------------------------------------------------

    def build(self, progress: Progress | None = None, user_docs: Sequence[IndexDocument] = (),
              replace_sources: frozenset[str] = frozenset(), wait: float | None = None,
              notice: Notice | None = None) -> BuildReport:
        """Build the index from the knowledge base, keeping the user's documents; ``user_docs`` are
        added, replacing earlier chunks of the files in ``replace_sources``. Damaged parts found on the
        way (database, model export, vector cache) are mended first and listed in the report."""
        with self.lock(wait, notice):
            health = self.check(full=True)
            repaired = self._mend_files(health)
            report = self._build_locked(progress, user_docs, replace_sources)
            report.repaired = repaired + [f"rebuilt the index ({p.part}: {p.detail})" for p in health.problems
                                          if p.part in (POINTER, VECTORS, KEYWORDS)]
            return report

    def repair(self, progress: Progress | None = None, wait: float | None = None,
               notice: Notice | None = None) -> RepairReport:
        """Check every part; rebuild what is broken (and a missing or stale index), keep what is fine."""
        with self.lock(wait, notice):
            health = self.check(full=True)
            actions = self._mend_files(health)
            build: BuildReport | None = None
            parts = health.parts()
            if not health.built or health.stale or parts & {DATABASE, POINTER, VECTORS}:
                build = self._build_locked(progress)
                why = ("it was damaged" if parts & {DATABASE, POINTER, VECTORS} else
                       "there was none" if not health.built else "it was built from another knowledge or model version")
                actions.append(f"rebuilt the index as {build.collection} ({build.documents} documents, "
                               f"{build.embedded} embedded) because {why}")
            elif KEYWORDS in parts and health.collection:
                self._rewrite_bm25(health.collection)
                actions.append(f"rewrote the keyword index of {health.collection} from Chroma")
            if MODEL in parts:
                self.embedder()
                actions.append("exported the embedding model to ONNX again")
            after = self.check(full=True)
            return RepairReport(health.problems, actions, after.problems, build, health.unchecked)

    def _mend_files(self, health: Health) -> list[str]:
        """Throw away damaged files that a build cannot write around: the Chroma database (the user's
        documents are kept in the BM25 folders and come back), the ONNX export, the vector cache."""
        actions = []
        parts = health.parts()
        if DATABASE in parts:
            if self._store is not None:
                self._store.close()
            else:
                ChromaStore.release(self.location)
            self._store = None
            moved = self.layout.root / f"chroma.damaged-{time.strftime('%Y%m%d%H%M%S')}"
            shutil.rmtree(moved, ignore_errors=True)
            self.layout.chroma.rename(moved)
            shutil.rmtree(moved, ignore_errors=True)
            actions.append("deleted the damaged Chroma database (the index is rebuilt from the knowledge base, "
                           "the vector caches and the saved copy of your documents)")
        if MODEL in parts and self.model_export is not None:
            self.model_export.reset()
            self._embedder = None
            actions.append("deleted the damaged ONNX export")
        if CACHE in parts:
            self.layout.vector_cache.unlink(missing_ok=True)
            actions.append("deleted the unreadable vector cache (missing vectors are embedded again)")
        return actions

    def _build_locked(self, progress: Progress | None, user_docs: Sequence[IndexDocument] = (),
                      replace_sources: frozenset[str] = frozenset()) -> BuildReport:
        started = time.perf_counter()
        report = progress or (lambda stage, done, total: None)
        old = self._previous_rows()
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
        collection.modify(metadata={"state": READY, "kb_version": self.kb.version, "model_id": self.model_id,
                                    "built_at": time.time(), "documents": len(docs),
                                    **_probes([d.id for d in docs], [d.embed_hash for d in docs], vectors)})
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

    def _previous_rows(self) -> dict[str, Any]:
        """Rows of the last good build: the current one (with its vectors if its HNSW index is sound),
        else the newest finished one, else only the user's documents saved beside the BM25 files."""
        current = self.store.current_name()
        names = set(self.store.names())
        candidates = [current] if current and current in names else []
        candidates += [c.name for c in self.store.builds() if c.name != current and is_ready(c.metadata or {})]
        for name in candidates:
            try:
                collection = self.store.open(name)
                sound = not self._vector_problems(collection)
                rows = ChromaStore.read_all(collection, embeddings=sound)
            except Exception:  # a collection Chroma cannot read is simply not a source
                continue
            if not sound:
                rows["embeddings"] = []
            return rows
        return self._saved_user_docs(current)

    def _vectors_for(self, docs: Sequence[IndexDocument], old: dict[str, Any], old_rows: dict[str, int],
                     report: Progress) -> tuple[Any, int, int]:
        """Reuse the previous build's vector where the embedded text is unchanged; else cache or model."""
        previous = VectorCache(None, self.model_id)
        if len(old["embeddings"]) == len(old["ids"]):
            for row in old_rows.values():
                meta = old["metadatas"][row]
                if meta.get("embed_hash"):
                    previous.put(str(meta["embed_hash"]), _as_array(old["embeddings"][row]))
        caches = [previous]
        if self.shipped_vectors is not None and self.shipped_vectors.exists():
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
        saved = [{"id": d.id, "text": d.keyword_text, "metadata": m} for d, m in zip(docs, metadatas, strict=True)
                 if m.get("kind") == USER_DOC_KIND]  # a copy of the user's documents, should Chroma be lost
        (folder / "user-docs.json").write_text(json.dumps(saved), encoding="utf-8")

    def _rewrite_bm25(self, name: str) -> None:
        """Write the BM25 folder of a build from its Chroma rows (a new machine on a shared server, or
        damaged files)."""
        rows = ChromaStore.read_all(self.store.open(name), embeddings=False)
        docs = [IndexDocument(i, d, d, m) for i, d, m in zip(rows["ids"], rows["documents"], rows["metadatas"],
                                                             strict=True)]
        self._write_bm25(name, docs, list(rows["metadatas"]))

    def _saved_user_docs(self, current: str | None) -> dict[str, Any]:
        """The user's documents as saved beside the BM25 files of the current (or newest) build."""
        root = self.layout.root / "bm25"
        saved = sorted(root.glob("*/user-docs.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        if current:
            saved.sort(key=lambda p: p.parent.name != current)
        rows = _empty_rows()
        for path in saved:
            try:
                items = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for item in items:
                rows["ids"].append(item["id"])
                rows["documents"].append(item["text"])
                rows["metadatas"].append(item["metadata"])
            break
        return rows

    def _clean_up(self, keep: str) -> None:
        """Drop left-over collections (never the pointer's, never one still being built), BM25 folders
        of collections that no longer exist, and HNSW folders Chroma left behind."""
        self.store.drop_stale(keep)
        live = set(self.store.names())
        bm25_root = self.layout.root / "bm25"
        for folder in bm25_root.iterdir() if bm25_root.is_dir() else []:
            if folder.name.removesuffix(".partial") not in live:
                shutil.rmtree(folder, ignore_errors=True)
        self.store.drop_orphan_folders()

    # ---- check -------------------------------------------------------------------------------

    def check(self, full: bool = False) -> Health:
        """Check every part of the index and name what is damaged. The quick check (every search) runs
        SQLite's quick_check, the pointer, the HNSW probe, the BM25 files and the export's size; ``full``
        also verifies the ONNX export's sha256 and loads it, and reads the vector cache."""
        health = Health()
        if self.model_export is not None:
            problem = self.model_export.problem(full)
            if problem:
                health.problems.append(Problem(MODEL, problem))
        if full:
            problem = VectorCache(self.layout.vector_cache, self.model_id).problem
            if problem:
                health.problems.append(Problem(CACHE, problem))
        if self._fresh():
            return health
        if self.location.host is None:
            problem = database_problem(self.location.path / "chroma.sqlite3")
            if problem:
                health.problems.append(Problem(DATABASE, problem))
                health.unchecked = {POINTER, VECTORS, KEYWORDS}
                return health
        try:
            current = self.store.current_name()
            names = set(self.store.names())
        except Exception as exc:
            if self.location.host is not None:
                raise  # a server that does not answer is not a damaged index
            health.problems.append(Problem(DATABASE, f"Chroma cannot read it ({_first_line(exc)})"))
            health.unchecked = {POINTER, VECTORS, KEYWORDS}
            return health
        if current is None:
            return health
        if current not in names:
            health.problems.append(Problem(POINTER, f"it names {current}, which does not exist"))
            health.unchecked = {VECTORS, KEYWORDS}
            return health
        health.built, health.collection = True, current
        try:
            collection = self.store.open(current)
            meta = collection.metadata or {}
        except Exception as exc:
            health.problems.append(Problem(VECTORS, f"{current} cannot be opened ({_first_line(exc)})"))
            health.unchecked = {KEYWORDS}
            return health
        health.stale = meta.get("kb_version") != self.kb.version or meta.get("model_id") != self.model_id
        health.problems += [Problem(VECTORS, p) for p in self._vector_problems(collection)]
        problem = self._bm25_problem(current, meta.get("documents"))
        if problem:
            health.problems.append(Problem(KEYWORDS, problem))
        return health

    def _vector_problems(self, collection: Any) -> list[str]:
        """Row count against the build's record, the HNSW folder, and a probe query per pinned document."""
        meta = collection.metadata or {}
        try:  # before anything else: a read makes Chroma re-create the folder from its log, partly
            folder = self.store.vector_segment_folder(collection)
        except Exception as exc:
            return [f"the segment of {collection.name} cannot be found ({_first_line(exc)})"]
        if folder is not None and not folder.is_dir() and meta.get("documents"):
            return [f"the HNSW folder {folder.name} of {collection.name} is missing"]
        problems = []
        try:
            count = collection.count()
        except Exception as exc:
            return [f"{collection.name} cannot be counted ({_first_line(exc)})"]
        if isinstance(meta.get("documents"), int) and count != meta["documents"]:
            problems.append(f"{collection.name} holds {count} rows, {meta['documents']} were written")
        ids, vectors = _probe_vectors(meta)
        if ids:
            try:
                found = collection.query(query_embeddings=vectors, n_results=1, include=["distances"])
            except Exception as exc:
                return [*problems, f"HNSW files of {collection.name} cannot be read ({_first_line(exc)})"]
            wrong = [doc_id for doc_id, hit, dist in zip(ids, found["ids"], found["distances"], strict=True)
                     if not hit or (hit[0] != doc_id and float(dist[0]) > 1e-3)]
            if wrong:
                problems.append(f"a probe query on {collection.name} did not find {wrong[0]} "
                                f"({len(wrong)} of {len(ids)} probes failed): HNSW files damaged")
        return problems

    def _bm25_problem(self, name: str, expected: Any) -> str | None:
        folder = self.layout.bm25(name)
        if not (folder / "metadata.json").is_file():
            if self.location.host is not None:
                return None  # a new machine on a shared server: the reader writes them from Chroma
            return f"no BM25 files for {name} in {folder.parent}"
        try:
            store = Bm25Store.load(folder)
            metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
        except Exception as exc:  # bm25s raises many kinds of errors on broken files
            return f"BM25 files of {name} cannot be read ({_first_line(exc)})"
        if isinstance(expected, int) and not len(store.ids) == len(metadata) == expected:
            return f"BM25 files of {name} hold {len(store.ids)} documents, {expected} were indexed"
        self._bm25_cache = (name, store, metadata)
        return None

    # ---- read --------------------------------------------------------------------------------

    def info(self) -> dict[str, Any] | None:
        """Metadata of the current build (counts, versions, age), or None when there is none."""
        if self._fresh():
            return None
        current = self.store.current_name()
        if not current or current not in self.store.names():
            return None
        collection = self.store.open(current)
        meta = {k: v for k, v in (collection.metadata or {}).items() if not k.startswith("probe")}
        return {"collection": current, "count": collection.count(), **meta}

    def is_stale(self, info: dict[str, Any] | None) -> bool:
        """True when there is no build, or it was built from another knowledge or model version."""
        return info is None or info.get("kb_version") != self.kb.version or info.get("model_id") != self.model_id

    def open(self, progress: Progress | None = None, notice: Notice | None = None,
             wait: float | None = None) -> IndexReader:
        """The current build, (re)built first when missing or stale, mended first when damaged.

        A search mends on its own what a build can write around (dangling pointer, damaged HNSW files,
        BM25 files, ONNX export), saying so through ``notice``; a damaged Chroma database raises
        ``IndexDamaged`` (its repair deletes the database: the user runs ``index repair``).
        """
        if not self._fresh():
            health = self.check()
            if health.built and not health.stale and not health.problems:
                try:
                    return self._reader()
                except Exception:  # e.g. a build swapped meanwhile: retry under the lock
                    pass
        with self.lock(wait, notice):
            health = self.check()
            if DATABASE in health.parts():
                raise IndexDamaged([p for p in health.problems if p.part == DATABASE])
            if health.problems and notice is not None:
                named = "; ".join(f"{p.part}: {p.detail}" for p in health.problems)
                notice(f"the search index is damaged ({named}); repairing it…")
            if MODEL in health.parts() and self.model_export is not None:
                self.model_export.reset()
                self._embedder = None
            parts = health.parts()
            if not health.built or health.stale or parts & {POINTER, VECTORS}:
                self._build_locked(progress)
            elif KEYWORDS in parts and health.collection:
                self._rewrite_bm25(health.collection)
            return self._reader()

    def _reader(self) -> IndexReader:
        info = self.info()
        if info is None:
            raise IndexDamaged([Problem(POINTER, "no finished build")])
        name = str(info["collection"])
        folder = self.layout.bm25(name)
        cached = self._bm25_cache
        if cached is not None and cached[0] == name:
            bm25, metadata = cached[1], cached[2]
        else:
            if not (folder / "metadata.json").is_file():  # e.g. a shared Chroma server, new machine
                self._rewrite_bm25(name)
            bm25 = Bm25Store.load(folder)
            metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
        return IndexReader(self.store.open(name), bm25, metadata, info)


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


def _probes(ids: Sequence[str], keys: Sequence[str], vectors: Any) -> dict[str, str]:
    """Collection metadata naming a few documents spread over the build (first, last and between,
    each with a vector no other document shares) and their vectors, for the HNSW probe query."""
    import numpy as np

    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    usable = [i for i, key in enumerate(keys) if counts[key] == 1 and float(np.linalg.norm(vectors[i])) > 0.5]
    if not usable:
        return {}
    picks = sorted({usable[round(step * (len(usable) - 1) / (PROBES - 1))] for step in range(PROBES)})
    matrix = np.asarray([vectors[i] for i in picks], dtype=np.float32)
    return {"probe_ids": json.dumps([ids[i] for i in picks]),
            "probe_vectors": base64.b64encode(matrix.tobytes()).decode("ascii")}


def _probe_vectors(meta: dict[str, Any]) -> tuple[list[str], Any]:
    import numpy as np

    if not meta.get("probe_ids") or not meta.get("probe_vectors"):
        return [], None
    ids = [str(i) for i in json.loads(str(meta["probe_ids"]))]
    vectors = np.frombuffer(base64.b64decode(str(meta["probe_vectors"])), dtype=np.float32).reshape(len(ids), -1)
    return ids, vectors


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:200] if text else "") or type(exc).__name__


def _kept_user_docs(old: dict[str, Any], replace_sources: frozenset[str]) -> list[IndexDocument]:
    """The user's documents already indexed, except chunks of files being re-added."""
    kept = []
    for doc_id, text, meta in zip(old["ids"], old["documents"], old["metadatas"], strict=True):
        if meta.get("kind") == USER_DOC_KIND and not {str(meta.get("anchor", "")).removeprefix("doc:"),
                                                      meta.get("source")} & replace_sources:
            clean = {k: v for k, v in meta.items() if k not in ("hash", "embed_hash")}
            kept.append(IndexDocument(doc_id, text, text, clean))
    return kept
