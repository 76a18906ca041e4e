"""Index: knowledge documents, embeddings, Chroma and BM25 stores, incremental builds."""
