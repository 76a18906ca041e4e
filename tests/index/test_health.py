"""Build lock, in-progress markers, health check and repair, in one process with the test embedder.

The slow, multi-process versions of these (real model, real CLI, kill -9) are in ``test_faults.py``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

from assistant.index.builder import CACHE, DATABASE, KEYWORDS, POINTER, VECTORS, IndexManager
from assistant.index.chroma_store import PREFIX, ChromaStore
from assistant.index.documents import IndexDocument
from assistant.index.lock import FileLock, IndexBusy
from assistant.index.vectors import VectorCache
from assistant.knowledge import KnowledgeBase
from tests.conftest import MakeManager

POLICY = "Lock accounts after five bad logons."
USER_DOC = IndexDocument("user:policy#1", POLICY, POLICY, {"kind": "user-doc", "source": "/docs/policy.md",
                                                          "title": "Policy", "framework": "company"})


def _builds(manager: IndexManager) -> list[str]:
    return sorted(c.name for c in manager.store.builds())


def _reopen(manager: IndexManager, make_manager: MakeManager, kb: KnowledgeBase) -> IndexManager:
    """A new manager on the same folder, with Chroma's in-process caches dropped (as a new process)."""
    ChromaStore.release(manager.location)
    fresh, _ = make_manager(kb, root=manager.layout.root)
    return fresh


def _marked(manager: IndexManager, name: str, **marker: str | int | float) -> None:
    manager.store.client.create_collection(name, metadata={"hnsw:space": "cosine", "state": "building", **marker})


def test_clean_up_spares_collections_whose_builder_still_runs(tiny_kb: KnowledgeBase,
                                                               make_manager: MakeManager) -> None:
    manager, _ = make_manager(tiny_kb)
    manager.build()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = socket.gethostname()
        _marked(manager, f"{PREFIX}live", builder_host=host, builder_pid=sleeper.pid, building_since=time.time())
        _marked(manager, f"{PREFIX}other_machine", builder_host="elsewhere", builder_pid=1,
                building_since=time.time())
        _marked(manager, f"{PREFIX}abandoned", builder_host="elsewhere", builder_pid=1,
                building_since=time.time() - 7 * 3600)
        second = manager.build()
        assert _builds(manager) == sorted([second.collection, f"{PREFIX}live", f"{PREFIX}other_machine"])
    finally:
        sleeper.kill()
        sleeper.wait()
    third = manager.build()
    assert _builds(manager) == sorted([third.collection, f"{PREFIX}other_machine"])
    assert sorted(p.name for p in (manager.layout.root / "bm25").iterdir()) == [third.collection]


def test_a_second_build_waits_for_the_lock_or_refuses_at_once(tiny_kb: KnowledgeBase,
                                                              make_manager: MakeManager) -> None:
    manager, _ = make_manager(tiny_kb)
    notices: list[str] = []
    with FileLock(manager.layout.lock), pytest.raises(IndexBusy, match="another index build is running"):
        manager.build(wait=0, notice=notices.append)
    assert notices == []  # told not to wait: no "waiting" message, just the error

    holder = FileLock(manager.layout.lock)
    holder.__enter__()
    threading.Timer(0.5, holder.__exit__, (None, None, None)).start()
    started = time.monotonic()
    report = manager.build(wait=30, notice=notices.append)
    assert time.monotonic() - started >= 0.4 and report.documents
    assert len(notices) == 1 and "waiting" in notices[0] and f"pid {os.getpid()}" in notices[0]


def test_the_build_lock_is_reentrant_within_a_manager(tiny_kb: KnowledgeBase, make_manager: MakeManager) -> None:
    manager, _ = make_manager(tiny_kb)
    with manager.lock(wait=0):
        manager.build(wait=0)  # open() builds under the lock it already holds, too
        assert manager.open(wait=0).collection.count()


def test_a_dangling_pointer_is_rebuilt_on_open_with_the_users_documents(tiny_kb: KnowledgeBase,
                                                                          make_manager: MakeManager) -> None:
    """What two racing builds of an older version left behind: the pointer names a deleted collection."""
    manager, _ = make_manager(tiny_kb)
    first = manager.build(user_docs=[USER_DOC])
    manager.store.client.delete_collection(first.collection)
    health = manager.check()
    assert [p.part for p in health.problems] == [POINTER] and not health.built
    notices: list[str] = []
    reader = manager.open(notice=notices.append)
    assert reader.collection.name != first.collection
    assert reader.collection.get(ids=[USER_DOC.id])["documents"] == [USER_DOC.keyword_text]
    assert notices and POINTER in notices[0]
    assert manager.check().problems == []


def test_check_names_a_missing_hnsw_folder_and_repair_rebuilds(tiny_kb: KnowledgeBase,
                                                               make_manager: MakeManager) -> None:
    manager, _ = make_manager(tiny_kb)
    report = manager.build()
    folder = manager.store.vector_segment_folder(manager.store.open(report.collection))
    assert folder is not None and folder.is_dir()
    shutil.rmtree(folder)
    manager = _reopen(manager, make_manager, tiny_kb)
    assert [p.part for p in manager.check().problems] == [VECTORS]
    result = manager.repair()
    assert [p.part for p in result.found] == [VECTORS] and result.remaining == []
    assert result.build is not None and result.build.embedded == 0  # every vector came from a cache
    assert manager.open().collection.name == result.build.collection


def test_damaged_bm25_files_are_rewritten_keeping_the_collection(tiny_kb: KnowledgeBase,
                                                                 make_manager: MakeManager) -> None:
    manager, _ = make_manager(tiny_kb)
    report = manager.build()
    (manager.layout.bm25(report.collection) / "vocab.index.json").write_text("{not json", encoding="utf-8")
    assert [p.part for p in manager.check().problems] == [KEYWORDS]
    result = manager.repair()
    assert result.build is None and "rewrote the keyword index" in result.actions[0]
    assert manager.store.current_name() == report.collection
    assert manager.open().bm25.search("multifactor authentication", 3)


def test_an_unreadable_vector_cache_is_reported_and_replaced(tiny_kb: KnowledgeBase,
                                                             make_manager: MakeManager) -> None:
    manager, _ = make_manager(tiny_kb)
    manager.build()
    manager.layout.vector_cache.write_bytes(b"PK\x03\x04 not really a zip")
    cache = VectorCache(manager.layout.vector_cache, manager.model_id)
    assert cache.problem and len(cache) == 0
    assert [p.part for p in manager.check(full=True).problems] == [CACHE]
    assert manager.check().problems == []  # the quick check (every search) does not read the cache
    result = manager.repair()
    assert result.remaining == [] and any("vector cache" in a for a in result.actions)


def test_a_garbage_database_is_replaced_in_process(tiny_kb: KnowledgeBase, make_manager: MakeManager) -> None:
    manager, _ = make_manager(tiny_kb)
    manager.build(user_docs=[USER_DOC])
    with (manager.layout.chroma / "chroma.sqlite3").open("r+b") as handle:
        handle.write(b"garbage!" * 512)
    health = manager.check()
    assert [p.part for p in health.problems] == [DATABASE] and {POINTER, VECTORS, KEYWORDS} <= health.unchecked
    report = manager.build()
    assert report.repaired and "deleted the damaged Chroma database" in report.repaired[0]
    assert manager.check(full=True).problems == []
    assert manager.open().collection.get(ids=[USER_DOC.id])["ids"] == [USER_DOC.id]
