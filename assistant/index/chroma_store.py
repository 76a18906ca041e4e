"""ChromaDB: a persistent local folder or a Chroma server, telemetry off, our embedding function.

Builds never write into the collection being read: each build fills a new collection and then moves
a pointer (the metadata of a small pointer collection) to it, so an interrupted build leaves the
previous index whole. The same mechanism works for a local folder and a shared server.

A collection being filled carries ``state: building`` with its builder's host and pid; the finished
one carries ``state: ready``. Clean-up deletes only collections that the pointer does not name and
whose builder is gone, so two builders (two processes, or two machines on one server) never delete
each other's work.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.index.embedding import Embedder
from assistant.index.lock import pid_alive

POINTER = "compliance_assistant_pointer"
PREFIX = "compliance_assistant_build_"  # must not prefix POINTER: stale builds are dropped by prefix
BATCH = 500
BUILDING, READY = "building", "ready"
FOREIGN_BUILD_TIMEOUT = 6 * 3600.0  # a build marked by another machine counts as abandoned after this


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
        """Name of the collection searches read, if a build ever finished (it may no longer exist)."""
        if POINTER not in self.names():
            return None  # reading never creates the pointer: only a build (under the lock) writes
        current = (self.client.get_collection(POINTER, embedding_function=self._ef).metadata or {}).get("current")
        return str(current) if current else None

    def set_current(self, name: str) -> None:
        """Point searches at ``name`` (one metadata write: the swap)."""
        pointer = self.client.get_or_create_collection(POINTER, embedding_function=self._ef)
        pointer.modify(metadata={"current": name, "swapped_at": time.time()})

    # ---- collections ---------------------------------------------------------------------

    def names(self) -> list[str]:
        """Names of every collection in the database."""
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def new_build(self) -> Any:
        """A fresh, empty collection for a build, marked as being built by this process."""
        now = time.time()
        name = f"{PREFIX}{time.strftime('%Y%m%d%H%M%S')}_{int(now * 1000) % 1000:03d}_{os.getpid()}"
        return self.client.create_collection(name, embedding_function=self._ef, metadata={
            "hnsw:space": "cosine", "state": BUILDING, "builder_host": socket.gethostname(),
            "builder_pid": os.getpid(), "building_since": now})

    def open(self, name: str) -> Any:
        """An existing build collection."""
        return self.client.get_collection(name, embedding_function=self._ef)

    def builds(self) -> list[Any]:
        """Every build collection, newest first."""
        found = [c for c in self.client.list_collections() if not isinstance(c, str) and c.name.startswith(PREFIX)]
        return sorted(found, key=lambda c: c.name, reverse=True)

    def drop_stale(self, keep: str) -> list[str]:
        """Delete build collections other than ``keep`` and the pointer's, unless still being built.

        Call it only while holding the build lock: a collection marked as built by this very process
        is then a left-over of an earlier, failed build of ours.
        """
        keep_names = {keep, self.current_name()}
        dropped = []
        for collection in self.builds():
            if collection.name in keep_names or builder_running(collection.metadata or {}):
                continue
            self.client.delete_collection(collection.name)
            dropped.append(collection.name)
        return dropped

    # ---- local files -----------------------------------------------------------------------

    @property
    def database(self) -> Path | None:
        """The SQLite file of a local Chroma folder (None for a server)."""
        return None if self.location.host else self.location.path / "chroma.sqlite3"

    def vector_segment_folder(self, collection: Any) -> Path | None:
        """The HNSW folder of ``collection`` in a local Chroma folder (None for a server)."""
        if self.database is None:
            return None
        with _read_only(self.database) as db:
            row = db.execute("SELECT id FROM segments WHERE collection = ? AND scope = 'VECTOR'",
                             (str(collection.id),)).fetchone()
        return self.location.path / str(row[0]) if row else None

    def drop_orphan_folders(self) -> list[str]:
        """Delete HNSW folders that no segment names any more (Chroma leaves them behind on delete).

        Only under the build lock: nothing else creates segments then.
        """
        if self.database is None:
            return []
        import shutil

        with _read_only(self.database) as db:
            known = {str(row[0]) for row in db.execute("SELECT id FROM segments")}
        dropped = []
        for folder in self.location.path.iterdir():
            if folder.is_dir() and _looks_like_uuid(folder.name) and folder.name not in known:
                shutil.rmtree(folder, ignore_errors=True)
                dropped.append(folder.name)
        return dropped

    def close(self) -> None:
        """Release this process's handle on a local Chroma folder (before it is deleted and made anew)."""
        ChromaStore.release(self.location)

    @staticmethod
    def release(location: ChromaLocation) -> None:
        """Stop and forget the Chroma system this process keeps for a local folder (Chroma caches one
        per path, so a new client on a re-created folder would otherwise reuse the old handles)."""
        if location.host:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        for identifier, system in list(SharedSystemClient._identifier_to_system.items()):
            if Path(identifier) == location.path:
                SharedSystemClient._identifier_to_system.pop(identifier, None)
                SharedSystemClient._identifier_to_refcount.pop(identifier, None)
                with contextlib.suppress(Exception):  # the folder is about to be deleted anyway
                    system.stop()

    @staticmethod
    def add(collection: Any, ids: Sequence[str], vectors: np.ndarray, documents: Sequence[str],
            metadatas: Sequence[dict[str, str | int]]) -> None:
        """Add rows in batches, always with our own vectors."""
        for start in range(0, len(ids), BATCH):
            end = start + BATCH
            collection.add(ids=list(ids[start:end]), embeddings=vectors[start:end],
                           documents=list(documents[start:end]), metadatas=list(metadatas[start:end]))

    @staticmethod
    def read_all(collection: Any, embeddings: bool = True) -> dict[str, Any]:
        """Every row of a collection with its text and metadata, and its vector unless ``embeddings``
        is False (vectors come from the HNSW files; text and metadata from SQLite)."""
        total = collection.count()
        rows: dict[str, Any] = {"ids": [], "embeddings": [], "documents": [], "metadatas": []}
        include = ["embeddings", "documents", "metadatas"] if embeddings else ["documents", "metadatas"]
        for offset in range(0, total, BATCH):
            part = collection.get(include=include, limit=BATCH, offset=offset)
            for key in rows:
                if key in part and part[key] is not None:
                    rows[key].extend(list(part[key]))
        return rows


def builder_running(metadata: dict[str, Any]) -> bool:
    """True when a collection is marked as being built by a process that still runs."""
    if metadata.get("state") != BUILDING:
        return False
    if metadata.get("builder_host") != socket.gethostname():
        return time.time() - float(metadata.get("building_since", 0)) < FOREIGN_BUILD_TIMEOUT
    pid = int(metadata.get("builder_pid", 0))
    return pid != os.getpid() and pid_alive(pid)


def is_ready(metadata: dict[str, Any]) -> bool:
    """True for a finished build (older versions wrote no state but always a document count)."""
    return metadata.get("state") == READY or (metadata.get("state") is None and "documents" in metadata)


class _read_only:
    """A read-only SQLite connection as a context manager (closed on exit)."""

    def __init__(self, path: Path):
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)

    def __enter__(self) -> sqlite3.Connection:
        return self._db

    def __exit__(self, *exc: object) -> None:
        self._db.close()


def database_problem(path: Path) -> str | None:
    """What SQLite's ``PRAGMA quick_check`` finds wrong with a Chroma database, or None when it is fine."""
    if not path.is_file():
        return None
    try:
        with _read_only(path) as db:
            rows = [str(r[0]) for r in db.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return f"{path.name}: {exc}"
    if rows == ["ok"]:
        return None
    return f"{path.name}: {'; '.join(rows[:3])}"


def _looks_like_uuid(name: str) -> bool:
    parts = name.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdef" for c in name.replace("-", ""))
