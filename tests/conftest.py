"""Shared fixtures: the shipped knowledge base, a writable copy of it, and a clean environment."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.index.builder import IndexLayout, IndexManager
from assistant.index.chroma_store import ChromaLocation
from assistant.knowledge import KnowledgeBase, get_knowledge_base
from assistant.knowledge.loader import load_knowledge
from assistant.knowledge.paths import knowledge_dir
from tests.doubles import HashingEmbedder, copy_data, tiny_knowledge

REPO = Path(__file__).resolve().parents[1]
SHARED_SOURCES = REPO.parent / "shared" / "knowledge-sources"

pytest_plugins = ["tests.database"]  # --database=sqlite|postgres: where every test's database lives


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the user's settings, tokens or data folder."""
    import os

    for name in list(os.environ):
        if name.startswith(("COMPLIANCE_ASSISTANT_", "SLACK_", "OPENAI_", "ANTHROPIC_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The knowledge base shipped with the package."""
    return get_knowledge_base()


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the shipped knowledge folder, for corrupting on purpose."""
    target = tmp_path / "knowledge"
    shutil.copytree(knowledge_dir(), target, ignore=shutil.ignore_patterns("authored"))
    yield target


@pytest.fixture(scope="session")
def shared_sources() -> Path:
    """The official sources beside the repository (CI gets a copy); skip where they are absent."""
    if not (SHARED_SOURCES / "PROVENANCE.md").is_file():
        pytest.skip(f"official sources not found at {SHARED_SOURCES}")
    return SHARED_SOURCES


MakeManager = Callable[..., tuple[IndexManager, HashingEmbedder]]


@pytest.fixture
def tiny_kb(tmp_path: Path) -> KnowledgeBase:
    """A knowledge base of a few controls, its files in a temp folder."""
    return KnowledgeBase(load_knowledge(tiny_knowledge(knowledge_dir(), tmp_path / "kb")))


@pytest.fixture
def make_manager(tmp_path: Path) -> MakeManager:
    """Build an ``IndexManager`` over a temp data folder with a counting ``HashingEmbedder``."""

    def make(kb: KnowledgeBase, embedder: HashingEmbedder | None = None, root: Path | None = None,
             host: str | None = None, port: int = 8000) -> tuple[IndexManager, HashingEmbedder]:
        embedder = embedder or HashingEmbedder()
        layout = IndexLayout(root or tmp_path / "index")
        location = ChromaLocation(layout.chroma, host, port)
        return IndexManager(kb, layout, location, lambda: embedder, embedder.model_id), embedder

    return make


@pytest.fixture(scope="session")
def full_index(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase, real_embedder: Any) -> IndexManager:
    """The whole knowledge base in a real Chroma + BM25 index with the real model, as users have it: the shipped
    vector cache means nothing is embedded at build time."""
    from assistant.index.embedding import model_files
    from assistant.index.service import SHIPPED_VECTORS

    layout = IndexLayout(tmp_path_factory.mktemp("full-index"))
    manager = IndexManager(kb, layout, ChromaLocation(layout.chroma), lambda: real_embedder, model_files().model_id,
                           kb.data.root / SHIPPED_VECTORS)
    manager.build()
    return manager


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with the ONNX export of the installed package (exported once a session)."""
    from assistant.index.embedding import load_embedder

    folder = tmp_path_factory.mktemp("models")
    load_embedder(folder)
    return folder


@pytest.fixture(scope="session")
def real_embedder(model_dir: Path) -> Any:
    """The real MiniLM model (ONNX export of the installed package), for what must understand language."""
    from assistant.index.embedding import load_embedder

    return load_embedder(model_dir)


@pytest.fixture(scope="session")
def built_data(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase, model_dir: Path,
               intent_classifier: Any) -> Path:
    """A data folder as the first question leaves it (the session's model export, the whole knowledge base
    indexed from the shipped vectors, the intent classifier saved), built once a session. Tests of what the CLI
    does with a built index take a copy (``tests.doubles.copy_data``); tests of building start from nothing."""
    from assistant.agent.prompts import prompts_dir
    from assistant.index.chroma_store import ChromaStore
    from assistant.index.service import index_manager
    from assistant.settings import Settings
    from assistant.understanding.intents import data_hash

    settings = Settings(data_dir=tmp_path_factory.mktemp("built") / "data")
    copy_data(model_dir, IndexLayout(settings.index_dir).models)
    manager = index_manager(settings, kb)
    report = manager.build()
    assert report.embedded == 0  # every vector came from the shipped cache
    ChromaStore.release(manager.location)  # closed before it is copied
    intents = prompts_dir() / "intents.yaml"
    intent_classifier.save(settings.index_dir / "intents.npz", data_hash(intents, kb))  # as ClassifierStore saves it
    return settings.data_dir


@pytest.fixture(scope="session")
def intent_classifier(real_embedder: Any, kb: KnowledgeBase) -> Any:
    """The intent classifier trained as the assistant trains it, over the real embeddings."""
    from assistant.agent.prompts import prompts_dir
    from assistant.index.embedding import model_files
    from assistant.index.service import SHIPPED_VECTORS
    from assistant.index.vectors import VectorCache, with_shipped_vectors
    from assistant.understanding.intents import IntentClassifier, training_phrasings

    embed = with_shipped_vectors(real_embedder, VectorCache(kb.data.root / SHIPPED_VECTORS, model_files().model_id))
    return IntentClassifier.train(training_phrasings(prompts_dir() / "intents.yaml", kb), embed)


@pytest.fixture
def make_assistant(full_index: IndexManager, kb: KnowledgeBase, intent_classifier: Any) -> Callable[..., Any]:
    """Build an ``Assistant`` over the full test index and its reranker for some settings (and optionally an LLM)."""
    from assistant.agent import Assistant
    from assistant.retrieval import HybridRetriever
    from assistant.retrieval.rerank import RerankerStore
    from assistant.storage.db import Database

    reader = full_index.open()
    # the shipped reranker weights, as ``build_assistant`` uses them (they match the knowledge: a test checks)
    reranker = RerankerStore.beside(full_index.layout.root, kb, full_index.model_id)

    def make(settings: Any, llm: Any | None = None) -> Any:
        return Assistant(settings, kb, lambda: HybridRetriever(kb, reader, full_index.embedder, reranker),
                         Database(settings.database_url), llm=llm,
                         classifier=lambda: intent_classifier)

    return make


@pytest.fixture
def assistant(make_assistant: Callable[..., Any], tmp_path: Path) -> Any:
    """An offline ``Assistant`` over the full knowledge base, its database in a temp folder."""
    from assistant.settings import Settings

    return make_assistant(Settings(data_dir=tmp_path / "data"))
