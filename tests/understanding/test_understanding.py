"""Question understanding: hard tokens, the classifier's asks, named IDs winning, and the typed Context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.agent.prompts import prompts_dir
from assistant.knowledge import KnowledgeBase
from assistant.knowledge.safe_yaml import load_yaml_file, load_yaml_text
from assistant.understanding import ContextError, parse_context
from assistant.understanding.frame import read_tokens
from assistant.understanding.intents import IntentClassifier, clauses, data_hash, load_phrasings


def test_tokens_ids_frameworks_levels(kb: KnowledgeBase) -> None:
    frame = read_tokens(kb, "Does A.8.15 cover AU.L2-3.3.1 at Level 2? and what about 3.4.12 by 2026-12-01")
    assert [c.id for c in frame.controls] == ["A.8.15", "AU.L2-3.3.1"]
    assert "3.4.12" in frame.unknown_ids and frame.levels == [2]
    assert str(frame.dates[0]) == "2026-12-01"


def test_malformed_cmmc_ids_are_unknown_not_ignored(kb: KnowledgeBase) -> None:
    frame = read_tokens(kb, "what's IA.L2-2.1.2? our consultant lists it, also AC.2.008")
    assert set(frame.unknown_ids) == {"IA.L2-2.1.2", "AC.2.008"}


def test_several_asks_are_split_into_clauses() -> None:
    parts = clauses("Admins use passwords only. Which requirement is that, what is it worth, and can it go on a POA&M?")
    assert len(parts) == 3


@pytest.mark.parametrize(("question", "intent"), [
    ("What does MP.L2-3.8.7 need at Level 2?", "lookup"),  # the named ID wins over "Level 2"
    ("what's the cell phone number of our C3PAO's lead assessor?", "refusal"),
    ("write me a haiku about firewalls", "refusal"),
    ("which ISO 27001 controls map to 3.5.3?", "crosswalk"),
    ("can 3.5.3 go on a POA&M?", "poam"),
])
def test_intents(assistant: Any, question: str, intent: str) -> None:
    assert assistant.ask(question).intent == intent


def test_a_question_that_asks_three_things_gets_three_answers(assistant: Any) -> None:
    answer = assistant.ask("What does 3.5.3 require, how many SPRS points is it worth, and can it go on a POA&M?")
    assert "[a] privileged accounts are identified" in answer.text and "SPRS value of 3.5.3" in answer.text
    assert "may not go on a POA&M" in answer.text
    assert answer.text.count("*Sources:*") == 1


def test_each_ask_is_judged_on_its_own_words(assistant: Any) -> None:
    both = assistant.ask("What does 3.5.3 require and which ISO 27001 controls map to it?")
    assert "[a] privileged accounts are identified" in both.text and "A.5.16" in both.cited_ids
    one = assistant.reader.read("Which requirements are considered 'critical' and are not allowed on a POA&M?")
    assert [a.intent for a in one.asks] == ["poam"]  # a sure whole reading is not split on a weak clause


def test_classifier_round_trips_and_retrains_on_new_data(tmp_path: Path, real_embedder: Any) -> None:
    data = tmp_path / "intents.yaml"
    data.write_text("a: [hello there, good morning]\nb: [what does 3.1.1 require, explain 3.5.3]\n")
    model = IntentClassifier.train(load_phrasings(data), real_embedder.embed)
    model.save(tmp_path / "w.npz", data_hash(data))
    loaded = IntentClassifier.load(tmp_path / "w.npz", data_hash(data), real_embedder.embed)
    assert loaded is not None
    assert loaded.predict(["explain 3.1.2"])[0].ranked == model.predict(["explain 3.1.2"])[0].ranked
    data.write_text("a: [hi]\nb: [what is 3.1.1]\n")
    assert IntentClassifier.load(tmp_path / "w.npz", data_hash(data), real_embedder.embed) is None


@pytest.mark.parametrize(("raw", "field"), [
    ({"not_met": 5.5}, None),
    ({"not_met": [{"control": "3.1.20", "note": "no external system list"}]}, None),
    ({"evidence": "E1"}, "evidence"),
    ({"max_age_days": -3}, "max_age_days"),
    ({"as_of": "tomorrow"}, "as_of"),
    ({"asset": {"handles_cui": "sometimes?"}}, "asset.handles_cui"),
    ({"colour": "blue"}, "colour"),
])
def test_context_accepts_ids_or_notes_and_names_bad_fields(raw: dict[str, Any], field: str | None) -> None:
    if field is None:
        assert parse_context(raw).not_met_ids
    else:
        with pytest.raises(ContextError, match=field.replace(".", r"\.")):
            parse_context(raw)


def test_not_met_with_notes_is_answered(assistant: Any) -> None:
    answer = assistant.ask("what is our SPRS score?", context={"not_met": [{"control": "3.1.20", "note": "n/a"}]})
    assert "SPRS score: 109" in answer.text


def test_future_dates_get_a_note() -> None:
    context = parse_context({"as_of": "2999-01-01", "evidence": [{"id": "E1", "collected": "2999-06-01"}]})
    assert any("future" in n for n in context.notes) and any("E1" in n for n in context.notes)


def test_a_phrasing_listed_twice_is_a_data_error(tmp_path: Path) -> None:
    from assistant.understanding.intents import load_phrasings

    data = tmp_path / "intents.yaml"
    data.write_text('fact: ["when is the deadline?"]\nsearch: ["When is  the deadline?"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="more than once: When is  the deadline"):
        load_phrasings(data)
    assert load_phrasings(prompts_dir() / "intents.yaml")  # the shipped data has no repeats


def test_yaml_bombs_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(24))
    with pytest.raises(ValueError, match="alias"):
        load_yaml_text(bomb)
    with pytest.raises(ValueError, match="nested"):
        load_yaml_text("[" * 200 + "]" * 200)
    binary = tmp_path / "bad.yaml"
    binary.write_bytes(b"not_met: [\xff\xfe]")
    with pytest.raises(ValueError, match="UTF-8"):
        load_yaml_file(binary)


def test_grounding_declines_questions_far_from_every_document(assistant: Any) -> None:
    far = assistant.ask("What is the relationship between DAL levels and software verification under DO-178C?")
    assert far.refused and far.refusal_reason == "out of domain"
    near = assistant.ask("which requirement says we need MFA for remote access?")
    assert not near.refused and "3.5.3" in near.cited_ids


def test_mfa_partial_credit_needs_remote_and_privileged() -> None:
    from assistant.skills.status import mfa_status

    assert mfa_status("MFA is on our admin accounts only; VPN users use a password") == "not_met"
    assert mfa_status("we have MFA only for remote and privileged users") == "partial"
    assert mfa_status("we use MFA everywhere") is None


def test_gaps_described_in_plain_words_are_scored(assistant: Any) -> None:
    answer = assistant.ask("Nobody reviews our audit logs and our laptops are not encrypted. What's our SPRS score?")
    assert answer.intent == "sprs" and "SPRS score: 1" in answer.text  # some deduction from 110
    assert any(c.startswith("3.") for c in answer.cited_ids)


def test_a_few_aliases_that_expand_to_millions_are_refused() -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        levels.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]")
    with pytest.raises(ValueError, match="expand"):
        load_yaml_text("\n".join(levels))
