"""The learned reranker: fitting, storage by data hash, leave-one-out training data, and its use in search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.index.builder import IndexManager
from assistant.knowledge import KnowledgeBase
from assistant.retrieval import HybridRetriever, SearchFilters
from assistant.retrieval.rerank import (
    FEATURES,
    Candidate,
    QueryEvidence,
    Reranker,
    RerankerStore,
    as_training_query,
    candidate_features,
    data_hash,
    fit,
)


def _synthetic_groups(seed: int, n: int = 60) -> list[tuple[np.ndarray, int]]:
    """Queries of 8 candidates where the positive has the highest value of feature 2, plus noise features."""
    rng = np.random.default_rng(seed)
    groups = []
    for _ in range(n):
        x = rng.normal(size=(8, len(FEATURES)))
        positive = int(rng.integers(8))
        x[positive, 2] = x[:, 2].max() + 1.0
        groups.append((x, positive))
    return groups


def test_fit_learns_the_informative_feature_and_is_deterministic() -> None:
    first, second = fit(_synthetic_groups(0)), fit(_synthetic_groups(0))
    assert np.array_equal(first.weights, second.weights)
    assert int(np.argmax(first.weights)) == 2
    held_out = _synthetic_groups(1)
    assert all(int(np.argmax(first.scores(x))) == p for x, p in held_out)


def test_no_training_data_keeps_the_fused_order() -> None:
    x = np.zeros((3, len(FEATURES)))
    x[:, FEATURES.index("rrf")] = [0.3, 0.2, 0.1]
    assert list(np.argsort(-fit([]).scores(x))) == [0, 1, 2]


def test_saved_model_loads_only_for_the_same_data(tmp_path: Path) -> None:
    model = fit(_synthetic_groups(0))
    path = tmp_path / "rerank.npz"
    model.save(path, "digest-a")
    loaded = Reranker.load(path, "digest-a")
    assert loaded is not None and np.allclose(loaded.weights, model.weights)
    assert Reranker.load(path, "digest-b") is None
    assert Reranker.load(tmp_path / "missing.npz", "digest-a") is None


def test_store_trains_once_then_loads(tmp_path: Path, kb: KnowledgeBase) -> None:
    calls: list[int] = []

    def train() -> Reranker:
        calls.append(1)
        return fit(_synthetic_groups(0))

    RerankerStore.beside(tmp_path, kb, "model-x").get(train)
    again = RerankerStore.beside(tmp_path, kb, "model-x").get(train)
    assert len(calls) == 1 and (tmp_path / "rerank.npz").is_file()
    assert np.allclose(again.weights, fit(_synthetic_groups(0)).weights)
    assert data_hash(kb, "model-x") != data_hash(kb, "model-y")  # another embedding model retrains


def test_iso_phrasings_are_asked_naming_iso() -> None:
    assert as_training_query("who owns the firewall rules", "iso27001-2022").startswith("ISO 27001: ")
    assert as_training_query("ISO audit: who owns the firewall rules", "iso27001-2022").count("ISO") == 1
    assert as_training_query("who owns the firewall rules", "nist-800-171r2") == "who owns the firewall rules"


# ---- over the real index ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def real_retriever(full_index: IndexManager, kb: KnowledgeBase) -> HybridRetriever:
    return HybridRetriever(kb, full_index.open(), full_index.embedder)


@pytest.fixture(scope="session")
def groups(real_retriever: HybridRetriever) -> list[tuple[np.ndarray, int]]:
    return real_retriever.training_groups(limit=400)


def test_training_leaves_the_query_document_out(real_retriever: HybridRetriever) -> None:
    matrix = real_retriever.matrix()
    doc_id = next(d for d in matrix.ids if matrix.kind[matrix.row[d]] == "phrasing")
    text, vector = real_retriever._query_text(doc_id), matrix.vectors[matrix.row[doc_id]]
    dense = [(doc_id, 1.0)]
    candidate = [Candidate(matrix.anchor[matrix.row[doc_id]], 0.1, 1)]
    seen = candidate_features(matrix, QueryEvidence(text, vector, dense, dense), candidate)[0]
    left_out = candidate_features(matrix, QueryEvidence(text, vector, dense, dense, exclude=doc_id), candidate)[0]
    phrasing = FEATURES.index("cos_phrasing")
    assert seen[phrasing] == pytest.approx(1.0, abs=1e-3)  # the query's own document
    assert left_out[phrasing] < 0.999  # only its siblings remain
    assert left_out[FEATURES.index("bm25_max")] == 0.0


def test_training_groups_are_deterministic(real_retriever: HybridRetriever,
                                           groups: list[tuple[np.ndarray, int]]) -> None:
    again = real_retriever.training_groups(limit=400)
    assert len(again) == len(groups) > 300
    assert all(np.array_equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(again, groups, strict=True))


def test_model_beats_the_fused_order_on_held_out_phrasings(groups: list[tuple[np.ndarray, int]]) -> None:
    train, held_out = groups[::2], groups[1::2]
    model = fit(train)
    fused_top1 = np.mean([p == 0 for _, p in held_out])  # candidates come in fused (RRF) order
    model_top1 = np.mean([int(np.argmax(model.scores(x))) == p for x, p in held_out])
    assert model_top1 > fused_top1


class _Fixed:
    """A store that hands out one model."""

    def __init__(self, model: Reranker):
        self.model = model

    def get(self, train: Any) -> Reranker:
        return self.model


def test_search_reranks_requirements_but_keeps_pinned_ids_and_fact_searches(
        real_retriever: HybridRetriever, groups: list[tuple[np.ndarray, int]], kb: KnowledgeBase,
        full_index: IndexManager) -> None:
    reranked = HybridRetriever(kb, real_retriever.reader, full_index.embedder, _Fixed(fit(groups)))  # type: ignore[arg-type]
    query = "which 171 requirement covers 3.5.3 and our admins sharing one login"
    hits = reranked.search(query, 5, collapse=True)
    assert hits[0].id == "3.5.3" and hits[0].breakdown.pinned
    plain = "our laptops have no disk encryption and one was stolen from a car"
    ordered = reranked.search(plain, 30, collapse=True)
    assert {h.anchor for h in ordered} == {h.anchor for h in reranked.search(plain, 30, collapse=True, rerank=False)}
    assert all(h.breakdown.fused is not None for h in ordered)  # the fused score is kept beside the probability
    assert [h.score for h in ordered] == sorted((h.score for h in ordered), reverse=True)
    assert 0.99 < sum(h.score for h in ordered) <= 1.0001
    facts = SearchFilters(framework="program")
    question = "when does phase 2 of CMMC start"
    assert ([h.anchor for h in reranked.search(question, 8, facts, collapse=True)]
            == [h.anchor for h in reranked.search(question, 8, facts, collapse=True, rerank=False)])


def test_shipped_weights_fit_the_current_knowledge(kb: KnowledgeBase) -> None:
    """A fresh index uses the weights in knowledge/vectors/ instead of training; stale ones mean `make vectors`."""
    from assistant.index.embedding import model_files
    from assistant.retrieval.rerank import SHIPPED_WEIGHTS

    digest = data_hash(kb, model_files().model_id)
    assert Reranker.load(kb.data.root / SHIPPED_WEIGHTS, digest) is not None, "run `make vectors`"
    store = RerankerStore(Path("/nonexistent/rerank.npz"), kb, model_files().model_id)

    def never() -> Reranker:
        raise AssertionError("trained although shipped weights fit")

    assert store.get(never) is not None
