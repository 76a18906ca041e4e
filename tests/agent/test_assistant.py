"""``Assistant.ask`` offline, end to end over the real knowledge base and a real Chroma index."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from assistant.knowledge import KnowledgeBase


def test_jira_with_pasted_cui_is_a_cui_asset(assistant: Any) -> None:
    answer = assistant.ask("Engineers sometimes paste CUI into Jira tickets. Is Jira in scope for CMMC?")
    assert answer.intent == "scoping" and answer.scope_category == "CUI Asset" and not answer.refused
    assert "CUI Asset" in answer.text and "Contractor Risk Managed Asset" in answer.text
    assert "FedRAMP Moderate" in answer.text and "252.204-7012(b)(2)(ii)(D)" in answer.text
    assert any("170.19(c)(1)" in c.source for c in answer.citations)


def test_missing_facts_are_asked_for_not_guessed(assistant: Any) -> None:
    answer = assistant.ask("Is our printer in scope for CMMC?")
    assert answer.scope_category is None
    assert "Does it process, store or transmit CUI" in answer.text


def test_crosswalk_names_the_transitive_path(assistant: Any) -> None:
    answer = assistant.ask("we're ISO certified. which annex A controls line up with 3.1.1?")
    assert answer.intent == "crosswalk"
    assert {"A.5.15", "A.5.16", "A.5.18", "A.8.2"} <= set(answer.cited_ids)
    assert "transitive" in answer.text and "not a direct NIST mapping" in answer.text
    assert "NIST SP 800-171 Rev 2" in answer.text and "ISO/IEC 27001:2022" in answer.text


def test_nonexistent_id_is_said_to_be_nonexistent(assistant: Any) -> None:
    answer = assistant.ask("what does 3.4.12 require? it's on our gap list from the consultant")
    assert answer.refused and answer.refusal_reason == "unknown control ID"
    assert "not a NIST SP 800-171 Rev 2 requirement" in answer.text and "03.04.12" in answer.text
    assert "3.4.12" not in answer.cited_ids


def test_sprs_partial_credit_for_non_fips_crypto(assistant: Any) -> None:
    answer = assistant.ask("what's our SPRS score if we lack FIPS-validated crypto?")
    assert "SPRS score: 107" in answer.text and "3.13.11" in answer.cited_ids


def test_sprs_floor_from_context(assistant: Any, kb: KnowledgeBase) -> None:
    everything = [v.requirement_id for v in kb.sprs.values]
    answer = assistant.ask("what is our SPRS score?", context={"not_met": everything})
    assert "would be -203" in answer.text and "could not be completed" in answer.text  # no SSP: no score posted


def test_poam_never_allowed_requirement(assistant: Any) -> None:
    answer = assistant.ask("can AC.L2-3.1.20 go on a POA&M?")
    assert answer.intent == "poam"
    assert "AC.L2-3.1.20 (1 pt): may not go on a POA&M" in answer.text
    assert "180 days" in answer.text


def test_poam_reachable_with_deadline(assistant: Any) -> None:
    answer = assistant.ask("can we get conditional status with a POA&M?",
                           context={"not_met": ["3.1.9", "3.4.9"], "partial": ["3.13.11"], "as_of": date(2026, 12, 1)})
    assert "Conditional status is reachable" in answer.text and "2027-05-30" in answer.text


def test_follow_up_resolves_against_previous_turn(assistant: Any) -> None:
    first = assistant.ask("what does 3.5.3 require?", conversation_id="c1")
    follow = assistant.ask("and for ISO?", conversation_id="c1")
    assert first.intent == "lookup" and follow.intent == "crosswalk"
    assert "A.5.16" in follow.cited_ids and "3.5.3" in follow.text


def test_evidence_gaps_from_context(assistant: Any) -> None:
    context = {"evidence": [
        {"id": "EV-1", "title": "User list", "controls": ["3.1.1[a]"], "collected": date(2026, 1, 10)},
        {"id": "EV-2", "title": "Old MFA screenshot", "controls": ["IA.L2-3.5.3"], "collected": date(2023, 5, 1)},
    ], "as_of": date(2026, 11, 28), "scope": ["3.1.1", "3.5.3", "3.13.11"]}
    answer = assistant.ask("which requirements have no evidence or stale evidence?", context=context)
    assert answer.intent == "evidence"
    assert "1 requirement(s) with no evidence, 1 with stale evidence, 1 covered" in answer.text
    assert "3.13.11 CUI Encryption" in answer.text and "3.5.3 (items EV-2; newest 2023-05-01)" in answer.text


def test_ssp_draft_walks_every_objective(assistant: Any) -> None:
    context = {"evidence": [{"id": "EV-7", "title": "AD export", "controls": ["3.1.1[a]"]}]}
    answer = assistant.ask("draft the SSP narrative for AC.L2-3.1.1", context=context)
    assert answer.intent == "ssp"
    assert all(f"3.1.1[{x}]" in answer.text for x in "abcdef")
    assert "Evidence: EV-7" in answer.text and "[No evidence given yet" in answer.text


def test_recommendation_for_both(assistant: Any) -> None:
    answer = assistant.ask("we're a DoD subcontractor and will receive CUI; our bank customers ask for ISO 27001. "
                           "which framework should we do first?")
    assert "both: ISO 27001 foundation + CMMC Level 2" in answer.text
    assert any(c.id == "fact:unified-calendars" for c in answer.citations)


def test_program_fact_with_citation(assistant: Any) -> None:
    answer = assistant.ask("when does CMMC phase 2 start?")
    assert "2026-11-10" in answer.text and any("170.3(e)(2)" in c.source for c in answer.citations)


def test_out_of_domain_is_refused(assistant: Any) -> None:
    answer = assistant.ask("what's a good recipe for banana bread?")
    assert answer.refused and "outside what I can answer" in answer.text


def test_every_cited_id_is_real(assistant: Any, kb: KnowledgeBase) -> None:
    for question in ("what stops brute-force logins?", "which ISO controls cover logging?", "3.13.11 and A.8.24"):
        answer = assistant.ask(question)
        assert all(kb.try_resolve(i) is not None for i in answer.cited_ids), question


@pytest.mark.storage
def test_concurrent_first_questions_open_the_index_once(full_index: Any, kb: KnowledgeBase, tmp_path: Any,
                                                        intent_classifier: Any) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from assistant.agent import Assistant
    from assistant.retrieval import HybridRetriever
    from assistant.settings import Settings
    from assistant.storage.db import Database

    opened: list[int] = []
    reader = full_index.open()

    def factory() -> HybridRetriever:
        opened.append(threading.get_ident())
        return HybridRetriever(kb, reader, full_index.embedder)

    settings = Settings(data_dir=tmp_path / "data")
    assistant = Assistant(settings, kb, factory, Database(settings.database_url), classifier=lambda: intent_classifier)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda q: assistant.ask(q), ["what stops brute-force logins?"] * 8))
    assert len(opened) == 1 and all(not a.refused for a in answers)


def test_user_stated_not_applicable_is_scored_as_met(assistant: Any) -> None:
    context = {"not_met": ["3.1.16", "3.1.17", "3.4.9"], "not_applicable": ["AC.L2-3.1.16", "3.1.17"]}
    answer = assistant.ask("what is our SPRS score?", context=context)
    assert "SPRS score: 109" in answer.text  # only 3.4.9 (1 point) is deducted
    assert "Treated as not applicable, scored as MET: 3.1.16, 3.1.17" in answer.text
    gaps = assistant.ask("which requirements have no evidence?", context={
        "evidence": [{"id": "E1", "controls": ["3.1.1"], "collected": date(2026, 11, 1)}], "as_of": date(2026, 11, 28),
        "scope": ["3.1.1", "3.1.16"], "not_applicable": ["3.1.16"]})
    assert "0 requirement(s) with no evidence" in gaps.text and "Not applicable (as you stated" in gaps.text


def test_an_index_swapped_by_another_process_is_reopened(make_assistant: Any, tmp_path: Any) -> None:
    from assistant.settings import Settings

    class NotFoundError(Exception):
        __module__ = "chromadb.errors"

    assistant = make_assistant(Settings(data_dir=tmp_path / "data"))
    real_factory = assistant._retriever_factory
    opened: list[int] = []

    class Stale:
        def search(self, *args: Any, **kwargs: Any) -> Any:
            raise NotFoundError("Collection does not exist")

    def factory() -> Any:
        opened.append(1)
        return Stale() if len(opened) == 1 else real_factory()

    assistant._retriever_factory = factory
    hits = assistant.search("account lockout after failed logons")
    assert len(opened) == 2 and hits and hits[0].anchor == "3.1.8"


@pytest.mark.sqlite_only(reason="a read-only SQLite file is the store that cannot be written")
def test_a_store_that_cannot_be_written_loses_no_answer(assistant: Any, tmp_path: Any) -> None:
    import sqlite3

    from assistant.storage.db import Database

    path = tmp_path / "ro.sqlite3"
    Database(path)  # create and migrate
    read_only = Database(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(sqlite3.OperationalError):
        sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute("CREATE TABLE t (x INTEGER)")
    assistant.db = read_only
    answer = assistant.ask("what does 3.1.1 require?")
    assert "Authorized Access Control" in answer.text
    assert any("not saved" in note for note in answer.notes)
