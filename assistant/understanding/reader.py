"""Read a question into a ``QuestionFrame``: hard tokens, then the ranked asks from the classifier.

Rules kept here are about hard tokens only: a control ID named in the question always wins over a topic
word, an unknown ID is explained, and a follow-up ("and for ISO?") continues the previous subject.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.knowledge import Control, KnowledgeBase
from assistant.understanding.frame import Ask, QuestionFrame, read_tokens
from assistant.understanding.grounding import GROUNDING_MIN
from assistant.understanding.intents import IntentClassifier, Prediction, clauses

ASK_MIN = 0.40  # a clause's reading below this is not taken as a separate ask
CONFIDENT = 0.35  # below this the answer also gives the second likeliest reading
DECLINE_MIN = 0.5  # a decline reading weaker than this gives way to the best answering reading


@dataclass(frozen=True)
class ReaderRules:
    """What the skills registry says about the labels (passed in: understanding sits below skills)."""

    control_intents: frozenset[str]  # labels whose skill answers about named controls
    need_controls: frozenset[str]  # labels that cannot answer without a control (lookup, crosswalk, ssp)
    finder: str = "search"  # the label that finds the requirement when none is named
    lookup: str = "lookup"
    unknown_id: str = "unknown_id"
    offtopic: str = "decline_offtopic"
    needs_grounding: frozenset[str] = frozenset({"fact", "search", "recommend"})
    family: str = "family"
    family_readings: frozenset[str] = frozenset({"search", "lookup", "fact", "recommend"})  # named family: list it


class QuestionReader:
    """Frames questions with one classifier (whose ``decline_offtopic`` label also tells out-of-domain apart)."""

    def __init__(self, kb: KnowledgeBase, classifier: Callable[[], IntentClassifier], rules: ReaderRules,
                 grounding: Callable[[str], float] | None = None):
        self.kb, self._classifier, self.rules, self._grounding = kb, classifier, rules, grounding

    def read(self, question: str, previous_subject: list[Control] | None = None,
             previous_intent: str | None = None, priors: dict[str, float] | None = None) -> QuestionFrame:
        """The frame of ``question`` with its asks, best first; ``priors`` raise labels the context makes likely."""
        frame = read_tokens(self.kb, question, previous_subject, previous_intent)
        if frame.unknown_ids and not frame.controls:
            frame.asks = [Ask(self.rules.unknown_id, 1.0, question)]
        elif frame.follow_up:
            intent = "crosswalk" if frame.frameworks else (previous_intent or self.rules.lookup)
            frame.asks = [Ask(intent, 0.9, question)]
        else:
            self._classify(frame, priors or {})
        return frame

    def _classify(self, frame: QuestionFrame, priors: dict[str, float]) -> None:
        parts = clauses(frame.question)
        predictions = [p.reweighted(priors) for p in
                       self._classifier().predict([frame.question] + (parts if len(parts) > 1 else []))]
        whole = _answer_unless_sure_to_decline(predictions[0])
        asks = [Ask(whole.label, whole.confidence, frame.question)]
        if len(parts) > 1:
            by_clause = [Ask(p.label, p.confidence, part) for part, p in zip(parts, predictions[1:], strict=True)
                         if p.confidence >= ASK_MIN and not p.label.startswith("decline")]
            if len({a.intent for a in by_clause}) > 1:
                asks = _unique(by_clause)
        frame.asks = self._named_ids_win(frame, asks)
        if frame.families and not frame.controls and frame.intent in self.rules.family_readings:
            frame.asks = [Ask(self.rules.family, 0.9, frame.question), *frame.asks[1:]]
        if (not frame.controls and frame.intent in self.rules.needs_grounding and self._grounding is not None
                and max(self._grounding(text) for text in [frame.question, *parts]) < GROUNDING_MIN):
            frame.asks = [Ask(self.rules.offtopic, 0.6, frame.question)]
        second = whole.ranked[1] if len(whole.ranked) > 1 else None
        if (whole.confidence < CONFIDENT and second and not second[0].startswith("decline")
                and second[0] not in {a.intent for a in frame.asks}):
            frame.alternatives = [Ask(second[0], second[1], frame.question)]

    def _named_ids_win(self, frame: QuestionFrame, asks: list[Ask]) -> list[Ask]:
        first = asks[0]
        if frame.controls:
            if first.intent not in self.rules.control_intents and not first.intent.startswith("decline"):
                asks = [Ask(self.rules.lookup, first.confidence, first.text), *asks[1:]]
        elif first.intent in self.rules.need_controls:
            # "which ISO controls cover MFA?": find the requirement first, then map it
            finder = Ask(self.rules.finder, first.confidence, first.text)
            asks = [finder] + ([first] if first.intent != self.rules.lookup else []) + asks[1:]
        return _unique(asks)


def _answer_unless_sure_to_decline(prediction: Prediction) -> Prediction:
    """A wrong refusal of an in-domain question costs as much as a wrong answer: decline only when sure."""
    if not prediction.label.startswith("decline") or prediction.confidence >= DECLINE_MIN:
        return prediction
    answering = [pair for pair in prediction.ranked if not pair[0].startswith("decline")]
    return Prediction(answering + [pair for pair in prediction.ranked if pair[0].startswith("decline")])


def _unique(asks: list[Ask]) -> list[Ask]:
    seen: set[str] = set()
    kept = []
    for ask in asks:
        if ask.intent not in seen:
            seen.add(ask.intent)
            kept.append(ask)
    return kept
