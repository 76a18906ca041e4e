"""Offline intent routing: rules, follow-ups, unknown IDs and refusals."""

from __future__ import annotations

import pytest

from assistant.agent.prompts import prompts_dir
from assistant.agent.router import Router
from assistant.knowledge import KnowledgeBase


@pytest.fixture
def router(kb: KnowledgeBase) -> Router:
    return Router(kb, prompts_dir() / "intent_examples.yaml")


@pytest.mark.parametrize(("question", "intent"), [
    ("is our Jira in scope if engineers paste CUI?", "scoping"),
    ("which ISO 27001 controls cover 3.5.3?", "crosswalk"),
    ("what's our SPRS score if we lack FIPS crypto?", "sprs"),
    ("can AC.L2-3.1.20 go on a POA&M?", "poam"),
    ("how often is a Level 2 C3PAO assessment?", "fact"),
    ("draft the SSP narrative for 3.1.1", "ssp"),
    ("which requirements have no evidence?", "evidence"),
    ("should we do ISO or CMMC first?", "recommend"),
    ("what does AC.L2-3.1.1 mean", "lookup"),
])
def test_rules(router: Router, question: str, intent: str) -> None:
    assert router.route(question).intent == intent


def test_unknown_id_is_a_refusal_with_the_explanation(router: Router) -> None:
    route = router.route("what does 3.4.12 require?")
    assert route.intent == "refusal" and route.refusal_reason == "unknown control ID"
    assert "03.04.12" in route.unknown_ids["3.4.12"]


@pytest.mark.parametrize(("question", "reason"), [
    ("what's the weather in Paris tomorrow?", "out of domain"),
    ("will we pass our C3PAO assessment?", "legal or certainty question"),
    ("can you guarantee we are compliant?", "legal or certainty question"),
    ("what will the DoD require in 2031?", "unknowable"),
])
def test_refusals(router: Router, question: str, reason: str) -> None:
    route = router.route(question)
    assert (route.intent, route.refusal_reason) == ("refusal", reason)


def test_follow_up_carries_the_previous_subject(router: Router, kb: KnowledgeBase) -> None:
    route = router.route("and for ISO?", previous_subject=[kb.resolve("3.5.3")], previous_intent="lookup")
    assert route.intent == "crosswalk" and [c.id for c in route.controls] == ["3.5.3"] and route.follow_up


def test_similarity_fallback_uses_examples(kb: KnowledgeBase) -> None:
    from tests.doubles import HashingEmbedder

    embedder = HashingEmbedder()
    router = Router(kb, prompts_dir() / "intent_examples.yaml", embed=lambda texts: embedder.embed(texts))
    route = router.route("please write our system security plan implementation statement")
    assert (route.intent, route.matched_by) == ("ssp", "similarity")
    named = router.route("what is ISO 27001 A.5.23 about")  # an ID with no other cue: lookup, not similarity
    assert (named.intent, named.matched_by) == ("lookup", "rules")
