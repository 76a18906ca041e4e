"""Read a question into a ``QuestionFrame``: hard tokens, then the ranked asks from the classifier.

Rules kept here are about hard tokens only: a control ID named in the question always wins over a topic
word, an unknown ID is explained, and a follow-up ("and for ISO?") continues the previous subject. How sure a
decline must be depends on the in-domain evidence among those tokens (``QuestionFrame.evidence``): a question
citing FAR 52.204-21 is not declined as out of domain on a hunch, one naming no framework at all is declined
sooner. A practice named through the lexicon ("MFA", "BYOD") makes a topic question ("does CMMC require MFA?")
a search for the requirement, with the program-fact reading second.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.knowledge import Control, KnowledgeBase
from assistant.understanding.frame import Ask, QuestionFrame, frameworks_named, read_tokens, regulations_cited
from assistant.understanding.grounding import GROUNDING_MIN
from assistant.understanding.intents import IntentClassifier, Prediction, clauses

ASK_MIN = 0.40  # a clause's reading below this is not taken as a separate ask
# When the whole question reads this surely as one thing, a clause needs CLAUSE_UNDER_SURE to add another ask:
# "which requirements are 'critical' and not allowed on a POA&M?" is one POA&M question (whole 0.96), its first
# clause alone reads as a search at 0.49.
WHOLE_SURE = 0.9
CLAUSE_UNDER_SURE = 0.6
CONFIDENT = 0.35  # below this the answer also gives the second likeliest reading
# The probability all decline readings together must reach before the question is declined, by in-domain
# evidence (``QuestionFrame.evidence``). With a framework named, "out of domain" and "unknowable" need more: the
# knowledge base holds that program, its calendar included ("when is the CMMC deadline?" is a fact).
DECLINE_MIN = {"strong": 0.85, "framework": 0.55, "none": 0.5, "foreign": 0.2}
# Best similarity to a program fact's documents above which the fact answers (dev: every question that must be
# declined stays at or below 0.77; fact questions read as declines reach 0.62-0.91)
FACT_SURE = 0.78
# A program fact also answers a question read as a requirement search or a lookup of a practice it names (not an
# ID) when the fact is close and closer than every requirement document by a margin: the question asks a rule of
# the program (how long, who, when, whether), not what a requirement says. Declines keep the stricter FACT_SURE
# (dev: "will we pass our C3PAO assessment?" is as close to a fact, and as far from requirements, as fact
# questions read as declines). Calibrated on the dev suites' fact, lookup, search and refusal cases.
FACT_CLOSE = 0.80
FACT_MARGIN = 0.255  # dev: fact questions read as lookups +0.26-0.35; the nearest requirement one +0.252
COPYRIGHT = "decline_copyright"
# The copyright reading alone must reach this (other decline readings don't add to it): a request for the text
# ("quote 9.2 verbatim" 0.74, "paste the exact wording of A.5.15" 0.72) is sure; questions that only name ISO
# ("can we exclude Annex A controls?" 0.48, "list all 93 Annex A controls" 0.61, IDs and titles are ours to give)
# are answered.
COPYRIGHT_MIN = 0.65
# With a framework named, every decline reason but copyright needs more than the bare bar: questions about the
# program's own rules are phrased like legal advice ("can the government assess us again?") or like a matter of
# another company ("does our prime have to flow CMMC down?"). Dev: framework-named legal and private declines
# read 0.94-1.0, the answerable look-alikes at most 0.64.
WITH_FRAMEWORK = {"decline_offtopic": 0.65, "decline_unknowable": 0.65, "decline_legal": 0.7, "decline_private": 0.7}
GROUNDING_FLOOR = 0.42  # without any in-domain token, a question this far from every document is declined
TOPIC_READINGS = 3  # a named practice turns the top reading into its requirement when search is among this many
TOPIC_SURE = 0.9  # a reading this sure is kept even when a practice is named ("is our RMM tool in scope?")
SEARCH_CLOSE = 0.8  # search at least this share of the top reading: search finds the requirement, not the lexicon
PRACTICE_REQUIREMENTS = 1  # requirements looked up for a named practice (the lexicon lists the closest first)


@dataclass(frozen=True)
class ReaderRules:
    """What the skills registry says about the labels (passed in: understanding sits below skills)."""

    control_intents: frozenset[str]  # labels whose skill answers about named controls
    need_controls: frozenset[str]  # labels that cannot answer without a control (lookup, crosswalk, ssp)
    finder: str = "search"  # the label that finds the requirement when none is named
    lookup: str = "lookup"
    scoping: str = "scoping"
    crosswalk: str = "crosswalk"
    unknown_id: str = "unknown_id"
    offtopic: str = "decline_offtopic"
    needs_grounding: frozenset[str] = frozenset({"fact", "search", "recommend"})
    topic_readings: frozenset[str] = frozenset({"fact", "recommend", "scoping"})  # a named practice: search first
    family: str = "family"
    family_readings: frozenset[str] = frozenset({"search", "lookup", "fact", "recommend"})  # named family: list it
    fact: str = "fact"
    # readings a program fact that matches the question very closely answers better ("Can DoD waive CMMC?" reads
    # as legal advice; "how long must we keep assessment evidence?" as an evidence-gap request)
    fact_beats: frozenset[str] = frozenset({"decline_legal", "decline_unknowable", "decline_offtopic", "evidence"})
    # readings a fact beats when it is closer to the question than any requirement (``FACT_MARGIN``)
    # ("how long must we keep disk images after reporting an incident?" reads as a lookup of incident response)
    fact_rivals: frozenset[str] = frozenset({"search", "lookup"})


class QuestionReader:
    """Frames questions with one classifier (whose ``decline_offtopic`` label also tells out-of-domain apart)."""

    def __init__(self, kb: KnowledgeBase, classifier: Callable[[], IntentClassifier], rules: ReaderRules,
                 grounding: Callable[[str], float] | None = None, fact_match: Callable[[str], float] | None = None,
                 requirement_match: Callable[[str], float] | None = None):
        self.kb, self._classifier, self.rules, self._grounding = kb, classifier, rules, grounding
        self._fact_match, self._requirement_match = fact_match, requirement_match

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
        named = bool(frame.controls)  # IDs in the question (a practice's requirement is added below)
        parts = clauses(frame.question)
        predictions = [p.reweighted(priors) for p in
                       self._classifier().predict([frame.question] + (parts if len(parts) > 1 else []))]
        whole = _answer_unless_sure_to_decline(predictions[0], frame.evidence)
        asks = [Ask(whole.label, whole.confidence, frame.question)]
        if len(parts) > 1:
            floor = CLAUSE_UNDER_SURE if whole.confidence >= WHOLE_SURE else ASK_MIN
            by_clause = [Ask(p.label, p.confidence, part) for part, p in zip(parts, predictions[1:], strict=True)
                         if (p.confidence >= floor or p.label == whole.label) and not p.label.startswith("decline")]
            if len({a.intent for a in by_clause}) > 1:
                asks = _unique(by_clause)
        frame.asks = self._named_ids_win(frame, asks)
        # "which domains does Level 1 cover?" lists them even when a practice word ("self-assessment") appears; a
        # family named ("risk assessment") is listed only when no practice turned the question into a requirement
        domains = (frame.domains_asked and not frame.controls
                   and frame.intent in self.rules.family_readings | {self.rules.scoping})
        alternatives = [] if domains else self._practice_means_requirement(frame, predictions[0])
        if domains or (frame.families and not frame.controls and frame.intent in self.rules.family_readings):
            frame.asks = [Ask(self.rules.family, 0.9, frame.question), *frame.asks[1:]]
        if not named and self._a_fact_answers(frame, priors):
            frame.asks, frame.alternatives = [Ask(self.rules.fact, FACT_SURE, frame.question)], []
            frame.controls = []  # a practice's requirement the lexicon put in does not answer a program rule
            return
        if self._ungrounded(frame, parts):
            frame.asks = [Ask(self.rules.offtopic, 0.6, frame.question)]
            return
        second = whole.ranked[1] if len(whole.ranked) > 1 else None
        if (not alternatives and whole.confidence < CONFIDENT and second and not second[0].startswith("decline")
                and second[0] not in {a.intent for a in frame.asks}):
            alternatives = [Ask(second[0], second[1], frame.question)]
        frame.alternatives = alternatives

    def _a_fact_answers(self, frame: QuestionFrame, priors: dict[str, float]) -> bool:
        """Whether a program fact answers better than the reading: one so close to the question (a phrasing of
        it, nearly) that it beats a decline or an evidence-gap reading with no inventory to read, or one close to
        the question and closer than every requirement document by ``FACT_MARGIN`` (a program rule asked, where
        the reading is a requirement search or lookup)."""
        reading = frame.intent
        if self._fact_match is None or (reading == "evidence" and "evidence" in priors):
            return False
        beats, rivals = reading in self.rules.fact_beats, reading in self.rules.fact_rivals
        if not (beats or rivals):
            return False
        fact = self._fact_match(frame.question)
        if beats and fact >= FACT_SURE:
            return True
        return (rivals and self._requirement_match is not None and fact >= FACT_CLOSE
                and fact - self._requirement_match(frame.question) >= FACT_MARGIN)

    def _ungrounded(self, frame: QuestionFrame, parts: list[str]) -> bool:
        """Whether the question is far from every knowledge document. With no in-domain token: below
        ``GROUNDING_MIN`` for the readings that answer from search, below ``GROUNDING_FLOOR`` for any other.
        With a framework, domain term or practice named, below ``GROUNDING_FLOOR`` for the search readings
        only. A control ID or a regulation cited by number is grounding enough."""
        if frame.evidence == "strong" or self._grounding is None or frame.intent.startswith("decline"):
            return False
        searching = frame.intent in self.rules.needs_grounding
        if frame.evidence == "framework" or frame.practices:
            floor = GROUNDING_FLOOR if searching else 0.0
        else:
            floor = GROUNDING_MIN if searching else (0.0 if frame.practices else GROUNDING_FLOOR)
        return floor > 0 and max(self._grounding(text) for text in [frame.question, *parts]) < floor

    def _practice_means_requirement(self, frame: QuestionFrame, prediction: Prediction) -> list[Ask]:
        """A practice named without an ID ("is BYOD allowed for CMMC?") is answered by its requirement: when the
        reading is a program fact (or recommend, scoping) short of ``TOPIC_SURE``, or a weak search, and "find
        the requirement" is among the likeliest readings, the requirement the lexicon names for the practice is
        looked up first (or, when search is nearly as likely, search finds it) and the reading becomes the
        alternative. Returns the alternatives this sets."""
        first = frame.asks[0]
        top = [label for label, _ in prediction.ranked if not label.startswith("decline")][:TOPIC_READINGS]
        topical = (first.intent in self.rules.topic_readings and first.confidence < TOPIC_SURE) or (
            first.intent == self.rules.finder and first.confidence < CONFIDENT)
        if frame.controls or not frame.practices or not topical or self.rules.finder not in top:
            return []
        search = dict(prediction.ranked)[self.rules.finder]
        if first.intent != self.rules.finder and (search >= SEARCH_CLOSE * first.confidence
                                                  or first.confidence < CONFIDENT):
            # a close or unsure call: retrieval finds the requirement (it knows levels the lexicon does not map,
            # and the company's own documents)
            frame.asks = [Ask(self.rules.finder, search, first.text), *frame.asks[1:]]
            return [first]
        frame.controls = self._practice_requirements(frame)
        if not frame.controls:
            return []
        frame.asks = [Ask(self.rules.lookup, first.confidence, first.text), *frame.asks[1:]]
        return [first]

    def _practice_requirements(self, frame: QuestionFrame) -> list[Control]:
        """The requirements the lexicon lists first for the practice the question names ("MFA" → 3.5.3)."""
        return [c for c in (self.kb.try_resolve(i) for i in frame.practices[:PRACTICE_REQUIREMENTS]) if c]

    def _named_ids_win(self, frame: QuestionFrame, asks: list[Ask]) -> list[Ask]:
        first = asks[0]
        if frame.controls:
            # every ask is about the IDs named ("which ISO controls map to 3.1.1 and what does it require?")
            asks = [ask if ask.intent in self.rules.control_intents or ask.intent.startswith("decline")
                    else Ask(self.rules.lookup, ask.confidence, ask.text) for ask in asks]
            # "what does NIST 800-171 AU-3 require?": an 800-53 ID read in 800-171 terms is a crosswalk; judged
            # on the ask's own words, so "what does 3.5.3 require and which ISO controls map to it?" keeps both
            asks = [Ask(self.rules.crosswalk, ask.confidence, ask.text)
                    if ask.intent == self.rules.lookup and _asked_in_another_framework(frame, ask.text) else ask
                    for ask in asks]
        elif first.intent in self.rules.need_controls and (named := self._practice_requirements(frame)):
            # "draft the SSP narrative for our MFA": the practice named is the requirement the reading needs
            frame.controls = named
        elif first.intent in self.rules.need_controls:
            # "which ISO controls cover it when admins share one login?": find the requirement first, then map it
            finder = Ask(self.rules.finder, first.confidence, first.text)
            asks = [finder] + ([first] if first.intent != self.rules.lookup else []) + asks[1:]
        return _unique(asks)


# Frameworks read as one body: a CMMC practice, its 800-171 requirement, the FAR clause and 800-171A objectives.
_BODIES = {"cmmc-2.0": "cmmc", "nist-800-171r2": "cmmc", "far-52.204-21": "cmmc", "nist-800-171a": "cmmc",
           "nist-800-172": "cmmc", "nist-800-172a": "cmmc", "iso27001-2022": "iso", "iso27001-2013": "iso"}


def _asked_in_another_framework(frame: QuestionFrame, text: str) -> bool:
    """Whether ``text`` (one ask of the question) names frameworks, and none of the body the named controls
    belong to ("NIST" alone is not taken as naming 800-171: "NIST AC-2" is 800-53)."""
    cited_171 = any("800-171" in r for r in regulations_cited(text))
    named = {_BODIES.get(fw, fw) for fw in frameworks_named(text) if fw != "nist-800-171r2" or cited_171}
    held = {_BODIES.get(c.framework.value, c.framework.value) for c in frame.controls}
    return bool(named) and not named & held


def _answer_unless_sure_to_decline(prediction: Prediction, evidence: str) -> Prediction:
    """A wrong refusal of an in-domain question costs as much as a wrong answer: decline only when the decline
    readings together (sure it is a decline, if not which one) reach the bar the question's in-domain evidence
    sets; the likeliest decline reason is given. Otherwise the best answering reading goes first."""
    declines = [pair for pair in prediction.ranked if pair[0].startswith("decline")]
    answering = [pair for pair in prediction.ranked if not pair[0].startswith("decline")]
    if not declines:
        return prediction
    bar = DECLINE_MIN[evidence]
    if evidence == "framework":
        bar = WITH_FRAMEWORK.get(declines[0][0], bar)
    if declines[0][0] == COPYRIGHT:  # "copy clause 6.1.2 word for word" names an ID by nature
        sure = declines[0][1] >= COPYRIGHT_MIN
        return Prediction(declines + answering) if sure else Prediction(answering + declines)
    # all decline readings count together ("is it a guess or legal advice?" is a decline either way)
    if sum(p for _, p in declines) >= bar:
        return Prediction(declines + answering)
    return Prediction(answering + declines)


def _unique(asks: list[Ask]) -> list[Ask]:
    seen: set[str] = set()
    kept = []
    for ask in asks:
        if ask.intent not in seen:
            seen.add(ask.intent)
            kept.append(ask)
    return kept
