"""``Assistant.ask``: the one way through. Front ends call it and render the ``Answer`` it returns.

question -> ``QuestionFrame`` (hard tokens + ranked asks) -> one skill per ask -> one merged answer with one
set of citations -> optional LLM wording -> guardrail.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.agent.guardrail import check
from assistant.agent.prompts import load_yaml, prompts_dir
from assistant.knowledge import KnowledgeBase
from assistant.knowledge.ids import find_id_mentions
from assistant.retrieval import Hit, HybridRetriever, SearchFilters
from assistant.settings import Settings
from assistant.skills.answer import Answer
from assistant.skills.base import Draft, SkillDeps, SkillInput, sources_line
from assistant.skills.registry import SKILLS, skill_for
from assistant.storage.db import Database, StoreError, Turn
from assistant.understanding.context import Context, parse_context
from assistant.understanding.frame import Ask, QuestionFrame
from assistant.understanding.grounding import GroundingProbe
from assistant.understanding.intents import ClassifierStore, IntentClassifier
from assistant.understanding.reader import QuestionReader, ReaderRules

if TYPE_CHECKING:
    from assistant.index.vectors import VectorCache

MAX_ASKS = 3
log = logging.getLogger(__name__)


def reader_rules() -> ReaderRules:
    """What the registry tells question understanding about the labels."""
    return ReaderRules(
        control_intents=frozenset(name for name, s in SKILLS.items() if s.uses_controls),
        need_controls=frozenset({"lookup", "crosswalk", "ssp"}),
    )


class Assistant:
    """Answers compliance questions from the knowledge base; an LLM, when configured, only rewords.

    Build it with ``build_assistant(settings)``; the keyword arguments exist for tests and the bench."""

    def __init__(self, settings: Settings, kb: KnowledgeBase, retriever: Callable[[], HybridRetriever],
                 database: Database, llm: Any | None = None,
                 classifier: Callable[[], IntentClassifier] | None = None):
        self.settings, self.kb, self.llm, self.db = settings, kb, llm, database
        self._retriever_factory = retriever
        self._retriever: HybridRetriever | None = None
        self._retriever_lock = threading.Lock()  # concurrent first questions must open the index once
        self.templates = load_yaml("answer_templates.yaml")
        self._cached_embed: Callable[[Any], Any] | None = None
        self._shipped: VectorCache | None = None
        store = ClassifierStore(prompts_dir() / "intents.yaml", settings.index_dir / "intents.npz", self._embed, kb)
        self._classifier = classifier or store.get
        self._probe: GroundingProbe | None = None
        self._fact_probe: GroundingProbe | None = None
        self._requirement_probe: GroundingProbe | None = None
        self.reader = QuestionReader(kb, self._classifier, reader_rules(), grounding=self._grounding,
                                     fact_match=self._fact_match, requirement_match=self._requirement_match)

    # ---- public ------------------------------------------------------------------------------

    def ask(self, question: str, conversation_id: str | None = None, context: Context | dict[str, Any] | None = None,
            remember: bool = True) -> Answer:
        """Answer ``question``; a follow-up resolves against the previous turn of ``conversation_id``.

        A context of the wrong shape raises ``ContextError`` (its message names the field)."""
        started = time.perf_counter()
        ctx = parse_context(context)
        conversation_id = conversation_id or uuid.uuid4().hex
        previous = self.db.last_turns(conversation_id, 1)
        subject = [c for c in (self.kb.try_resolve(i) for i in previous[-1].subject_ids) if c] if previous else []
        frame = self.reader.read(question, subject, previous[-1].intent if previous else None, _priors(ctx))
        deps = SkillDeps(self.kb, self.templates, self._search, ctx, workspace=self._workspace)
        answer = self._offline(frame, deps)
        if self.llm is not None and not answer.refused:
            from assistant.agent.llm import reword_with_llm

            answer = reword_with_llm(self.llm, deps, question, answer, self.settings.llm_timeout_s)
        answer = check(self.kb, answer, {c.id for c in answer.citations} if answer.mode == "llm" else None,
                       {m.text for m in find_id_mentions(question)} | ctx.typed_ids())
        answer.notes = [*ctx.notes, *answer.notes]
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        answer.conversation_id = conversation_id
        if remember:
            self._remember(conversation_id, question, answer, frame)
        return answer

    def search(self, query: str, k: int = 5, framework: str | None = None) -> list[Hit]:
        """Hybrid search, one hit per requirement. An index rebuilt by another process since it was opened
        (its collection swapped away) is reopened once."""
        try:
            return self.retriever().search(query, k, SearchFilters(framework=framework), collapse=True)
        except Exception as exc:
            if not type(exc).__module__.startswith("chromadb"):
                raise
            with self._retriever_lock:
                self._retriever = None
            return self.retriever().search(query, k, SearchFilters(framework=framework), collapse=True)

    def retriever(self) -> HybridRetriever:
        """The hybrid retriever, opened (and the index built if needed) on first use."""
        with self._retriever_lock:
            if self._retriever is None:
                self._retriever = self._retriever_factory()
            return self._retriever

    # ---- internals ---------------------------------------------------------------------------

    def _search(self, query: str, k: int, framework: str | None) -> list[Hit]:
        return self.search(query, k, framework)

    def _offline(self, frame: QuestionFrame, deps: SkillDeps) -> Answer:
        answered: list[tuple[Ask, Draft]] = []
        for ask in frame.asks[:MAX_ASKS] + frame.alternatives:
            skill = skill_for(ask.intent)
            if skill.name in ("lookup", "crosswalk", "ssp") and not frame.controls:
                continue
            draft = skill.run(deps, skill.read(SkillInput(deps, frame, ask)))
            answered.append((ask, draft))
            if draft.refused:
                break
            if not frame.controls:  # later asks ("what is it worth?") are about what the first one found
                frame.controls = [c for c in (self.kb.try_resolve(x.id) for x in draft.citations
                                              if x.kind == "control") if c][:1]
        return _merge(frame, answered, deps)

    def _remember(self, conversation_id: str, question: str, answer: Answer, frame: QuestionFrame) -> None:
        try:
            self.db.add_turn(Turn(conversation_id, question, answer.intent, answer.text, answer.cited_ids,
                                  [c.id for c in frame.controls] or answer.cited_ids[:1]))
        except StoreError as exc:
            answer.notes.append(f"This answer was not saved to the conversation store ({exc}).")

    def _workspace(self) -> tuple[Any, list[Any]]:
        """The stored system profile and evidence register ((None, []) when none is stored or readable)."""
        from assistant.workspace.repository import Workspace

        try:
            workspace = Workspace(self.kb, self.db.url)
            return workspace.profile(), workspace.evidence()
        except Exception:  # a store that cannot be read leaves the draft to what the question says
            log.warning("workspace could not be read", exc_info=True)
            return None, []

    def _grounding(self, question: str) -> float:
        if self._probe is None:
            self._probe = self._probe_over(lambda anchor: True)
        return self._probe.score(question) if self._probe is not None else 1.0

    def _fact_match(self, question: str) -> float:
        """Best similarity of the question to a program fact's documents (statement, sentences, questions)."""
        if self._fact_probe is None:
            self._fact_probe = self._probe_over(lambda anchor: anchor.startswith("fact:"))
        return self._fact_probe.score(question) if self._fact_probe is not None else 0.0

    def _requirement_match(self, question: str) -> float:
        """Best similarity of the question to a requirement's documents (text, objectives, phrasings, lexicon)."""
        if self._requirement_probe is None:
            self._requirement_probe = self._probe_over(lambda anchor: self.kb.try_resolve(anchor) is not None)
        return self._requirement_probe.score(question) if self._requirement_probe is not None else 0.0

    def _probe_over(self, keep: Callable[[str], bool]) -> GroundingProbe | None:
        from assistant.index.documents import knowledge_documents

        keys = {d.embed_hash for d in knowledge_documents(self.kb) if keep(str(d.metadata.get("anchor", "")))}
        shipped = self._shipped_vectors()
        return GroundingProbe.from_vectors((shipped.get(k) for k in sorted(keys)), self._classifier().embed)

    def _shipped_vectors(self) -> VectorCache:
        """The shipped vector cache (``knowledge/vectors``), read once."""
        if self._shipped is None:
            from assistant.index.embedding import model_files
            from assistant.index.service import SHIPPED_VECTORS
            from assistant.index.vectors import VectorCache

            self._shipped = VectorCache(self.kb.data.root / SHIPPED_VECTORS, model_files().model_id)
        return self._shipped

    def _embed(self, texts: Any) -> Any:
        if self._cached_embed is None:
            from assistant.index.vectors import with_shipped_vectors

            self._cached_embed = with_shipped_vectors(self.retriever()._embedder(), self._shipped_vectors())
        return self._cached_embed(list(texts))


def _priors(context: Context) -> dict[str, float]:
    """What the context makes likelier: an evidence inventory for evidence and SSP asks, a status for scoring."""
    priors: dict[str, float] = {}
    if context.evidence:
        priors.update({"evidence": 3.0, "ssp": 2.0})
    if context.not_met or context.partial:
        priors.update({"sprs": 2.0, "poam": 2.0})
    return priors


def _merge(frame: QuestionFrame, answered: list[tuple[Ask, Draft]], deps: SkillDeps) -> Answer:
    """One answer from the drafts of each ask, in order, with one set of citations."""
    if not answered:
        answered = [(Ask("search", 0.0), SKILLS["search"].run(deps, SKILLS["search"].read(
            SkillInput(deps, frame, Ask("search", 0.0, frame.question)))))]
    first_ask, first = answered[0]
    if len(answered) == 1:
        return _answer(first_ask, first, first.text, first.citations)
    citations = list({(c.kind, c.id): c for _, d in answered for c in d.citations}.values())
    sections = [first.body or first.text]
    for ask, draft in answered[1:]:
        heading = "alternative" if ask in frame.alternatives else "next"
        reading = deps.t("headings", skill_for(ask.intent).name)
        sections.append(deps.t("common", heading, reading=reading) + "\n" + (draft.body or draft.text))
    text = "\n\n".join(sections) + "\n\n" + deps.t("common", "sources", sources=sources_line(citations))
    answer = _answer(first_ask, first, text, citations)
    answer.tools_used = list(dict.fromkeys(t for _, d in answered for t in d.tools))
    answer.needs_input = all(d.needs_input for _, d in answered)
    answer.scope_category = next((d.scope_category for _, d in answered if d.scope_category), None)
    return answer


def _answer(ask: Ask, draft: Draft, text: str, citations: list[Any]) -> Answer:
    intent = "refusal" if draft.refused and skill_for(ask.intent).name == "decline" else skill_for(ask.intent).name
    return Answer(text=text, citations=citations, intent=intent, tools_used=draft.tools,
                  confidence=draft.confidence, refused=draft.refused, refusal_reason=draft.refusal_reason,
                  scope_category=draft.scope_category, needs_input=draft.needs_input, mode="offline")


__all__ = ["Answer", "Assistant"]
