"""Incremental, crash-safe builds of the Chroma + BM25 index, in temp folders with a test embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.index.documents import knowledge_documents
from assistant.knowledge import KnowledgeBase
from assistant.knowledge.loader import load_knowledge
from assistant.knowledge.paths import knowledge_dir
from tests.conftest import MakeManager
from tests.doubles import HashingEmbedder, tiny_knowledge


def test_first_build_embeds_every_distinct_text_once(tiny_kb: KnowledgeBase, make_manager: MakeManager) -> None:
    manager, embedder = make_manager(tiny_kb)
    report = manager.build()
    docs = knowledge_documents(tiny_kb)
    assert report.documents == len(docs) == manager.open().collection.count()
    assert report.added == len(docs) and report.changed == report.removed == 0
    assert embedder.embedded == len({d.embed_hash for d in docs})


def test_rebuild_without_changes_embeds_nothing(tiny_kb: KnowledgeBase, make_manager: MakeManager) -> None:
    manager, embedder = make_manager(tiny_kb)
    manager.build()
    before = embedder.embedded
    report = manager.build()
    assert embedder.embedded == before
    assert report.embedded == 0 and report.reused == report.documents


def test_incremental_rebuild_touches_only_changed_documents(tmp_path: Path, make_manager: MakeManager) -> None:
    original = KnowledgeBase(load_knowledge(tiny_knowledge(knowledge_dir(), tmp_path / "v1")))
    manager, embedder = make_manager(original)
    manager.build()
    edited = KnowledgeBase(load_knowledge(tiny_knowledge(
        knowledge_dir(), tmp_path / "v2", edit={"3.1.8": "Lock accounts after five failed sign-in tries."})))
    manager.kb = edited
    embedder.calls.clear()
    report = manager.build()
    embedded = [t for batch in embedder.calls for t in batch]
    assert embedded and all("five failed sign-in tries" in t for t in embedded)
    assert report.changed >= 1 and report.embedded == len(embedded)
    assert report.documents == len(knowledge_documents(edited))


def test_interrupted_build_leaves_previous_index_usable(tmp_path: Path, make_manager: MakeManager) -> None:
    original = KnowledgeBase(load_knowledge(tiny_knowledge(knowledge_dir(), tmp_path / "v1")))
    manager, _ = make_manager(original)
    first = manager.build()
    edited = KnowledgeBase(load_knowledge(tiny_knowledge(knowledge_dir(), tmp_path / "v2",
                                                         edit={"3.1.1": "Changed text that must be embedded."})))
    crashing, _ = make_manager(edited, HashingEmbedder(fail_after=0))
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashing.build()
    assert crashing.store.current_name() == first.collection
    reader = manager.open()
    assert reader.collection.name == first.collection and reader.collection.count() == first.documents
    recovered, _ = make_manager(edited)
    second = recovered.build()
    assert second.collection != first.collection
    assert [c.name for c in recovered.store.client.list_collections()
            if c.name.startswith("compliance_assistant_build_")] == [second.collection]


def test_knowledge_version_change_rebuilds_on_open(tmp_path: Path, make_manager: MakeManager) -> None:
    original = KnowledgeBase(load_knowledge(tiny_knowledge(knowledge_dir(), tmp_path / "v1")))
    manager, _ = make_manager(original)
    manager.build()
    edited = KnowledgeBase(load_knowledge(tiny_knowledge(knowledge_dir(), tmp_path / "v2",
                                                         edit={"3.5.3": "MFA everywhere."})))
    manager.kb = edited
    assert manager.is_stale(manager.info())
    reader = manager.open()
    assert reader.info["kb_version"] == edited.version
    assert "MFA everywhere" in str(reader.collection.get(ids=["nist-800-171r2:3.5.3"])["documents"][0])


def test_collections_use_our_embedding_function_and_cosine(tiny_kb: KnowledgeBase, make_manager: MakeManager) -> None:
    manager, _ = make_manager(tiny_kb)
    manager.build()
    collection = manager.open().collection
    config = collection.configuration_json
    assert config["embedding_function"]["name"] == "compliance-assistant-minilm"
    assert config["hnsw"]["space"] == "cosine"
    assert manager.store.client.get_settings().anonymized_telemetry is False


def test_bm25_folder_is_rebuilt_when_missing(tiny_kb: KnowledgeBase, make_manager: MakeManager) -> None:
    """A second machine reading a shared Chroma has no local BM25 folder: it is rebuilt from Chroma."""
    manager, _ = make_manager(tiny_kb)
    report = manager.build()
    import shutil

    shutil.rmtree(manager.layout.bm25(report.collection))
    reader = manager.open()
    assert reader.bm25.search("multifactor authentication", 3)
