"""``build_assistant(settings)``: the one place that wires knowledge base, index, retriever, store and LLM.

The CLI, Slack, the eval runner and the bench all call it; nothing else constructs an ``Assistant``."""

from __future__ import annotations

import logging
from typing import Any

from assistant.agent.assistant import Assistant
from assistant.knowledge import KnowledgeBase, get_knowledge_base
from assistant.retrieval import HybridRetriever
from assistant.retrieval.rerank import RerankerStore
from assistant.settings import Settings
from assistant.storage.db import Database, StoreError

log = logging.getLogger(__name__)


class LlmUnavailable(RuntimeError):
    """The configured LLM could not be set up (missing provider package, key or a bad spec)."""


def chat_model_for(spec: str | None) -> Any | None:
    """The chat model of ``provider:model``; None when unset. Raises ``LlmUnavailable`` with the reason."""
    if not spec:
        return None
    from assistant.agent.llm import chat_model

    try:
        return chat_model(spec)
    except Exception as exc:  # provider packages raise their own types (ImportError, ValueError, auth errors)
        raise LlmUnavailable(f"LLM '{spec}' unavailable ({exc})") from exc


def build_assistant(settings: Settings, kb: KnowledgeBase | None = None, llm: Any | None = None,
                    llm_spec: str | None = None) -> Assistant:
    """An ``Assistant`` for ``settings``: the configured (or given) LLM, the index under ``data_dir``.

    ``llm_spec`` overrides ``settings.llm``; an unavailable LLM raises ``LlmUnavailable`` so the front end can
    say so and fall back to ``build_assistant(settings, llm_spec="")``."""
    kb = kb or get_knowledge_base(settings.knowledge_dir)
    model = llm if llm is not None else chat_model_for(settings.llm if llm_spec is None else llm_spec)

    def retriever() -> HybridRetriever:
        from assistant.index.service import index_manager

        manager = index_manager(settings, kb)
        store = RerankerStore.beside(settings.index_dir, kb, manager.model_id)
        return HybridRetriever(kb, manager.open(), manager.embedder, store)

    database = Database(settings.database_url)
    if settings.retention_days is not None:
        try:
            database.purge(older_than_s=settings.retention_days * 86_400)
        except StoreError as exc:
            log.warning("conversation retention could not be applied: %s", exc)
    return Assistant(settings, kb, retriever, database, llm=model)
