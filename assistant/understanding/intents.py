"""The intent classifier: logistic regression over the sentence embeddings the index already computes.

Trained from labelled phrasings kept as data (``prompts/intents.yaml``) when the index is built, or on
first use; the weights are saved beside the index with the hash of the data they came from, so a change
of phrasings retrains by itself. Prediction is numpy only (scikit-learn is imported for training alone).
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
import yaml

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.ids import find_id_mentions

Embed = Callable[[Sequence[str]], Any]
FORMAT_VERSION = 3
_CLAUSE = re.compile(r"(?<=[?;])\s+|\s*(?:,|\band\b)\s+(?=(?:what|how|can|may|could|is|are|does|do|should|which|will|"
                     r"would|and|also)\b)", re.I)


@dataclass(frozen=True)
class Prediction:
    """Probabilities over the labels, best first."""

    ranked: list[tuple[str, float]]

    @property
    def label(self) -> str:
        """The likeliest label."""
        return self.ranked[0][0]

    @property
    def confidence(self) -> float:
        """Its probability."""
        return self.ranked[0][1]

    def reweighted(self, priors: dict[str, float]) -> Prediction:
        """The probabilities after multiplying some labels' prior (what the user's context makes likelier)."""
        if not priors:
            return self
        weighted = [(label, p * priors.get(label, 1.0)) for label, p in self.ranked]
        total = sum(p for _, p in weighted) or 1.0
        return Prediction(sorted(((label, p / total) for label, p in weighted), key=lambda pair: -pair[1]))


def token_features(text: str) -> np.ndarray:
    """Hard-token features the embedding blurs: whether an ID is named, and how many."""
    mentions = find_id_mentions(text)
    return np.array([1.0 if mentions else 0.0, 1.0 if len(mentions) > 1 else 0.0], dtype=np.float32)


def features(vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    """Embedding plus hard-token features, one row per text."""
    extra = np.stack([token_features(t) for t in texts]) * 0.5
    return np.hstack([np.asarray(vectors, dtype=np.float32), extra])


def load_phrasings(path: Path) -> dict[str, list[str]]:
    """``{label: [phrasing, ...]}`` from the data file (a mapping of label to a list of strings)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise ValueError(f"{path}: expected a mapping of intent label to a list of phrasings")
    empty = [str(label) for label, phrasings in raw.items() if not phrasings]
    if empty:
        raise ValueError(f"{path}: labels without phrasings: {', '.join(empty)}")
    loaded = {str(label): [str(p) for p in phrasings] for label, phrasings in raw.items()}
    repeated = _repeated(loaded)
    if repeated:  # a repeat weighs twice in training, or teaches two labels for one text
        raise ValueError(f"{path}: phrasings listed more than once: {'; '.join(repeated[:5])}")
    return loaded


def _repeated(phrasings: dict[str, list[str]]) -> list[str]:
    """Phrasings that appear more than once, within one label or across labels (case and spacing ignored)."""
    seen: set[str] = set()
    repeated: list[str] = []
    for texts in phrasings.values():
        for text in texts:
            key = " ".join(text.lower().split())
            if key in seen:
                repeated.append(text)
            seen.add(key)
    return repeated


SCENARIOS_PER_CONTROL = 2  # scenario phrasings of each control borrowed as "find the requirement" examples


def training_phrasings(path: Path, kb: KnowledgeBase | None = None) -> dict[str, list[str]]:
    """The labelled phrasings, plus (with ``kb``) scenario phrasings of the controls as ``search`` examples:
    situations described without an ID are what the requirement finder answers."""
    phrasings = load_phrasings(path)
    if kb is not None and "search" in phrasings:
        # situations that call for a security requirement; ISO management-system clauses (4-10) are not found
        # that way, and their phrasings ("how do we run management review?") read like program questions
        borrowed = [text for entry in kb.phrasings if not _management_clause(entry.framework, entry.control_id)
                    for text in [t for t in entry.phrasings if not find_id_mentions(t)][:SCENARIOS_PER_CONTROL]]
        phrasings["search"] = list(dict.fromkeys(phrasings["search"] + borrowed))
    return phrasings


def _management_clause(framework: str, control_id: str) -> bool:
    """Whether a control is an ISO/IEC 27001 management-system clause (not an Annex A control)."""
    return framework.startswith("iso27001") and not control_id.startswith("A.")


def data_hash(path: Path, kb: KnowledgeBase | None = None) -> str:
    """Hash of the phrasings file, the knowledge version and the feature format (what the weights depend on)."""
    version = kb.data.manifest.content_hash if kb is not None else ""
    return hashlib.sha256(path.read_bytes() + f"{FORMAT_VERSION}:{version}".encode()).hexdigest()[:16]


class IntentClassifier:
    """Softmax over intent labels; ``predict`` takes raw questions."""

    def __init__(self, labels: list[str], weights: np.ndarray, bias: np.ndarray, embed: Embed):
        self.labels, self.weights, self.bias, self._embed = labels, weights, bias, embed

    @classmethod
    def train(cls, phrasings: dict[str, list[str]], embed: Embed, c: float = 8.0) -> IntentClassifier:
        """Fit multinomial logistic regression on the embedded phrasings."""
        from sklearn.linear_model import LogisticRegression

        labels = sorted(phrasings)
        texts = [t for label in labels for t in phrasings[label]]
        y = np.array([labels.index(label) for label in labels for _ in phrasings[label]])
        x = features(np.asarray(embed(texts)), texts)
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        model.fit(x, y)
        return cls(labels, model.coef_.astype(np.float32), model.intercept_.astype(np.float32), embed)

    def save(self, path: Path, digest: str) -> None:
        """Weights and labels, tagged with the data hash they were trained from (written atomically)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, weights=self.weights, bias=self.bias,
                 meta=np.array(json.dumps({"labels": self.labels, "digest": digest})))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, digest: str, embed: Embed) -> IntentClassifier | None:
        """The saved classifier, or None when it is missing, damaged or trained from other data."""
        try:
            with np.load(path) as data:
                meta = json.loads(str(data["meta"]))
                if meta.get("digest") != digest:
                    return None
                return cls(list(meta["labels"]), data["weights"], data["bias"], embed)
        except (OSError, ValueError, KeyError):
            return None

    def embed(self, texts: Sequence[str]) -> Any:
        """The embedder the classifier was trained with (the grounding probe shares it)."""
        return self._embed(list(texts))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Label probabilities for each text."""
        if not texts:
            return []
        x = features(np.asarray(self._embed(list(texts))), texts)
        logits = x @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return [Prediction(sorted(((self.labels[i], float(p)) for i, p in enumerate(row)),
                                  key=lambda pair: -pair[1])) for row in probs]


def clauses(question: str) -> list[str]:
    """The parts of a question that may each ask something ("which requirement is it, and what is it worth?")."""
    parts = [p.strip(" ,;") for p in _CLAUSE.split(question) if p and p.strip(" ,;")]
    return [p for p in parts if len(p.split()) >= 3] or [question]


class ClassifierStore:
    """Loads the classifier saved beside the index, training (and saving) it when missing or stale."""

    def __init__(self, data_file: Path, weights_file: Path, embed: Embed, kb: KnowledgeBase | None = None):
        self.data_file, self.weights_file, self._embed, self.kb = data_file, weights_file, embed, kb
        self._classifier: IntentClassifier | None = None
        self._lock = threading.Lock()

    def get(self) -> IntentClassifier:
        """The classifier for the current phrasings."""
        with self._lock:
            if self._classifier is None:
                digest = data_hash(self.data_file, self.kb)
                found = IntentClassifier.load(self.weights_file, digest, self._embed)
                if found is None:
                    found = IntentClassifier.train(training_phrasings(self.data_file, self.kb), self._embed)
                    with contextlib.suppress(OSError):  # a read-only data dir: keep it in memory
                        found.save(self.weights_file, digest)
                self._classifier = found
            return self._classifier
