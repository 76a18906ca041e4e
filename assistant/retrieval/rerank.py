"""A learned reranker over the requirement candidates of a collapsed (one hit per requirement) search.

The fused RRF list proposes the top ``POOL`` requirements; a conditional-logit model (softmax over one query's
candidates, linear in ``FEATURES``) reorders them. Features per (query, requirement): its fused RRF score and
rank, the exact cosine of the query to its best document, its statement, its nearest scenario phrasing and the
centroid of its phrasings, its BM25 scores (best document, statement), how many lexicon terms in the query name
it, and framework cues in the query (ISO, Level 3, Level 1) against the requirement's framework.

Training never sees an evaluation question: authored scenario phrasings are the queries, each with its own
document left out of every list and feature (leave-one-out), so the model learns how a *new* phrasing relates to
a requirement's remaining documents. The weights are saved beside the index, tagged with a hash of the knowledge
version, the embedding model and the feature format; prediction is numpy only (scipy fits).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.knowledge import KnowledgeBase

FORMAT_VERSION = 4
POOL = 30  # requirement candidates the model reorders
TRAINING_QUERIES = 1200  # leave-one-out phrasings trained on (evenly spaced; all 2,425 took 33 s for the same figures)
WEIGHTS_FILE = "rerank.npz"  # beside the index
SHIPPED_WEIGHTS = f"vectors/{WEIGHTS_FILE}"  # in the knowledge folder, written by the precompute
REGULARIZATION = 1.0  # L2 penalty on the standardized weights (sum over training queries of the log-loss)
STATEMENT_KINDS = frozenset({"requirement", "control", "clause", "practice", "program-fact", "asset-category",
                             "poam-rule", "sprs-rule"})
PHRASING_KINDS = frozenset({"phrasing", "fact-question"})
TRAINING_KINDS = frozenset({"phrasing"})  # the model learns to find a requirement: phrasings are its queries
# The product answers in CMMC / 800-171 terms unless the question names ISO (as the search skill does): an ISO
# Annex A phrasing used as a training query is asked the way a user asks for ISO, with this cue before it.
ISO_QUERY_CUE = "ISO 27001: "
_CUES: dict[str, re.Pattern[str]] = {
    "iso": re.compile(r"\b(iso(?:/iec)?|27001|annex a|isms|soa|statement of applicability)\b", re.I),
    "l3": re.compile(r"\b(level\s*3|l3|800-172|enhanced)\b", re.I),
    "l1": re.compile(r"\b(level\s*1|l1|fci|52\.204-21)\b", re.I),
}
FEATURES = (
    "rrf", "fused_rank", "dense_max", "cos_statement", "cos_phrasing", "centroid", "bm25_max", "bm25_statement",
    "lexicon_any", "iso_match", "iso_mismatch", "iso_uncued", "l3_match", "l3_mismatch", "l1_match", "is_program",
)


@dataclass(frozen=True)
class Candidate:
    """One requirement proposed by the fused list: its anchor, fused score and rank."""

    anchor: str
    rrf: float
    rank: int


@dataclass(frozen=True)
class QueryEvidence:
    """What the first stage saw for one query: its vector and the dense and keyword lists (doc ID, score)."""

    text: str
    vector: np.ndarray
    dense: Sequence[tuple[str, float]]
    keyword: Sequence[tuple[str, float]]
    exclude: str | None = None  # a document left out (its own, when a phrasing is the training query)


class DocumentMatrix:
    """The knowledge documents' vectors grouped by the requirement they stand for (read once from the index)."""

    def __init__(self, ids: list[str], vectors: np.ndarray, metadata: dict[str, dict[str, Any]], kb: KnowledgeBase):
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.ids, self.vectors = ids, (vectors / np.maximum(norms, 1e-9)).astype(np.float32)
        self.row = {doc_id: i for i, doc_id in enumerate(ids)}
        self.anchor = [str(metadata[d].get("anchor", d)) for d in ids]
        self.kind = [str(metadata[d].get("kind", "")) for d in ids]
        rows: dict[str, list[int]] = {}
        for i, anchor in enumerate(self.anchor):
            rows.setdefault(anchor, []).append(i)
        self.all_rows = {a: np.array(r, dtype=int) for a, r in rows.items()}
        self.statement_mask = {a: np.array([self.kind[i] in STATEMENT_KINDS for i in r], dtype=bool)
                               for a, r in rows.items()}
        self.phrasing_mask = {a: np.array([self.kind[i] in PHRASING_KINDS for i in r], dtype=bool)
                              for a, r in rows.items()}
        self.framework = {a: _anchor_framework(kb, a) for a in rows}
        self.level1 = {str(e.target) for c in kb.controls() if c.framework.value == "far-52.204-21"
                       for e in kb.edges_of(c.framework, c.id)}
        self.phrasing_sum = {a: self.vectors[r[self.phrasing_mask[a]]].sum(axis=0)
                             for a, r in self.all_rows.items() if self.phrasing_mask[a].any()}
        self._lexicon_names, self._lexicon_pattern = _lexicon_index(kb)

    def lexicon_hits(self, text: str) -> list[frozenset[str]]:
        """For each lexicon term named in ``text`` (whole words, any alias), the requirements it lists."""
        if self._lexicon_pattern is None:
            return []
        found = {m.group(0).lower() for m in self._lexicon_pattern.finditer(text)}
        return [listed for name in sorted(found) for listed in self._lexicon_names.get(name, [])]

    def __contains__(self, anchor: str) -> bool:
        return anchor in self.all_rows

    def is_requirement(self, anchor: str) -> bool:
        """True for an anchor that is a control of a framework (not a program fact, rule or bare passage)."""
        return bool(self.framework.get(anchor))


def _anchor_framework(kb: KnowledgeBase, anchor: str) -> str:
    """The framework of the control an anchor names ("" for program facts, rules and passages)."""
    control = kb.try_resolve(anchor) if ":" not in anchor else None
    return control.framework.value if control is not None else ""


def _lexicon_index(kb: KnowledgeBase) -> tuple[dict[str, list[frozenset[str]]], re.Pattern[str] | None]:
    """Every lexicon name (term or alias, lower case) with the requirement sets of the terms it names, and one
    whole-word pattern over all names (longest first, so "Windows LAPS" wins over "LAPS")."""
    names: dict[str, list[frozenset[str]]] = {}
    for entry in kb.lexicon:
        listed = frozenset([*entry.controls, *entry.iso])
        for name in {n.strip().lower() for n in [entry.term, *entry.aliases] if len(n.strip()) >= 2}:
            if entry.controls:
                names.setdefault(name, []).append(listed)
    if not names:
        return names, None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
    return names, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)


@dataclass(frozen=True)
class _QueryView:
    """Per-query values shared by every candidate's features."""

    query: np.ndarray
    cosine: dict[str, np.ndarray]  # per candidate: cosine of the query to each of its documents (``all_rows``)
    excluded: int | None  # the left-out document's row
    keyword: dict[str, list[tuple[str, float]]]
    top_bm25: float
    lexicon: list[frozenset[str]]
    cues: dict[str, bool]


def as_training_query(text: str, framework: str) -> str:
    """The words of a phrasing as a user would ask for its requirement: ISO ones name ISO (``ISO_QUERY_CUE``)."""
    if framework.startswith("iso27001") and not _CUES["iso"].search(text):
        return ISO_QUERY_CUE + text
    return text


def candidate_features(matrix: DocumentMatrix, evidence: QueryEvidence, candidates: Sequence[Candidate]) -> np.ndarray:
    """One row of ``FEATURES`` per candidate."""
    vector = np.asarray(evidence.vector, dtype=np.float32)
    excluded = matrix.row.get(evidence.exclude) if evidence.exclude else None
    keyword: dict[str, list[tuple[str, float]]] = {}
    for doc_id, score in evidence.keyword:
        row = matrix.row.get(doc_id)
        if row is not None and row != excluded:
            keyword.setdefault(matrix.anchor[row], []).append((matrix.kind[row], score))
    query = vector / max(float(np.linalg.norm(vector)), 1e-9)
    known = [c.anchor for c in candidates if c.anchor in matrix]
    rows = np.concatenate([matrix.all_rows[a] for a in known]) if known else np.zeros(0, dtype=int)
    cosine = matrix.vectors[rows] @ query
    if excluded is not None:
        cosine[rows == excluded] = np.nan
    split = np.cumsum([len(matrix.all_rows[a]) for a in known])[:-1]
    view = _QueryView(
        query, dict(zip(known, np.split(cosine, split), strict=True)), excluded, keyword,
        max((s for d, s in evidence.keyword if d != evidence.exclude), default=1.0) or 1.0,
        matrix.lexicon_hits(evidence.text), {name: bool(p.search(evidence.text)) for name, p in _CUES.items()})
    return np.array([_row(matrix, view, cand) for cand in candidates], dtype=np.float32)


def _best(values: np.ndarray) -> float:
    """The highest cosine among ``values`` (NaN for the left-out document), 0 when none."""
    values = values[~np.isnan(values)]
    return float(values.max()) if len(values) else 0.0


def _row(matrix: DocumentMatrix, view: _QueryView, cand: Candidate) -> list[float]:
    """The feature values of one candidate, in the order of ``FEATURES``."""
    known = cand.anchor in matrix
    centroid = matrix.phrasing_sum.get(cand.anchor)
    if centroid is not None and view.excluded is not None and matrix.anchor[view.excluded] == cand.anchor:
        centroid = centroid - matrix.vectors[view.excluded]
    keyword = view.keyword.get(cand.anchor, [])
    framework = matrix.framework.get(cand.anchor, "")
    iso, l3 = framework.startswith("iso27001"), framework == "nist-800-172"
    cosine = view.cosine.get(cand.anchor, np.zeros(0))
    return [
        cand.rrf, 1.0 / cand.rank, _best(cosine),
        _best(cosine[matrix.statement_mask[cand.anchor]]) if known else 0.0,
        _best(cosine[matrix.phrasing_mask[cand.anchor]]) if known else 0.0,
        _cos(view.query, centroid),
        max((s for _, s in keyword), default=0.0) / view.top_bm25,
        max((s for k, s in keyword if k in STATEMENT_KINDS), default=0.0) / view.top_bm25,
        float(sum(cand.anchor in listed for listed in view.lexicon)),
        float(view.cues["iso"] and iso), float(view.cues["iso"] and not iso), float(iso and not view.cues["iso"]),
        float(view.cues["l3"] and l3),
        float(view.cues["l3"] and not l3), float(view.cues["l1"] and cand.anchor in matrix.level1),
        float(not framework),
    ]


def _cos(query: np.ndarray, vector: np.ndarray | None) -> float:
    if vector is None:
        return 0.0
    norm = float(np.linalg.norm(vector))
    return float(vector @ query) / norm if norm > 1e-9 else 0.0


@dataclass(frozen=True)
class Reranker:
    """Conditional-logit weights over standardized features."""

    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def scores(self, features: np.ndarray) -> np.ndarray:
        """One score per candidate row (higher is better)."""
        return np.asarray(((features - self.mean) / self.scale) @ self.weights, dtype=np.float64)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """The softmax of the scores over one query's candidates: how likely each is the one asked for."""
        z = self.scores(features)
        z = np.exp(z - z.max())
        return np.asarray(z / z.sum(), dtype=np.float64)

    def save(self, path: Path, digest: str) -> None:
        """Weights with the data hash they were trained from (written atomically)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, weights=self.weights, mean=self.mean, scale=self.scale,
                 meta=np.array(json.dumps({"digest": digest, "features": list(FEATURES)})))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, digest: str) -> Reranker | None:
        """The saved model, or None when missing, damaged or trained from other data or features."""
        try:
            with np.load(path) as data:
                meta = json.loads(str(data["meta"]))
                if meta.get("digest") != digest or meta.get("features") != list(FEATURES):
                    return None
                return cls(data["weights"], data["mean"], data["scale"])
        except (OSError, ValueError, KeyError):
            return None


def fit(groups: Sequence[tuple[np.ndarray, int]], regularization: float = REGULARIZATION) -> Reranker:
    """Fit the conditional logit: for each query (its candidates' features, the positive's row) maximize the
    softmax probability of the positive; L2 on the weights of standardized features. Deterministic (L-BFGS)."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]

    if not groups:  # nothing to learn from (a knowledge base without phrasings): keep the fused order
        weights = np.zeros(len(FEATURES))
        weights[FEATURES.index("rrf")] = 1.0
        return Reranker(weights, np.zeros(len(FEATURES)), np.ones(len(FEATURES)))
    stacked = np.vstack([x for x, _ in groups]).astype(np.float64)
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale[scale < 1e-6] = 1.0
    xs = [((x - mean) / scale) for x, _ in groups]
    positives = [p for _, p in groups]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * regularization * float(w @ w), regularization * w.copy()
        for x, p in zip(xs, positives, strict=True):
            z = x @ w
            z -= z.max()
            prob = np.exp(z)
            prob /= prob.sum()
            total -= float(np.log(max(prob[p], 1e-300)))
            grad += x.T @ prob - x[p]
        return total, grad

    result = minimize(loss, np.zeros(stacked.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return Reranker(result.x.astype(np.float64), mean, scale)


def data_hash(kb: KnowledgeBase, model_id: str) -> str:
    """What the weights depend on: the knowledge version, the embedding model and the feature format."""
    blob = (f"{FORMAT_VERSION}:{kb.data.manifest.content_hash}:{model_id}:{POOL}:{REGULARIZATION}:"
            f"{TRAINING_QUERIES}:{','.join(FEATURES)}")
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class RerankerStore:
    """Loads the reranker saved beside the index, training (and saving) it when missing or stale."""

    def __init__(self, path: Path, kb: KnowledgeBase, model_id: str, shipped: Path | None = None):
        self.path, self.kb, self.model_id = path, kb, model_id
        # weights precomputed for this knowledge version ship in knowledge/vectors/: a fresh index uses them
        # instead of training for half a minute
        self.shipped = shipped if shipped is not None else kb.data.root / SHIPPED_WEIGHTS
        self._model: Reranker | None = None
        self._lock = threading.Lock()

    @classmethod
    def beside(cls, index_dir: Path, kb: KnowledgeBase, model_id: str) -> RerankerStore:
        """The store of the index in ``index_dir``."""
        return cls(index_dir / WEIGHTS_FILE, kb, model_id)

    def get(self, train: Callable[[], Reranker]) -> Reranker:
        """The model for the current knowledge; ``train`` makes it when none fits."""
        with self._lock:
            if self._model is None:
                digest = data_hash(self.kb, self.model_id)
                found = Reranker.load(self.path, digest) or Reranker.load(self.shipped, digest)
                if found is None:
                    found = train()
                    with contextlib.suppress(OSError):  # a read-only data dir: keep it in memory
                        found.save(self.path, digest)
                self._model = found
            return self._model
