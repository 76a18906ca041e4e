"""CUI markings vs mentions, Block Kit escaping and limits, slash-command translation."""

from __future__ import annotations

import pytest

from assistant.agent import Answer, Citation
from integrations.slack.blocks import answer_blocks, escape
from integrations.slack.cui import carries_cui_marking
from integrations.slack.handlers import command_question, mention_question


@pytest.mark.parametrize("text", [
    "CUI\nDrawing 4471 rev B", "see CUI//SP-CTI attached", "CONTROLLED UNCLASSIFIED INFORMATION\nspec",
    "FOUO memo", "DISTRIBUTION STATEMENT D. Distribution authorized to DoD", "distribution statement c",
])
def test_markings_are_caught(text: str) -> None:
    assert carries_cui_marking(text)


@pytest.mark.parametrize("text", [
    "is our Jira in scope if engineers paste CUI?", "what is controlled unclassified information?",
    "Distribution Statement A is public", "how do we mark CUI documents?",
])
def test_questions_about_cui_are_not_markings(text: str) -> None:
    assert not carries_cui_marking(text)


def test_mrkdwn_is_escaped_and_citations_render() -> None:
    answer = Answer(text="Use <script> & check *3.1.1*", intent="lookup", confidence=0.9, citations=[
        Citation(id="3.1.1", framework="nist-800-171r2", title="Authorized <Access>", source="NIST SP 800-171 Rev 2")])
    blocks = answer_blocks(answer, audit_id=7, owner_known=True)
    assert blocks[0]["text"]["text"] == "Use &lt;script&gt; &amp; check *3.1.1*"
    expected = "*3.1.1* Authorized &lt;Access&gt; · nist-800-171r2 · NIST SP 800-171 Rev 2"
    assert blocks[1]["elements"][0]["text"] == expected
    ids = [e["action_id"] for e in blocks[-1]["elements"]]
    assert ids == ["show_control", "crosswalk", "feedback_helpful", "feedback_wrong"]  # confident: no "ask a human"
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_long_answers_are_split_and_refusals_offer_a_human() -> None:
    long_text = "\n\n".join(["x" * 1500] * 5)
    blocks = answer_blocks(Answer(text=long_text, intent="search", refused=True), audit_id=1, owner_known=True)
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) >= 3 and all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert "ask_human" in [e["action_id"] for e in blocks[-1]["elements"]]


@pytest.mark.parametrize(("text", "question", "context"), [
    ("control 3.1.1", "what does 3.1.1 require?", {}),
    ("crosswalk A.5.15", "crosswalk A.5.15 to ISO 27001", {}),
    ("scope our SIEM collects logs", "is this in scope: our SIEM collects logs", {}),
    ("score 3.1.1, 3.5.3", "what is our SPRS score?", {"not_met": ["3.1.1", "3.5.3"]}),
    ("ask is Jira in scope?", "is Jira in scope?", {}),
    ("ssp IA.L2-3.5.3", "draft the SSP narrative for IA.L2-3.5.3", {}),
])
def test_slash_command_translation(text: str, question: str, context: dict[str, object]) -> None:
    assert command_question(text) == (question, context)


@pytest.mark.parametrize(("text", "question"), [
    ("ssp 3.5.3", "draft the SSP narrative for 3.5.3"),
    ("SSP 3.1.1", "draft the SSP narrative for 3.1.1"),
    ("ssp", "ssp"),  # nothing to draft: left to the assistant as written
    ("scope of CMMC for subcontractors?", "scope of CMMC for subcontractors?"),  # natural questions stay
    ("control objectives for 3.1.1?", "control objectives for 3.1.1?"),
])
def test_mention_translation(text: str, question: str) -> None:
    assert mention_question(text) == question
