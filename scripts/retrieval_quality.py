"""Recall@1, recall@5 and MRR of retrieval configurations on the dev query set, and ID-query accuracy.

A hit counts for an expected control when its anchor (the requirement it stands for: objectives,
CMMC practices and guide passages point at their 800-171 requirement) equals the expected ID after
resolving it through the knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.index.documents import anchor_of
from assistant.knowledge import FrameworkId, KnowledgeBase
from assistant.retrieval import HybridRetriever
from assistant.retrieval.hybrid import Mode

DEV_QUERIES = Path(__file__).resolve().parents[1] / "evals" / "retrieval" / "dev_queries.yaml"


@dataclass(frozen=True)
class Config:
    """One way of searching, as compared in the benchmark."""

    name: str
    mode: Mode
    collapse: bool
    rerank: bool = False


CONFIGS = (
    Config("dense-only Chroma, raw top-k chunks (LangChain tutorial)", "dense", False),
    Config("dense-only, one hit per requirement", "dense", True),
    Config("BM25-only, one hit per requirement", "bm25", True),
    Config("hybrid (ID pinning + RRF), one hit per requirement", "hybrid", True),
    Config("hybrid + learned reranker, one hit per requirement", "hybrid", True, rerank=True),
)


def evaluate(kb: KnowledgeBase, retriever: HybridRetriever, queries_file: Path = DEV_QUERIES,
             k: int = 5) -> dict[str, Any]:
    """Per configuration: recall@1, recall@k, MRR@10 and the questions missed at rank 1."""
    queries = yaml.safe_load(queries_file.read_text(encoding="utf-8"))
    results: dict[str, Any] = {}
    for config in CONFIGS:
        r1 = rk = mrr = 0.0
        missed = []
        for item in queries:
            wanted = {anchor_of(kb, kb.resolve(e)) for e in item["expect"]}
            hits = retriever.search(item["q"], 10, mode=config.mode, collapse=config.collapse, rerank=config.rerank)
            rank = next((i for i, h in enumerate(hits, 1) if h.anchor in wanted), None)
            r1 += rank == 1
            rk += rank is not None and rank <= k
            mrr += 1 / rank if rank else 0
            if rank != 1:
                missed.append((item["q"], sorted(wanted), [h.anchor for h in hits[:3]]))
        n = len(queries)
        results[config.name] = {"recall@1": r1 / n, f"recall@{k}": rk / n, "mrr": mrr / n, "n": n, "missed": missed}
    return results


TUTORIAL = "dense-only, one document per requirement (LangChain tutorial RAG)"


def tutorial_baseline(kb: KnowledgeBase, retriever: HybridRetriever, queries_file: Path = DEV_QUERIES,
                      k: int = 5) -> dict[str, Any]:
    """What a LangChain tutorial builds: one chunk per requirement ("title: text" of every 800-171 and 800-172
    requirement and Annex A control), MiniLM vectors, cosine top-k. Same model and vectors as our index."""
    import numpy as np

    from assistant.index.documents import knowledge_documents

    docs = [d for d in knowledge_documents(kb) if d.metadata.get("kind") in ("requirement", "control")
            and d.metadata.get("framework") in ("nist-800-171r2", "nist-800-172", "iso27001-2022")]
    embedder = retriever._embedder()
    matrix = np.asarray(embedder.embed([d.embed_text for d in docs]), dtype=np.float32)
    anchors = [str(d.metadata["anchor"]) for d in docs]
    queries = yaml.safe_load(queries_file.read_text(encoding="utf-8"))
    vectors = np.asarray(embedder.embed([q["q"] for q in queries]), dtype=np.float32)
    r1 = rk = mrr = 0.0
    for item, vector in zip(queries, vectors, strict=True):
        wanted = {anchor_of(kb, kb.resolve(e)) for e in item["expect"]}
        ranked = [anchors[i] for i in np.argsort(-(matrix @ vector))[:10]]
        rank = next((i for i, a in enumerate(ranked, 1) if a in wanted), None)
        r1 += rank == 1
        rk += rank is not None and rank <= k
        mrr += 1 / rank if rank else 0
    n = len(queries)
    return {"recall@1": r1 / n, f"recall@{k}": rk / n, "mrr": mrr / n, "n": n}


def id_queries(kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(typed query, expected canonical ID) in the spellings people use, for every indexed control."""
    cases = []
    for control in kb.controls(FrameworkId.NIST_800_171R2):
        cases += [(control.id, control.id), (f"NIST 800-171 {control.id}", control.id),
                  (f"what does {control.id} require?", control.id)]
    for control in kb.controls(FrameworkId.CMMC_2):
        cases += [(control.id, control.id), (control.id.lower(), control.id)]
    for control in kb.controls(FrameworkId.ISO_27001_2022, kind="control"):
        cases += [(control.id, control.id), (f"Annex A {control.id[2:]}", control.id)]
    for control in kb.controls(FrameworkId.NIST_800_172):
        cases.append((control.id, control.id))
    return cases


def id_accuracy(kb: KnowledgeBase, retriever: HybridRetriever) -> tuple[float, int, list[str]]:
    """Share of ID queries whose first hit is that control; the count; the failures."""
    cases = id_queries(kb)
    failures = [typed for typed, expected in cases if retriever.search(typed, 1)[0].id != expected]
    return 1 - len(failures) / len(cases), len(cases), failures


if __name__ == "__main__":
    import sys

    from assistant.index.service import index_manager
    from assistant.knowledge import get_knowledge_base
    from assistant.retrieval.rerank import RerankerStore
    from assistant.settings import Settings

    kb = get_knowledge_base()
    manager = index_manager(Settings(), kb)
    retriever = HybridRetriever(kb, manager.open(), manager.embedder,
                                RerankerStore.beside(Settings().index_dir, kb, manager.model_id))
    files = [Path(a) for a in sys.argv[1:] if not a.startswith("-")] or [DEV_QUERIES]
    for queries_file in files:  # e.g. evals/retrieval/scenario_dev.yaml (never a blind file while tuning)
        out = evaluate(kb, retriever, queries_file)
        print(queries_file)
        for name, figures in out.items():
            print(f"  {name:58}", {k: round(v, 3) for k, v in figures.items() if k != "missed"})
        print(f"  {TUTORIAL:58}", {k: round(v, 3) for k, v in tutorial_baseline(kb, retriever, queries_file).items()})
        if "-v" in sys.argv:
            for q, want, got in out[CONFIGS[-1].name]["missed"]:
                print(f"  MISS {q!r}: want {want} got {got}")
    print("ID queries at rank 1:", id_accuracy(kb, retriever)[:2])
