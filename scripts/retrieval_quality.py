"""Recall@1, recall@5 and MRR of dense-only, BM25-only and hybrid retrieval on the dev query set.

A hit counts for an expected control when its anchor (the requirement it stands for: objectives,
CMMC practices and guide passages point at their 800-171 requirement) equals the expected ID after
resolving it through the knowledge base. Results are collapsed to one hit per anchor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from assistant.knowledge import KnowledgeBase
from assistant.retrieval import HybridRetriever
from assistant.retrieval.hybrid import parse_mode

MODES = ("dense", "bm25", "hybrid")


def expected_anchor(kb: KnowledgeBase, typed: str) -> str:
    """The anchor an expected ID should match (3.1.1 for AC.L2-3.1.1, A.8.5 for A.8.5)."""
    from assistant.index.documents import anchor_of

    return anchor_of(kb, kb.resolve(typed))


def evaluate(kb: KnowledgeBase, retriever: HybridRetriever, queries_file: Path, k: int = 5) -> dict[str, Any]:
    """Per mode: recall@1, recall@k, MRR@10 and the questions missed at rank 1."""
    queries = yaml.safe_load(queries_file.read_text(encoding="utf-8"))
    results: dict[str, Any] = {}
    for mode in MODES:
        r1 = rk = mrr = 0.0
        missed = []
        for item in queries:
            wanted = {expected_anchor(kb, e) for e in item["expect"]}
            anchors = [h.anchor for h in retriever.search(item["q"], 10, mode=parse_mode(mode), collapse=True)]
            rank = next((i for i, a in enumerate(anchors, 1) if a in wanted), None)
            r1 += rank == 1
            rk += rank is not None and rank <= k
            mrr += 1 / rank if rank else 0
            if rank != 1:
                missed.append((item["q"], sorted(wanted), anchors[:3]))
        n = len(queries)
        results[mode] = {"recall@1": r1 / n, f"recall@{k}": rk / n, "mrr": mrr / n, "n": n, "missed": missed}
    return results


if __name__ == "__main__":
    import sys

    from assistant.index.service import index_manager
    from assistant.knowledge import get_knowledge_base
    from assistant.settings import Settings

    kb = get_knowledge_base()
    manager = index_manager(Settings(), kb)
    retriever = HybridRetriever(kb, manager.open(), manager.embedder)
    out = evaluate(kb, retriever, Path(__file__).resolve().parents[1] / "evals/retrieval/dev_queries.yaml")
    for mode, figures in out.items():
        print(mode, {k: round(v, 3) for k, v in figures.items() if k not in ("missed",)})
    if "-v" in sys.argv:
        for q, want, got in out["hybrid"]["missed"]:
            print(f"  MISS {q!r}: want {want} got {got}")
