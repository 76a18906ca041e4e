"""``python -m assistant.index.precompute``: embed every knowledge document with the reference
sentence-transformers model and write the vector cache that ships in ``knowledge/vectors/``.

Run it (``make vectors``) whenever ``make knowledge`` changed what is indexed; a test fails when the
shipped cache misses a document, so a fresh install never has to embed the whole corpus.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from assistant.index.documents import knowledge_documents
from assistant.index.embedding import SentenceTransformerEmbedder, model_files
from assistant.index.service import SHIPPED_VECTORS
from assistant.index.vectors import VectorCache, text_key
from assistant.knowledge import get_knowledge_base
from assistant.knowledge.paths import knowledge_dir, prompts_dir
from assistant.understanding.intents import training_phrasings


def main(argv: list[str] | None = None) -> int:
    """Write the shipped vector cache for the current knowledge base."""
    parser = argparse.ArgumentParser(prog="python -m assistant.index.precompute", description=__doc__)
    parser.add_argument("--knowledge", type=Path, default=knowledge_dir())
    args = parser.parse_args(argv)
    kb = get_knowledge_base(args.knowledge)
    docs = knowledge_documents(kb)
    files = model_files()
    target = args.knowledge / SHIPPED_VECTORS
    target.unlink(missing_ok=True)  # start clean: no vectors of removed documents linger
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
