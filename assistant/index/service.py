"""Wire settings and the knowledge base into an ``IndexManager`` and a ``HybridRetriever``."""

from __future__ import annotations

from pathlib import Path

from assistant.index.builder import IndexLayout, IndexManager
from assistant.index.chroma_store import ChromaLocation
from assistant.index.embedding import Embedder, ModelFiles, export_problem, load_embedder, model_files, remove_export
from assistant.knowledge import KnowledgeBase
from assistant.settings import Settings

SHIPPED_VECTORS = "vectors/all-MiniLM-L6-v2"  # a folder of shards (VectorCache)


class OnnxExport:
    """The ONNX export of the packaged model, as the index manager checks and resets it."""

    def __init__(self, models_dir: Path, files: ModelFiles):
        self.models_dir, self.files = models_dir, files

    def problem(self, full: bool) -> str | None:
        """What is wrong with the export (size; with ``full`` also sha256 and loading), or None."""
        return export_problem(self.models_dir, self.files, full)

    def reset(self) -> None:
        """Delete the export; the next use of the model exports it again."""
        remove_export(self.models_dir, self.files)


def index_manager(settings: Settings, kb: KnowledgeBase) -> IndexManager:
    """The index named by the settings (local folder or Chroma server), with the real model."""
    layout = IndexLayout(settings.index_dir)
    files = model_files()
    location = ChromaLocation(layout.chroma, settings.chroma_host, settings.chroma_port)

    def embedder() -> Embedder:
        return load_embedder(layout.models)

    return IndexManager(kb, layout, location, embedder, files.model_id, kb.data.root / SHIPPED_VECTORS,
                        model_export=OnnxExport(layout.models, files))
