"""Hybrid search over the index: exact-ID pinning, dense + keyword, reciprocal-rank fusion."""

from assistant.retrieval.hybrid import Hit, HybridRetriever, ScoreBreakdown, SearchFilters

__all__ = ["Hit", "HybridRetriever", "ScoreBreakdown", "SearchFilters"]
