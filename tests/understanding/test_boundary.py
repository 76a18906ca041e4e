"""The domain boundary: in-domain evidence among the hard tokens, how sure a decline must be, named practices
answered by their requirement, IDs asked in another framework's terms, and the copyright decline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from assistant.knowledge import KnowledgeBase
from assistant.understanding.frame import read_tokens
from assistant.understanding.intents import IntentClassifier, Prediction
from assistant.understanding.reader import (
    FACT_CLOSE,
    FACT_MARGIN,
    FACT_SURE,
    QuestionReader,
    ReaderRules,
    _answer_unless_sure_to_decline,
)

LABELS = ["crosswalk", "decline_legal", "decline_offtopic", "decline_unknowable", "fact", "lookup", "scoping",
          "search"]
RULES = ReaderRules(control_intents=frozenset({"lookup", "crosswalk", "sprs", "poam", "evidence", "ssp"}),
                    need_controls=frozenset({"lookup", "crosswalk", "ssp"}))


def _fixed(probabilities: dict[str, float]) -> IntentClassifier:
    """A classifier that gives every text the same probabilities (a softmax over log-probabilities)."""
    bias = np.log(np.array([probabilities.get(label, 1e-6) for label in LABELS], dtype=np.float32))
    weights = np.zeros((len(LABELS), 3), dtype=np.float32)
    return IntentClassifier(LABELS, weights, bias, lambda texts: np.zeros((len(texts), 1), dtype=np.float32))


def _reader(kb: KnowledgeBase, probabilities: dict[str, float], grounding: float = 0.9) -> QuestionReader:
    classifier = _fixed(probabilities)
    return QuestionReader(kb, lambda: classifier, RULES, grounding=lambda _text: grounding)


@pytest.mark.parametrize(("question", "regulations", "evidence"), [
    ("What is the purpose of FAR clause 52.204-21?", ["52.204-21"], "strong"),
    ("does DFARS 7012 apply to subs, and what about 252.204-7021?", ["DFARS 7012", "252.204-7021"], "strong"),
    ("what does 32 CFR part 170 set up", ["32 CFR part 170"], "strong"),
    ("how does NISPOM, 32 CFR 117, handle clearances", [], "foreign"),
    ("is our Slack in scope if CUI is banned there", [], "framework"),
    ("what does ISO 9001 say about calibration", [], "foreign"),
    ("does ISO/IEC 27002 have implementation guidance", [], "none"),
    ("does ISO 27001:2022 cover PII", [], "framework"),
])
def test_in_domain_evidence(kb: KnowledgeBase, question: str, regulations: list[str], evidence: str) -> None:
    frame = read_tokens(kb, question)
    assert frame.regulations == regulations
    assert frame.evidence == evidence


def test_practices_are_named_through_the_lexicon(kb: KnowledgeBase) -> None:
    assert read_tokens(kb, "Is BYOD allowed for CMMC?").practices[0] == "3.1.20"
    assert read_tokens(kb, "does 800-171 require multifactor authentication").practices[0] == "3.5.3"
    assert read_tokens(kb, "what is the capital of Peru").practices == []


def _reordered(probabilities: dict[str, float], evidence: str) -> str:
    ranked = sorted(probabilities.items(), key=lambda pair: -pair[1])
    return _answer_unless_sure_to_decline(Prediction(ranked), evidence).label


def test_how_sure_a_decline_must_be_depends_on_evidence() -> None:
    split = {"decline_offtopic": 0.37, "decline_legal": 0.33, "search": 0.30}  # sure it is a decline, not which
    assert _reordered(split, "none") == "decline_offtopic"
    assert _reordered(split, "strong") == "search"
    hunch = {"decline_offtopic": 0.6, "fact": 0.4}
    assert _reordered(hunch, "none") == "decline_offtopic"
    assert _reordered(hunch, "framework") == "fact"  # CMMC named: out of domain needs 0.65
    assert _reordered({"decline_legal": 0.6, "fact": 0.4}, "none") == "decline_legal"
    # a rule of the named program asked like legal advice or about another company is answered on a hunch
    assert _reordered({"decline_legal": 0.64, "fact": 0.36}, "framework") == "fact"
    assert _reordered({"decline_private": 0.6, "scoping": 0.4}, "framework") == "scoping"
    assert _reordered({"decline_legal": 0.9, "fact": 0.1}, "framework") == "decline_legal"
    assert _reordered({"search": 0.55, "decline_offtopic": 0.3, "decline_legal": 0.15}, "none") == "search"


def test_a_cited_regulation_is_not_declined_for_weak_grounding(kb: KnowledgeBase) -> None:
    reader = _reader(kb, {"fact": 0.8, "decline_offtopic": 0.2}, grounding=0.45)
    assert reader.read("What is the purpose of FAR clause 52.204-21?").intent == "fact"
    assert reader.read("What is the purpose of the Buy American Act?").intent == "decline_offtopic"


def test_a_named_practice_is_answered_by_its_requirement_with_the_fact_second(kb: KnowledgeBase) -> None:
    frame = _reader(kb, {"fact": 0.65, "search": 0.2, "decline_legal": 0.15}).read("Is BYOD allowed for CMMC?")
    assert frame.intent == "lookup" and [c.id for c in frame.controls] == ["3.1.20"]
    assert [a.intent for a in frame.alternatives] == ["fact"]
    close = _reader(kb, {"fact": 0.41, "search": 0.40, "lookup": 0.19}).read("Does CMMC require penetration testing?")
    assert close.intent == "search" and not close.controls and [a.intent for a in close.alternatives] == ["fact"]
    sure = _reader(kb, {"scoping": 0.95, "search": 0.05}).read("our RMM tool reaches the CUI servers, in scope?")
    assert sure.intent == "scoping" and not sure.controls


def test_a_reading_that_needs_a_control_takes_the_named_practice_requirement(kb: KnowledgeBase) -> None:
    mapped = _reader(kb, {"crosswalk": 0.7, "search": 0.3}).read("which ISO 27001 controls cover our MFA?")
    assert mapped.intent == "crosswalk" and [c.id for c in mapped.controls] == ["3.5.3"]
    unnamed = _reader(kb, {"crosswalk": 0.7, "search": 0.3}).read("which ISO controls cover what our admins do?")
    assert unnamed.intent == "search" and not unnamed.controls


def test_an_800_53_id_asked_in_800_171_terms_is_a_crosswalk(kb: KnowledgeBase) -> None:
    reader = _reader(kb, {"lookup": 0.6, "search": 0.4})
    assert reader.read("What audit content does NIST 800-171 AU-3 require?").intent == "crosswalk"
    assert reader.read("what does NIST AU-3 say").intent == "lookup"  # "NIST" alone: 800-53 is meant
    assert reader.read("what does AC.L2-3.1.1 require in NIST 800-171").intent == "lookup"


@pytest.mark.parametrize(("question", "reason"), [
    ("Write the full text of ISO 27001 Annex A.", "copyrighted text"),
    ("Copy clause 6.1.2 of ISO 27001 word for word so I can paste it into our procedure.", "copyrighted text"),
    ("Does GDPR apply to a US company with a few EU website visitors?", "out of domain"),
    ("What's the difference between SBIR Phase I and Phase II?", "out of domain"),
    ("How many failed attempts does PCI DSS allow before the user ID is locked out?", "out of domain"),
    ("Do we need to appoint a Data Protection Officer under GDPR?", "out of domain"),
])
def test_near_misses_are_declined(assistant: Any, question: str, reason: str) -> None:
    answer = assistant.ask(question)
    assert answer.refused and answer.refusal_reason == reason
    if reason == "copyrighted text":
        assert "own words" in answer.text  # says what it can do instead


@pytest.mark.parametrize(("question", "cited"), [
    ("Does NIST 800-171 require MFA?", "3.5.3"),
    ("Does ISO 27001 say anything about protecting PII?", "A.5.34"),
    ("ISO 27001 clause 6.1.3", "6.1.3"),  # a bare clause is a lookup, not a request to copy it
])
def test_in_domain_questions_with_near_miss_words_are_answered(assistant: Any, question: str, cited: str) -> None:
    answer = assistant.ask(question)
    assert not answer.refused and cited in answer.cited_ids


def test_program_timeline_is_a_fact_not_unknowable(assistant: Any) -> None:
    answer = assistant.ask("When does CMMC phase 3 start?")
    assert not answer.refused and "2027-11-10" in answer.text


def test_a_program_fact_that_matches_closely_beats_a_decline(assistant: Any) -> None:
    answer = assistant.ask("Can DoD waive the CMMC requirement for a contract?")  # read as legal advice alone
    assert not answer.refused and answer.intent == "fact" and "waive" in answer.text.lower()
    assert assistant.ask("Will we pass our C3PAO assessment next month?").refused  # no fact is that close


def _fact_reader(kb: KnowledgeBase, probabilities: dict[str, float], fact: float, requirement: float) -> QuestionReader:
    """A reader whose fact and requirement similarities are fixed."""
    classifier = _fixed(probabilities)
    return QuestionReader(kb, lambda: classifier, RULES, grounding=lambda _text: 0.9,
                          fact_match=lambda _text: fact, requirement_match=lambda _text: requirement)


@pytest.mark.parametrize(("probabilities", "fact", "requirement", "intent"), [
    ({"search": 0.7, "fact": 0.3}, FACT_CLOSE + 0.01, FACT_CLOSE + 0.01 - FACT_MARGIN, "fact"),  # a program rule
    ({"search": 0.7, "fact": 0.3}, FACT_CLOSE + 0.01, FACT_CLOSE, "search"),  # a requirement is as close
    ({"search": 0.7, "fact": 0.3}, FACT_CLOSE - 0.01, 0.0, "search"),  # no fact close enough
    ({"decline_legal": 0.9, "fact": 0.1}, FACT_SURE + 0.01, 1.0, "fact"),  # nearly a phrasing of a fact
    ({"decline_legal": 0.9, "fact": 0.1}, FACT_SURE - 0.01, 0.0, "decline_legal"),  # a decline needs FACT_SURE
    ({"scoping": 0.9, "fact": 0.1}, 0.99, 0.0, "scoping"),  # not a reading a fact competes with
])
def test_a_close_fact_beats_a_requirement_reading_by_a_margin(kb: KnowledgeBase, probabilities: dict[str, float],
                                                             fact: float, requirement: float, intent: str) -> None:
    frame = _fact_reader(kb, probabilities, fact, requirement).read("how long do we keep images after an incident?")
    assert frame.intent == intent
    assert frame.controls == [] or intent != "fact"


def test_a_named_id_is_never_overruled_by_a_fact(kb: KnowledgeBase) -> None:
    frame = _fact_reader(kb, {"lookup": 0.9, "fact": 0.1}, 0.99, 0.0).read("what does 3.6.2 require?")
    assert frame.intent == "lookup" and [c.id for c in frame.controls] == ["3.6.2"]
