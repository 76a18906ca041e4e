"""``Assistant.ask``: the one way through. Front ends call it and render the ``Answer`` it returns."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from assistant.agent import composer
from assistant.agent.answer import Answer
from assistant.agent.guardrail import check
from assistant.agent.prompts import load_yaml, prompts_dir
from assistant.agent.router import Route, Router
from assistant.knowledge import KnowledgeBase, get_knowledge_base
from assistant.knowledge.ids import find_id_mentions
from assistant.retrieval import Hit, HybridRetriever, SearchFilters
from assistant.settings import Settings
from assistant.storage.db import Database, Turn

DOMAIN_SIMILARITY = 0.42  # best dense similarity above which a question without domain words is in domain


class Assistant:
    """Answers compliance questions from the knowledge base; an LLM, when configured, only rewords."""

    def __init__(self, settings: Settings, kb: KnowledgeBase | None = None,
                 retriever: Callable[[], HybridRetriever] | None = None, llm: Any | None = None,
                 database: Database | None = None):
        self.settings = settings
        self.kb = kb or get_knowledge_base(settings.knowledge_dir)
        self._retriever_factory = retriever or self._default_retriever
        self._retriever: HybridRetriever | None = None
        self._retriever_lock = threading.Lock()  # concurrent first questions must open the index once
        self.llm = llm
        self.db = database or Database(settings.data_dir / "assistant.sqlite3")
        self.templates = load_yaml("answer_templates.yaml")
        self.router = Router(self.kb, prompts_dir() / "intent_examples.yaml", embed=self._embed,
                             domain_probe=self._in_domain)

    # ---- public ------------------------------------------------------------------------------

    def ask(self, question: str, conversation_id: str | None = None, context: dict[str, Any] | None = None,
            remember: bool = True) -> Answer:
        """Answer ``question``; a follow-up resolves against the previous turn of ``conversation_id``."""
        started = time.perf_counter()
        conversation_id = conversation_id or uuid.uuid4().hex
        context = dict(context or {})
        previous = self.db.last_turns(conversation_id, 1)
        subject = [c for c in (self.kb.try_resolve(i) for i in previous[-1].subject_ids) if c] if previous else []
        route = self.router.route(question, subject, previous[-1].intent if previous else None)
        answer = self._offline(question, route, context)
        if self.llm is not None and not answer.refused:
            from assistant.agent.llm import reword_with_llm

            answer = reword_with_llm(self, question, route, context, answer)
        answer = check(self.kb, answer, self._allowed_ids(answer) if answer.mode == "llm" else None,
                       _typed_ids(question, context))
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        answer.conversation_id = conversation_id
        if remember:
            self.db.add_turn(Turn(conversation_id, question, answer.intent, answer.text, answer.cited_ids,
                                  [c.id for c in route.controls] or _subject_from(answer)))
        return answer

    def search(self, query: str, k: int = 5, framework: str | None = None) -> list[Hit]:
        """Hybrid search, one hit per requirement."""
        return self.retriever().search(query, k, SearchFilters(framework=framework), collapse=True)

    def retriever(self) -> HybridRetriever:
        """The hybrid retriever, opened (and the index built if needed) on first use."""
        with self._retriever_lock:
            if self._retriever is None:
                self._retriever = self._retriever_factory()
            return self._retriever

    # ---- internals ---------------------------------------------------------------------------

    def _offline(self, question: str, route: Route, context: dict[str, Any]) -> Answer:
        draft = composer.compose(composer.ComposeInput(self.kb, question, route, context, self.templates,
                                                       self.search))
        return Answer(text=draft.text, citations=draft.citations, intent=route.intent, tools_used=draft.tools,
                      confidence=draft.confidence, refused=draft.refused, refusal_reason=draft.refusal_reason,
                      scope_category=draft.scope_category, needs_input=draft.needs_input, mode="offline")

    def _allowed_ids(self, answer: Answer) -> set[str]:
        return {c.id for c in answer.citations}

    def _default_retriever(self) -> HybridRetriever:
        from assistant.index.service import index_manager

        manager = index_manager(self.settings, self.kb)
        return HybridRetriever(self.kb, manager.open(), manager.embedder)

    def _embed(self, texts: list[str]) -> Any:
        return self.retriever()._embedder().embed(texts)

    def _in_domain(self, question: str) -> bool:
        hits = self.retriever().search(question, 1, mode="dense")
        return bool(hits) and (hits[0].breakdown.dense_similarity or 0) >= DOMAIN_SIMILARITY


def _typed_ids(question: str, context: dict[str, Any]) -> set[str]:
    """ID-like strings the user wrote (question and evidence inventory): answers may quote them back."""
    typed = {m.text for m in find_id_mentions(question)}
    for item in context.get("evidence") or []:
        if isinstance(item, dict):
            typed.update(str(c) for c in item.get("controls") or [])
    return typed


def _subject_from(answer: Answer) -> list[str]:
    """What a follow-up refers to when the question named no ID: the first control the answer cited."""
    return answer.cited_ids[:1]


__all__ = ["Answer", "Assistant"]
