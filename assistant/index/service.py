"""Wire settings and the knowledge base into an ``IndexManager`` and a ``HybridRetriever``."""

from __future__ import annotations

from assistant.index.builder import IndexLayout, IndexManager
from assistant.index.chroma_store import ChromaLocation
from assistant.index.embedding import Embedder, load_embedder, model_files
from assistant.knowledge import KnowledgeBase
from assistant.settings import Settings

SHIPPED_VECTORS = "vectors/all-MiniLM-L6-v2.npz"


def index_manager(settings: Settings, kb: KnowledgeBase) -> IndexManager:
    """The index named by the settings (local folder or Chroma server), with the real model."""
    layout = IndexLayout(settings.index_dir)
    files = model_files()
    location = ChromaLocation(layout.chroma, settings.chroma_host, settings.chroma_port)

    def embedder() -> Embedder:
        return load_embedder(layout.models)

    return IndexManager(kb, layout, location, embedder, files.model_id, kb.data.root / SHIPPED_VECTORS)
