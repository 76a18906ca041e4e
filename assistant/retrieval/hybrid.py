"""``HybridRetriever.search``: the right control first, for IDs and for plain words alike.

1. Every control ID in the query (any spelling the knowledge base resolves) is pinned, in order.
2. Dense (Chroma, cosine) and keyword (BM25) lists are fused by reciprocal rank (k = ``RRF_K``).
3. Filters (framework, level, kind) apply to both lists; each ``Hit`` keeps its score breakdown.
4. ``collapse=True`` fuses the hits per requirement; with a reranker (``retrieval.rerank``) the top
   ``rerank.POOL`` requirements are then reordered by the learned model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from assistant.index.builder import USER_DOC_KIND, IndexReader
from assistant.index.embedding import Embedder
from assistant.knowledge import Control, KnowledgeBase
from assistant.knowledge.ids import find_id_mentions
from assistant.retrieval.rerank import (
    POOL,
    TRAINING_KINDS,
    TRAINING_QUERIES,
    Candidate,
    DocumentMatrix,
    QueryEvidence,
    Reranker,
    RerankerStore,
    as_training_query,
    candidate_features,
    fit,
)

RRF_K = 20  # measured on the dev scenario and dev query sets (k=60 gave 0.697/0.908 recall@1, k=20 0.738/0.908)
CANDIDATES = 100
Mode = Literal["hybrid", "dense", "bm25"]


class ScoreBreakdown(BaseModel):
    """Why a hit ranks where it does."""

    pinned: bool = False
    dense_rank: int | None = None
    dense_similarity: float | None = None
    bm25_rank: int | None = None
    bm25_score: float | None = None
    rrf: float = 0.0
    fused: float | None = None  # the requirement's fused score before the learned reranker replaced it


class Hit(BaseModel):
    """One search result, best first."""

    id: str
    framework: str
    title: str
    score: float
    kind: str
    anchor: str
    source: str = ""
    section: str = ""
    level: int | None = None
    snippet: str = ""
    counterparts: list[str] = []
    doc_id: str = ""
    breakdown: ScoreBreakdown = ScoreBreakdown()


@dataclass(frozen=True)
class SearchFilters:
    """Restrict hits by framework value, CMMC level and document kind."""

    framework: str | None = None
    level: int | None = None
    kind: str | None = None

    def accepts(self, meta: dict[str, Any]) -> bool:
        """True when a document's metadata passes every filter set."""
        return ((self.framework is None or meta.get("framework") == self.framework)
                and (self.level is None or meta.get("level") == self.level)
                and (self.kind is None or meta.get("kind") == self.kind))

    def chroma_where(self) -> dict[str, Any] | None:
        """The same filters as a Chroma ``where`` clause."""
        clauses: list[dict[str, Any]] = []
        if self.framework is not None:
            clauses.append({"framework": self.framework})
        if self.level is not None:
            clauses.append({"level": self.level})
        if self.kind is not None:
            clauses.append({"kind": self.kind})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class HybridRetriever:
    """Search one opened index with the knowledge base beside it."""

    def __init__(self, kb: KnowledgeBase, reader: IndexReader, embedder: Callable[[], Embedder],
                 reranker: RerankerStore | None = None):
        self.kb, self.reader, self._embedder = kb, reader, embedder
        self.reranker = reranker
        self._matrix: DocumentMatrix | None = None

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None, mode: Mode = "hybrid",
               collapse: bool = False, rerank: bool = True) -> list[Hit]:
        """Top ``k`` hits for ``query``; ``collapse`` keeps one hit per requirement (its best), reordered by the
        learned model in hybrid mode when the retriever has one (``rerank=False``: the RRF order, to compare)."""
        filters = filters or SearchFilters()
        pinned = self._pinned(query, filters) if mode == "hybrid" else []
        vector = self._embedder().embed([query])[0] if mode in ("hybrid", "dense") else None
        dense = self._dense(vector, filters) if vector is not None else []
        keyword = self._keyword(query, filters) if mode in ("hybrid", "bm25") else []
        hits = self._fused(pinned, dense, keyword)
        if not collapse:
            return hits[:k]
        requirements = _fuse_by_anchor(hits)
        if rerank and mode == "hybrid" and self.reranker is not None and vector is not None:
            model = self.reranker.get(self.train_reranker)
            requirements = self._rerank(model, QueryEvidence(query, np.asarray(vector), dense, keyword), requirements)
        return [self._as_requirement(h) for h in requirements[:k]]

    def _fused(self, pinned: list[Hit], dense: Sequence[tuple[str, float]],
               keyword: Sequence[tuple[str, float]]) -> list[Hit]:
        """Pinned hits first, then the reciprocal-rank fusion of the two lists."""
        typed = {h.doc_id for h in pinned}
        return pinned + [self._hit(doc_id, b) for doc_id, b in _fuse(dense, keyword) if doc_id not in typed]

    # ---- learned reranking -------------------------------------------------------------------

    def matrix(self) -> DocumentMatrix:
        """The knowledge documents' vectors, read from the index once per retriever."""
        if self._matrix is None:
            got = self.reader.collection.get(include=["embeddings"])
            keep = [i for i, d in enumerate(got["ids"])
                    if d in self.reader.metadata and self.reader.metadata[d].get("kind") != USER_DOC_KIND]
            self._matrix = DocumentMatrix([got["ids"][i] for i in keep], np.asarray(got["embeddings"])[keep],
                                          self.reader.metadata, self.kb)
        return self._matrix

    def _rerank(self, model: Reranker, evidence: QueryEvidence, requirements: list[Hit]) -> list[Hit]:
        """Reorder the knowledge requirements among the first ``POOL`` by the model's score; pinned IDs and
        the user's own documents keep their places."""
        matrix = self.matrix()
        head = requirements[:POOL]
        slots = [i for i, h in enumerate(head) if not h.breakdown.pinned and h.anchor in matrix]
        if len(slots) < 2 or not any(matrix.is_requirement(head[i].anchor) for i in slots):
            return requirements  # nothing the model ranks (e.g. a search filtered to program facts)
        candidates = [Candidate(head[i].anchor, head[i].score, rank) for rank, i in enumerate(slots, 1)]
        probability = model.probabilities(candidate_features(matrix, evidence, candidates))
        order = sorted(range(len(slots)), key=lambda j: (-probability[j], j))
        reordered = list(head)
        for slot, j in zip(slots, order, strict=True):
            hit = head[slots[j]]
            breakdown = hit.breakdown.model_copy(update={"fused": hit.score})
            reordered[slot] = hit.model_copy(update={"score": round(float(probability[j]), 6), "breakdown": breakdown})
        return reordered + requirements[POOL:]

    def training_groups(self, limit: int | None = None) -> list[tuple[np.ndarray, int]]:
        """Leave-one-out training data: each scenario phrasing is a query, with its own document removed from
        the lists and features; the group holds its candidates' features and the row of the requirement it
        belongs to (queries whose requirement is not among the candidates are skipped). The dense list is the
        exact cosine top list over the knowledge documents (what the HNSW index approximates). Deterministic:
        documents in index order, ``limit`` takes an evenly spaced subset."""
        matrix = self.matrix()
        queries = [doc_id for doc_id in matrix.ids if matrix.kind[matrix.row[doc_id]] in TRAINING_KINDS]
        if limit is not None and len(queries) > limit:
            queries = [queries[i * len(queries) // limit] for i in range(limit)]
        texts = {d: self._query_text(d) for d in queries}
        vectors = {d: matrix.vectors[matrix.row[d]] for d in queries}
        asked = [d for d in queries if texts[d] != self._query_text(d, raw=True)]  # the words changed: embed them
        if asked:
            embedded = np.asarray(self._embedder().embed([texts[d] for d in asked]), dtype=np.float32)
            vectors.update({d: v / max(float(np.linalg.norm(v)), 1e-9) for d, v in zip(asked, embedded, strict=True)})
        groups = []
        for start in range(0, len(queries), 256):
            batch = queries[start:start + 256]
            cosines = np.stack([vectors[d] for d in batch]) @ matrix.vectors.T
            groups += [g for g in (self._training_group(matrix, d, texts[d], vectors[d], c)
                                   for d, c in zip(batch, cosines, strict=True)) if g is not None]
        return groups

    def _training_group(self, matrix: DocumentMatrix, doc_id: str, text: str, vector: np.ndarray,
                        cosine: np.ndarray) -> tuple[np.ndarray, int] | None:
        """One leave-one-out group (``cosine``: the query's cosine to every document), or None."""
        row = matrix.row[doc_id]
        cosine[row] = -np.inf
        top = np.argsort(-cosine, kind="stable")[:CANDIDATES]
        dense = [(matrix.ids[i], float(cosine[i])) for i in top]
        keyword = [(d, s) for d, s in self._keyword(text, SearchFilters(), extra=1) if d != doc_id][:CANDIDATES]
        pool = [h for h in _fuse_by_anchor(self._fused([], dense, keyword))[:POOL] if h.anchor in matrix]
        anchors = [h.anchor for h in pool]
        if matrix.anchor[row] not in anchors or len(anchors) < 2:
            return None
        candidates = [Candidate(h.anchor, h.score, rank) for rank, h in enumerate(pool, 1)]
        evidence = QueryEvidence(text, vector, dense, keyword, exclude=doc_id)
        return candidate_features(matrix, evidence, candidates), anchors.index(matrix.anchor[row])

    def _query_text(self, doc_id: str, raw: bool = False) -> str:
        """The words of a phrasing document (``phrase:framework:id:n``) as a user would ask them (``raw``: as
        written)."""
        entry_fw, entry_id, number = doc_id.removeprefix("phrase:").rsplit(":", 2)
        entry = next(e for e in self.kb.phrasings if e.framework == entry_fw and e.control_id == entry_id)
        text = entry.phrasings[int(number)]
        return text if raw else as_training_query(text, entry_fw)

    def train_reranker(self) -> Reranker:
        """Fit the reranker on the leave-one-out groups of this index."""
        return fit(self.training_groups(TRAINING_QUERIES))

    def prepare(self) -> None:
        """Load (or train and save) the reranker now, so that the first search does not wait for it."""
        if self.reranker is not None:
            self.reranker.get(self.train_reranker)

    def _as_requirement(self, hit: Hit) -> Hit:
        return _requirement_view(self.kb, hit)

    # ---- candidate lists ---------------------------------------------------------------------

    def _pinned(self, query: str, filters: SearchFilters) -> list[Hit]:
        controls: list[Control] = []
        whole = self.kb.try_resolve(query) if len(query) <= 40 else None
        for text in ([query] if whole else []) + [m.text for m in find_id_mentions(query)]:
            control = whole if text == query else self.kb.try_resolve(text)
            if control is not None and control not in controls:
                controls.append(control)
        hits = []
        for rank, control in enumerate(controls):
            doc_id = f"{control.framework.value}:{control.id}"
            meta = self.reader.metadata.get(doc_id) or _control_meta(self.kb, control)
            if filters.accepts(meta):
                breakdown = ScoreBreakdown(pinned=True, rrf=0.0)
                hits.append(self._hit(doc_id, breakdown, meta, score=2.0 - rank / 100))
        return hits

    def _dense(self, vector: Any, filters: SearchFilters, extra: int = 0) -> list[tuple[str, float]]:
        result = self.reader.collection.query(query_embeddings=[vector], n_results=CANDIDATES + extra,
                                              where=filters.chroma_where(), include=["distances"])
        return [(doc_id, 1.0 - float(dist)) for doc_id, dist in zip(result["ids"][0], result["distances"][0],
                                                                      strict=True)]

    def _keyword(self, query: str, filters: SearchFilters, extra: int = 0) -> list[tuple[str, float]]:
        found = self.reader.bm25.search(query, (CANDIDATES + extra) * 4)
        return [(doc_id, score) for doc_id, score in found
                if filters.accepts(self.reader.metadata.get(doc_id, {}))][:CANDIDATES + extra]

    def _hit(self, doc_id: str, breakdown: ScoreBreakdown, meta: dict[str, Any] | None = None,
             score: float | None = None) -> Hit:
        meta = meta or self.reader.metadata.get(doc_id, {})
        return Hit(
            id=str(meta.get("id", doc_id)), framework=str(meta.get("framework", "")), title=str(meta.get("title", "")),
            score=round(score if score is not None else breakdown.rrf, 6), kind=str(meta.get("kind", "")),
            anchor=str(meta.get("anchor", doc_id)), source=str(meta.get("source", "")),
            section=str(meta.get("section", "")), level=int(meta["level"]) if meta.get("level") else None,
            counterparts=[c for c in str(meta.get("counterparts", "")).split(",") if c],
            doc_id=doc_id, breakdown=breakdown,
        )


ANCHOR_DECAY = (1.0, 0.5, 0.25)  # weights of a requirement's best, second and third document


def _requirement_view(kb: KnowledgeBase, hit: Hit) -> Hit:
    """A fused hit named by its requirement (ID, framework, title); ``doc_id`` keeps the best evidence document."""
    if hit.breakdown.pinned:
        return hit  # an ID the user typed is shown as typed
    control = kb.try_resolve(hit.anchor) if hit.anchor and ":" not in hit.anchor else None
    if control is None or (hit.id == control.id and hit.framework == control.framework.value):
        return hit
    return hit.model_copy(update={"id": control.id, "framework": control.framework.value, "title": control.title,
                                  "section": hit.section or hit.title})


def _fuse_by_anchor(hits: list[Hit]) -> list[Hit]:
    """One hit per requirement: its documents' fused scores summed with decaying weights (so a requirement
    that several phrasings, objectives and passages point at outranks one lucky passage); the requirement's
    best document stands for it. Pinned IDs stay first, in the order typed."""
    groups: dict[str, list[Hit]] = {}
    for hit in hits:
        groups.setdefault(hit.anchor, []).append(hit)
    fused = []
    for members in groups.values():
        best = members[0]
        if best.breakdown.pinned:
            fused.append(best)
            continue
        score = sum(w * m.breakdown.rrf for w, m in zip(ANCHOR_DECAY, members, strict=False))
        fused.append(best.model_copy(update={"score": round(score, 6)}))
    return sorted(fused, key=lambda h: (not h.breakdown.pinned, -h.score))


def parse_mode(value: str) -> Mode:
    """Validate a search mode typed by a user."""
    modes: dict[str, Mode] = {"hybrid": "hybrid", "dense": "dense", "bm25": "bm25"}
    if value not in modes:
        raise ValueError(f"unknown mode '{value}'; use hybrid, dense or bm25")
    return modes[value]


def _fuse(dense: Sequence[tuple[str, float]], keyword: Sequence[tuple[str, float]]) -> list[tuple[str, ScoreBreakdown]]:
    """Reciprocal-rank fusion; ties keep dense order first."""
    scores: dict[str, ScoreBreakdown] = {}
    for rank, (doc_id, similarity) in enumerate(dense, start=1):
        entry = scores.setdefault(doc_id, ScoreBreakdown())
        entry.dense_rank, entry.dense_similarity = rank, round(similarity, 4)
        entry.rrf += 1.0 / (RRF_K + rank)
    for rank, (doc_id, bm25) in enumerate(keyword, start=1):
        entry = scores.setdefault(doc_id, ScoreBreakdown())
        entry.bm25_rank, entry.bm25_score = rank, round(bm25, 4)
        entry.rrf += 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1].rrf)


def _control_meta(kb: KnowledgeBase, control: Control) -> dict[str, Any]:
    """Metadata for a pinned control that is not itself indexed (e.g. an 800-53 control)."""
    from assistant.index.documents import anchor_of

    return {"id": control.id, "framework": control.framework.value, "title": control.title,
            "kind": control.kind, "level": control.level or 0, "anchor": anchor_of(kb, control),
            "source": kb.framework(control.framework).name}
