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
    args = parser.parse_args(argv)
    kb = get_knowledge_base(args.knowledge)
    docs = knowledge_documents(kb)
    files = model_files()
    target = args.knowledge / SHIPPED_VECTORS
    shutil.rmtree(target, ignore_errors=True)  # start clean: no vectors of removed documents linger
    target.with_name(target.name + ".npz").unlink(missing_ok=True)  # the single-file cache of before
    cache = VectorCache(target, files.model_id)
    started = time.perf_counter()
    unique = {d.embed_hash: d.embed_text for d in docs}
    phrasings = training_phrasings(prompts_dir() / "intents.yaml", kb)  # the intent classifier trains on these
    unique.update({text_key(t): t for texts in phrasings.values() for t in texts})
    vectors = SentenceTransformerEmbedder(files).embed(list(unique.values()))
    for key, vector in zip(unique, vectors, strict=True):
        cache.put(key, vector)
    cache.save()
    print(f"{len(unique)} vectors for {len(docs)} documents ({files.model_id}) in "
          f"{time.perf_counter() - started:.0f} s -> {target}")
    if not args.no_reranker:
        ship_reranker(kb)
    return 0


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
