"""``python -m assistant.precompute``: embed every knowledge document with the reference
sentence-transformers model and write the vector cache that ships in ``knowledge/vectors/``, then train the
requirement reranker once over a throwaway index built from that cache and ship its weights beside it.

It sits above the layers it feeds (index, retrieval, understanding), so none of them imports another upward.

Run it (``make vectors``) whenever ``make knowledge`` changed what is indexed; a test fails when the
shipped cache misses a document, so a fresh install never has to embed the whole corpus.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.index.documents import knowledge_documents
from assistant.index.embedding import SentenceTransformerEmbedder, model_files
from assistant.index.service import SHIPPED_VECTORS
from assistant.index.vectors import VectorCache, text_key
from assistant.knowledge import KnowledgeBase, get_knowledge_base
from assistant.knowledge.paths import knowledge_dir, prompts_dir
from assistant.understanding.intents import training_phrasings


def main(argv: list[str] | None = None) -> int:
    """Write the shipped vector cache for the current knowledge base."""
    parser = argparse.ArgumentParser(prog="python -m assistant.precompute", description=__doc__)
    parser.add_argument("--knowledge", type=Path, default=knowledge_dir())
    parser.add_argument("--no-reranker", action="store_true", help="only the vectors")
    parser.add_argument("--fresh", action="store_true", help="embed every text again instead of reusing the cache")
    args = parser.parse_args(argv)
    kb = get_knowledge_base(args.knowledge)
    docs = knowledge_documents(kb)
    files = model_files()
    target = args.knowledge / SHIPPED_VECTORS
    started = time.perf_counter()
    unique = {d.embed_hash: d.embed_text for d in docs}
    phrasings = training_phrasings(prompts_dir() / "intents.yaml", kb)  # the intent classifier trains on these
    unique.update({text_key(t): t for texts in phrasings.values() for t in texts})
    known = {} if args.fresh else reusable(VectorCache(target, files.model_id), list(unique))
    shutil.rmtree(target, ignore_errors=True)  # start clean: no vectors of removed documents linger
    target.with_name(target.name + ".npz").unlink(missing_ok=True)  # the single-file cache of before
    cache = VectorCache(target, files.model_id)
    missing = [key for key in unique if key not in known]
    for key, vector in known.items():
        cache.put(key, vector)
    if missing:
        embedded = SentenceTransformerEmbedder(files).embed([unique[k] for k in missing])
        for key, vector in zip(missing, embedded, strict=True):
            cache.put(key, vector)
    cache.save()
    print(f"{len(unique)} vectors for {len(docs)} documents ({files.model_id}; {len(missing)} embedded, "
          f"{len(known)} reused) in {time.perf_counter() - started:.0f} s -> {target}")
    if not args.no_reranker:
        ship_reranker(kb)
    return 0


def reusable(previous: VectorCache, keys: list[str]) -> dict[str, np.ndarray]:
    """The vectors the previous cache already holds for ``keys`` (same model: the cache checks its model ID).
    The key is a hash of the embedded text, so a reused vector is the one embedding that text would give."""
    if not previous.exists():
        return {}
    return {key: vector for key in keys if (vector := previous.get(key)) is not None}


def ship_reranker(kb: KnowledgeBase) -> None:
    """Train the reranker over a throwaway index of the shipped vectors; write its weights to knowledge/vectors/."""
    from assistant.index.service import index_manager
    from assistant.retrieval import HybridRetriever
    from assistant.retrieval.rerank import RerankerStore, data_hash
    from assistant.settings import Settings

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ca-precompute-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=f"sqlite:///{Path(tmp) / 'db.sqlite3'}")
        manager = index_manager(settings, kb)
        manager.build(lambda *_: None)
        target = kb.data.root / "vectors" / "rerank.npz"
        target.unlink(missing_ok=True)  # train, never reuse the weights being replaced
        store = RerankerStore(Path(tmp) / "rerank.npz", kb, manager.model_id, shipped=target)
        model = HybridRetriever(kb, manager.open(), manager.embedder, store).train_reranker()
        model.save(target, data_hash(kb, manager.model_id))
    print(f"reranker trained in {time.perf_counter() - started:.0f} s -> {target}")


if __name__ == "__main__":
    sys.exit(main())
