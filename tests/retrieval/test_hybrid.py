"""Hybrid search: exact-ID pinning, filters, fusion order and score breakdowns."""

from __future__ import annotations

import pytest

from assistant.knowledge import KnowledgeBase
from assistant.retrieval import HybridRetriever, SearchFilters
from assistant.retrieval.hybrid import RRF_K, _fuse, parse_mode
from tests.conftest import MakeManager


@pytest.fixture
def retriever(tiny_kb: KnowledgeBase, make_manager: MakeManager) -> HybridRetriever:
    manager, _ = make_manager(tiny_kb)
    manager.build()
    return HybridRetriever(tiny_kb, manager.open(), manager.embedder)


@pytest.mark.parametrize("query", ["3.1.8", "AC.L2-3.1.8", "what does NIST 800-171 3.1.8 require?", "3.1.8."])
def test_any_spelling_of_an_id_is_pinned_first(retriever: HybridRetriever, query: str) -> None:
    top = retriever.search(query, 5)[0]
    assert top.anchor == "3.1.8" and top.breakdown.pinned


def test_several_ids_pin_several_in_order(retriever: HybridRetriever) -> None:
    hits = retriever.search("compare A.8.5 with 3.5.3 and AC-2", 6)
    assert [h.id for h in hits[:3]] == ["A.8.5", "3.5.3", "AC-2"]
    assert all(h.breakdown.pinned for h in hits[:3])
    assert hits[2].framework == "nist-800-53r5"  # pinned from the catalog though not itself indexed


def test_unknown_id_is_not_pinned(retriever: HybridRetriever) -> None:
    assert not any(h.breakdown.pinned for h in retriever.search("what is 3.14.9", 5))


def test_plain_words_find_the_control(retriever: HybridRetriever) -> None:
    hits = retriever.search("multifactor authentication for privileged accounts", 5, collapse=True)
    assert hits[0].anchor == "3.5.3"
    assert hits[0].breakdown.dense_rank is not None and hits[0].breakdown.bm25_rank is not None


def test_framework_and_level_filters(retriever: HybridRetriever) -> None:
    iso = retriever.search("access control authentication", 10, SearchFilters(framework="iso27001-2022"))
    assert iso and {h.framework for h in iso} == {"iso27001-2022"}
    level2 = retriever.search("access", 10, SearchFilters(framework="cmmc-2.0", level=2))
    assert level2 and all(h.level == 2 and h.framework == "cmmc-2.0" for h in level2)
    pinned_elsewhere = retriever.search("3.1.1", 5, SearchFilters(framework="iso27001-2022"))
    assert all(h.framework == "iso27001-2022" for h in pinned_elsewhere)


def test_kind_filter(retriever: HybridRetriever) -> None:
    hits = retriever.search("authorized users", 10, SearchFilters(kind="objective"))
    assert hits and {h.kind for h in hits} == {"objective"}


def test_collapse_keeps_one_hit_per_requirement(retriever: HybridRetriever) -> None:
    hits = retriever.search("authorized users devices access", 10, collapse=True)
    anchors = [h.anchor for h in hits]
    assert len(anchors) == len(set(anchors))


def test_fusion_ranks_agreement_first() -> None:
    fused = _fuse([("a", 0.9), ("b", 0.8), ("c", 0.7)], [("c", 9.0), ("d", 5.0), ("a", 1.0)])
    order = [doc for doc, _ in fused]
    assert order[:2] == ["a", "c"]  # in both lists beats either list alone
    assert set(order[2:]) == {"b", "d"}
    breakdown = dict(fused)["c"]
    assert (breakdown.dense_rank, breakdown.bm25_rank) == (3, 1)
    assert breakdown.rrf == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 1))


def test_modes_are_validated() -> None:
    assert parse_mode("bm25") == "bm25"
    with pytest.raises(ValueError, match="unknown mode 'fuzzy'"):
        parse_mode("fuzzy")


def test_single_list_modes(retriever: HybridRetriever) -> None:
    dense = retriever.search("audit logs", 5, mode="dense")
    keyword = retriever.search("audit logs", 5, mode="bm25")
    assert dense and all(h.breakdown.bm25_rank is None and not h.breakdown.pinned for h in dense)
    assert keyword and all(h.breakdown.dense_rank is None for h in keyword)
