"""The guardrail: invented IDs are removed and flagged; no citation, no claim."""

from __future__ import annotations

from assistant.agent.guardrail import REMOVED, check
from assistant.knowledge import KnowledgeBase
from assistant.skills.answer import Answer, Citation


def _answer(text: str, cited: list[str], refused: bool = False) -> Answer:
    return Answer(text=text, intent="lookup", refused=refused,
                  citations=[Citation(id=i, framework="x", title="t", source="s") for i in cited])


def test_invented_ids_are_removed_and_flagged(kb: KnowledgeBase) -> None:
    checked = check(kb, _answer("Meet 3.1.1 and 3.1.99 and A.5.99 via AC-2.", ["3.1.1"]))
    assert "3.1.99" not in checked.text and "A.5.99" not in checked.text
    assert checked.text.count(REMOVED) == 2 and "3.1.1" in checked.text and "AC-2" in checked.text
    assert any("3.1.99" in note and "A.5.99" in note for note in checked.notes)


def test_citations_must_come_from_tool_results(kb: KnowledgeBase) -> None:
    checked = check(kb, _answer("See 3.1.1 and 3.5.3.", ["3.1.1", "3.5.3", "3.1.77"]), allowed_ids={"3.1.1"})
    assert [c.id for c in checked.citations] == ["3.1.1"]
    assert any("dropped citations" in n for n in checked.notes)


def test_no_citation_no_claim(kb: KnowledgeBase) -> None:
    checked = check(kb, _answer("MFA is optional for CMMC Level 2.", []))
    assert checked.refused and checked.refusal_reason == "no supporting records"
    assert "won't state one" in checked.text


def test_a_refusal_may_name_the_unknown_id_it_explains(kb: KnowledgeBase) -> None:
    checked = check(kb, _answer("3.4.12 is not a NIST SP 800-171 Rev 2 requirement.", [], refused=True))
    assert "3.4.12" in checked.text and checked.refused


def test_llm_ids_must_come_from_tool_results(kb: KnowledgeBase) -> None:
    from assistant.agent.guardrail import UNSOURCED

    answer = _answer("AC.L2-3.1.1 and 3.1.1[a] are covered; 3.1.2 too.", ["3.1.1"])
    checked = check(kb, answer, allowed_ids={"3.1.1"})
    assert "AC.L2-3.1.1" in checked.text and "3.1.1[a]" in checked.text  # other spellings of a cited requirement
    assert "3.1.2" not in checked.text and UNSOURCED in checked.text
    assert any("no tool result supports: 3.1.2" in note for note in checked.notes)
