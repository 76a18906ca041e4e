"""Leave-one-out retrieval of program facts from their own question phrasings.

Each authored phrasing of a fact (``questions:`` in knowledge/authored/program_facts*.yaml) is held out in turn
and asked against every other document of every fact (its statement, its sentences and the other phrasings, the
documents the index holds for facts); the fact counts as found at rank r when it is the r-th fact by best cosine
similarity of its documents. With ``--against-all`` the requirements' documents (text, objectives, phrasings,
lexicon, guide passages) compete too: the fact must beat every requirement as well. Prints top-1 and top-3 overall
and per authored file, and, with ``--misses``, the phrasings whose fact is not first. Dense similarity only (the
MiniLM vectors the index and ``_fact_match`` use).

    PYTHONPATH=. python scripts/fact_retrieval.py [--misses] [--phrasings-only] [--against-all] [--statements-only]
        [--knowledge DIR]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from assistant.index.documents import IndexDocument, knowledge_documents
from assistant.index.embedding import SentenceTransformerEmbedder, model_files
from assistant.index.service import SHIPPED_VECTORS
from assistant.index.vectors import with_shipped_vectors
from assistant.knowledge import KnowledgeBase, get_knowledge_base

AUTHORED = Path(__file__).resolve().parents[1] / "knowledge" / "authored"


@dataclass(frozen=True)
class Result:
    """Where one held-out phrasing put its fact."""

    fact: str
    question: str
    rank: int
    first: str


def candidate_documents(kb: KnowledgeBase, phrasings_only: bool, against_all: bool) -> list[IndexDocument]:
    """The index documents that stand for a program fact (anchor ``fact:<id>``), and with ``against_all`` every
    other document with an anchor (requirements and guide passages)."""
    docs = [d for d in knowledge_documents(kb) if d.metadata.get("anchor")]
    facts = [d for d in docs if str(d.metadata["anchor"]).startswith("fact:")
             and (not phrasings_only or d.metadata.get("kind") == "fact-question")]
    return facts + ([d for d in docs if not str(d.metadata["anchor"]).startswith("fact:")] if against_all else [])


def leave_one_out(kb: KnowledgeBase, phrasings_only: bool = False, against_all: bool = False,
                  statements_only: bool = False) -> list[Result]:
    """One result per fact phrasing: the rank of its fact among all candidates with that phrasing held out (with
    ``statements_only`` every phrasing is held out: only the facts' statements and sentences are candidates)."""
    docs = candidate_documents(kb, phrasings_only, against_all)
    phrasing = np.array([d.metadata.get("kind") == "fact-question" for d in docs])
    embed = with_shipped_vectors(SentenceTransformerEmbedder(model_files()), kb.data.root / SHIPPED_VECTORS,
                                 model_files().model_id)
    matrix = np.asarray(embed([d.embed_text for d in docs]), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    anchors = np.array([str(d.metadata["anchor"]) for d in docs])
    facts = sorted(set(anchors))
    column = {a: i for i, a in enumerate(facts)}
    owner = np.array([column[a] for a in anchors])
    results = []
    for row, doc in enumerate(docs):
        if doc.metadata.get("kind") != "fact-question":
            continue
        sims = matrix @ matrix[row]
        sims[row] = -1.0  # held out
        if statements_only:
            sims[phrasing] = -1.0
        best = np.full(len(facts), -1.0)
        np.maximum.at(best, owner, sims)
        order = np.argsort(-best)
        rank = int(np.where(order == column[anchors[row]])[0][0]) + 1
        results.append(Result(anchors[row], doc.embed_text, rank, facts[order[0]]))
    return results


def source_files(authored: Path) -> dict[str, str]:
    """Which authored file each fact id comes from."""
    where = {}
    for path in sorted(authored.glob("program_facts*.yaml")):
        for fact in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            where[f"fact:{fact['id']}"] = path.name
    return where


def report(results: list[Result], misses: bool, authored: Path = AUTHORED) -> None:
    """Top-1 and top-3 overall and per file."""
    groups: dict[str, list[Result]] = defaultdict(list)
    where = source_files(authored)
    for r in results:
        groups["overall"].append(r)
        groups[where.get(r.fact, "?")].append(r)
    for name, rows in groups.items():
        n = len(rows)
        print(f"{name:32s} n={n:5d}  top-1 {sum(r.rank == 1 for r in rows) / n:.3f}  "
              f"top-3 {sum(r.rank <= 3 for r in rows) / n:.3f}")
    if misses:
        for r in results:
            if r.rank != 1:
                print(f"  [{r.rank}] {r.fact} <- {r.question!r} (first: {r.first})")


def main() -> None:
    """Parse arguments, run the leave-one-out and print it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list the phrasings whose fact is not first")
    parser.add_argument("--phrasings-only", action="store_true",
                        help="compare with the other phrasings only (not the statements and sentences)")
    parser.add_argument("--statements-only", action="store_true",
                        help="every phrasing held out: the question must reach the fact's own text")
    parser.add_argument("--against-all", action="store_true", help="requirement documents compete with the facts")
    parser.add_argument("--knowledge", type=Path, default=None, help="another knowledge folder (e.g. an old one)")
    args = parser.parse_args()
    kb = get_knowledge_base(args.knowledge) if args.knowledge else get_knowledge_base()
    report(leave_one_out(kb, args.phrasings_only, args.against_all, args.statements_only), args.misses,
           (args.knowledge / "authored") if args.knowledge else AUTHORED)


if __name__ == "__main__":
    main()
