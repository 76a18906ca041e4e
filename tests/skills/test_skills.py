"""Each skill called directly with a typed request (no question understanding in between)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.agent.prompts import load_yaml
from assistant.knowledge import KnowledgeBase, UnknownControlError
from assistant.skills import (
    crosswalk,
    decline,
    evidence,
    facts,
    family,
    lookup,
    poam,
    recommend,
    scoping,
    search,
    sprs,
    ssp,
)
from assistant.skills.base import SkillDeps
from assistant.skills.registry import EVAL_KINDS, SKILLS, intent_labels, skill_for
from assistant.understanding import parse_context


@pytest.fixture
def deps(assistant: Any) -> SkillDeps:
    return SkillDeps(assistant.kb, load_yaml("answer_templates.yaml"), assistant._search)


def test_registry_feeds_labels_tools_and_eval_kinds() -> None:
    assert set(SKILLS) == {"lookup", "crosswalk", "scoping", "sprs", "poam", "evidence", "ssp", "fact", "recommend",
                           "search", "family", "decline"}
    assert all(skill_for(label).name in SKILLS for label in intent_labels())
    assert "refusal" in EVAL_KINDS and "decline" not in EVAL_KINDS


def test_lookup_card_has_objectives_points_and_guidance(deps: SkillDeps) -> None:
    draft = lookup.run(deps, lookup.LookupRequest(control_ids=["IA.L2-3.5.3"]))
    assert "[a] privileged accounts are identified" in draft.text and "5 points" in draft.text
    assert "Same requirement as" in draft.text
    assert {c.id for c in draft.citations} >= {"IA.L2-3.5.3"}


def test_lookup_of_an_unknown_id_raises_the_catalog_error(deps: SkillDeps) -> None:
    with pytest.raises(UnknownControlError):
        lookup.run(deps, lookup.LookupRequest(control_ids=["3.99.1"]))


def test_crosswalk_iso_to_cmmc_goes_through_the_requirements(deps: SkillDeps) -> None:
    draft = crosswalk.run(deps, crosswalk.CrosswalkRequest(control_ids=["A.8.15"], target_framework="cmmc"))
    assert "AU.L2-3.3.1" in draft.text and "transitive" in draft.text
    assert any(c.id == "AU.L2-3.3.1" for c in draft.citations)


def test_lookup_of_an_800_53_control_shows_the_800_171_requirements_it_sources(deps: SkillDeps) -> None:
    draft = lookup.run(deps, lookup.LookupRequest(control_ids=["AU-3"]))
    assert "3.3.1 System Auditing: Create and retain system audit logs" in draft.text
    assert {"AU-3", "3.3.1"} <= {c.id for c in draft.citations}


def test_crosswalk_800_53_to_800_171_says_what_the_requirements_require(deps: SkillDeps) -> None:
    draft = crosswalk.run(deps, crosswalk.CrosswalkRequest(control_ids=["IA-2"], target_framework="800-171"))
    assert "3.5.3: Use multifactor authentication for local and network access to privileged accounts" in draft.text


def test_crosswalk_maps_every_named_control_once_each(deps: SkillDeps) -> None:
    draft = crosswalk.run(deps, crosswalk.CrosswalkRequest(control_ids=["AC-2", "IA-2(1)", "RA-5"],
                                                           target_framework="cmmc"))
    assert {"AC.L2-3.1.1", "IA.L2-3.5.3", "RA.L2-3.11.2"} <= {c.id for c in draft.citations}
    assert draft.text.count("*Use it as:*") == 1 and "Appendix D lists RA-5" in draft.text


def test_crosswalk_to_two_frameworks_answers_both(deps: SkillDeps) -> None:
    draft = crosswalk.run(deps, crosswalk.CrosswalkRequest(control_ids=["b.1.iii"], target_framework="cmmc",
                                                           more_targets=["800-171"]))
    assert {"AC.L1-b.1.iii", "3.1.20"} <= {c.id for c in draft.citations}


def test_crosswalk_nist_to_iso_is_transitive_with_its_path(deps: SkillDeps) -> None:
    draft = crosswalk.run(deps, crosswalk.CrosswalkRequest(control_ids=["3.1.1"], target_framework="iso"))
    assert "A.5.15" in draft.text and "two-hop" in draft.text and "AC-2" in draft.text


def test_scoping_verdict_and_isms_scope(deps: SkillDeps, kb: KnowledgeBase) -> None:
    draft = scoping.run(deps, scoping.ScopingRequest(description="our file server stores CUI"))
    assert draft.scope_category == "CUI Asset"
    isms = scoping.run(deps, scoping.ScopingRequest(description="how do we decide our ISMS scope?", isms_only=True))
    assert "clause 4.3" in isms.text and isms.scope_category is None and isms.citations


def test_sprs_shows_the_value_of_named_requirements(deps: SkillDeps) -> None:
    draft = sprs.run(deps, sprs.SprsRequest(not_met=["3.1.1"], values_of=["3.1.1"]))
    assert "SPRS value of 3.1.1:* 5 points" in draft.text and "SPRS score: 105" in draft.text


def test_sprs_without_status_explains_the_method_and_a_quoted_score(deps: SkillDeps) -> None:
    draft = sprs.run(deps, sprs.SprsRequest(score_asked=98))
    assert "44 requirements are worth 5 points, 14 worth 3 and 51 worth 1" in draft.text  # 44*5+14*3+51 = 313
    assert "*A score of 98* means 12 points" in draft.text and "at least 88 points" in draft.text


def test_sprs_without_an_ssp_posts_no_score(deps: SkillDeps) -> None:
    draft = sprs.run(deps, sprs.SprsRequest(not_met=["3.12.4"]))
    assert "No score can be posted yet" in draft.text and "SPRS score:" not in draft.text
    assert any(c.id == "3.12.4" for c in draft.citations)


def test_poam_closeout_party_and_the_3_13_11_exception(deps: SkillDeps) -> None:
    draft = poam.run(deps, poam.PoamRequest(not_met=["3.13.11"]))
    assert "unless encryption is employed but it is not FIPS-validated" in draft.text
    assert "Conditional Level 2 (C3PAO): a C3PAO" in draft.text
    assert "DCMA DIBCAC" in poam.run(deps, poam.PoamRequest(level=3)).text


def test_poam_weighs_a_stated_score_against_the_conditional_threshold(deps: SkillDeps) -> None:
    assert poam.stated_score("We scored 95 on our self assessment") == 95
    assert poam.stated_score("our SPRS score is -12") == -12 and poam.stated_score("we have 180 days") is None
    above = poam.run(deps, poam.PoamRequest(stated_score=95))
    below = poam.run(deps, poam.PoamRequest(stated_score=70))
    assert "A score of 95 reaches the Conditional Level 2 threshold of 88" in above.text
    assert "A score of 70 is below the Conditional Level 2 threshold of 88" in below.text


def test_poam_at_level_3_scores_one_point_per_requirement_and_keeps_its_never_list(deps: SkillDeps) -> None:
    never = poam.run(deps, poam.PoamRequest(not_met=["3.6.1e"], level=3))
    assert "IR.L3-3.6.1e may never be on a POA&M (32 CFR 170.21(a)(3)(ii))" in never.text
    fine = poam.run(deps, poam.PoamRequest(not_met=["3.14.6e", "3.11.2e"], level=3))
    assert "Conditional status is reachable" in fine.text and "score 22" in fine.text
    rules = poam.run(deps, poam.PoamRequest(level=3))
    assert "at least 20 of the 24 requirements MET" in rules.text and "88" not in rules.text


def test_poam_names_each_requirement_and_the_rule(deps: SkillDeps) -> None:
    draft = poam.run(deps, poam.PoamRequest(not_met=["3.5.3"]))
    assert "IA.L2-3.5.3 (5 pt): may not go on a POA&M" in draft.text
    assert "still counts as NOT MET" in draft.text
    rules = poam.run(deps, poam.PoamRequest())
    assert "POA&M rules" in rules.text and "180 days" in rules.text


def test_evidence_lists_stale_items_by_id(deps: SkillDeps) -> None:
    deps.context = parse_context({"as_of": "2026-11-28", "max_age_days": 180, "scope": ["3.10.1"], "evidence": [
        {"id": "BADGE-1", "controls": ["3.10.1"], "collected": "2025-01-01"}]})
    draft = evidence.run(deps, evidence.EvidenceRequest(scope=["3.10.1"], max_age_days=180))
    assert "BADGE-1" in draft.text and "Stale" in draft.text


def test_evidence_without_an_inventory_shows_what_is_examined_for_the_requirement_asked_about(
        deps: SkillDeps) -> None:
    topical = evidence.run(deps, evidence.EvidenceRequest(topic="What evidence do I need to show for MFA?"))
    assert [c.id for c in topical.citations] == ["3.5.3"] and topical.needs_input
    assert "Evidence for 3.5.3" in topical.text and "Examine:" in topical.text and "3.5.3[a]" in topical.text
    named = evidence.run(deps, evidence.EvidenceRequest(control_ids=["3.13.11"], topic="what proves this?"))
    assert "Evidence for 3.13.11" in named.text and "cryptographic" in named.text
    generic = evidence.run(deps, evidence.EvidenceRequest(topic="which evidence is missing?"))
    assert "What assessors examine most often" in generic.text and "Evidence for" not in generic.text


def test_ssp_walks_every_objective(deps: SkillDeps, kb: KnowledgeBase) -> None:
    draft = ssp.run(deps, ssp.SspRequest(control_id="3.5.3"))
    assert all(o.id in draft.text for o in kb.objectives("3.5.3"))


def test_fact_is_retrieved_by_meaning_with_its_citation(deps: SkillDeps) -> None:
    draft = facts.run(deps, facts.FactRequest(question="how often do we need a C3PAO assessment?"))
    assert draft.citations and all(c.kind == "rule" for c in draft.citations)


def test_fact_comparing_levels_gives_one_fact_per_level(deps: SkillDeps) -> None:
    from assistant.understanding.frame import only_level

    assert only_level("Level 1, Level 2 and L3?", 2) == ", Level 2 and ?"
    draft = facts.run(deps, facts.FactRequest(question="How do CMMC Level 1, Level 2 and Level 3 differ?",
                                              levels=[1, 2, 3]))
    shown = [c.id for c in draft.citations if c.id.startswith("fact:")]
    assert len(shown) >= 3 and all(any(f"level-{n}" in i for i in shown) for n in (1, 2, 3))


def test_recommend_and_search_and_decline(deps: SkillDeps) -> None:
    both = recommend.run(deps, recommend.RecommendRequest(
        situation="we bid on DoD contracts with CUI and our banking customers ask for ISO 27001"))
    assert "both" in both.text.lower()
    found = search.run(deps, search.SearchRequest(query="account lockout after failed logons"))
    assert found.citations and found.citations[0].kind == "control"
    refused = decline.run(deps, decline.DeclineRequest(reason="decline_private"))
    assert refused.refused and refused.refusal_reason == "private or personal information"


def test_family_lists_its_requirements_at_a_level(deps: SkillDeps) -> None:
    from assistant.skills import family

    draft = family.run(deps, family.FamilyRequest(family="SC", level=2))
    assert "16 requirement(s) at CMMC Level 2" in draft.text and "SC.L2-3.13.16" in draft.text
    level1 = family.run(deps, family.FamilyRequest(family="Access Control", level=1))
    assert "AC.L1-b.1.i" in level1.text and "4 requirement(s)" in level1.text


def test_family_without_a_family_lists_the_domains_of_the_level(deps: SkillDeps) -> None:
    draft = family.run(deps, family.FamilyRequest(level=1))
    assert "CMMC Level 1 covers 6 domains, 15 practices" in draft.text
    assert {c.id.split(".")[0] for c in draft.citations} == {"AC", "IA", "MP", "PE", "SC", "SI"}


def test_a_question_about_domains_lists_them_even_when_a_practice_word_appears(assistant: Any) -> None:
    answer = assistant.ask("Which domains are a part of a Level 1 Self-Assessment?")
    assert answer.intent == "family" and "6 domains" in answer.text


def test_a_named_family_is_read_from_the_question(assistant: Any) -> None:
    answer = assistant.ask("What are the CMMC Level 2 requirements for System and Communications Protection (SC)?")
    assert answer.intent == "family" and "SC.L2-3.13.11" in answer.cited_ids


def test_search_keeps_to_the_framework_or_level_a_question_names_alone(assistant: Any) -> None:
    from assistant.skills.search import framework_filter
    from assistant.understanding.frame import read_tokens

    def named(question: str) -> str | None:
        return framework_filter(read_tokens(assistant.kb, question, None, None))

    assert named("Does ISO 27001 require encryption?") == "iso27001-2022"
    assert named("the 800-172 requirement for penetration testing") == "nist-800-172"
    assert named("Do we need MFA for CMMC Level 1?") == "far-52.204-21"
    assert named("Does CMMC Level 2 require MFA?") is None and named("ISO 27001 vs CMMC on MFA") is None


def test_search_answers_a_plain_question_with_a_level_2_requirement_before_an_enhanced_one(
        deps: SkillDeps) -> None:
    query = "hunt for indicators of compromise and threat actors already inside our network"
    enhanced = search.run(deps, search.SearchRequest(query=query, enhanced=True))
    plain = search.run(deps, search.SearchRequest(query=query))
    assert enhanced.citations[0].id.endswith("e")
    assert not plain.citations[0].id.endswith("e") and plain.citations[0].id.startswith("3.")


def test_sprs_asked_for_a_value_shows_it_without_scoring_it_as_missing(assistant: Any) -> None:
    answer = assistant.ask("how many points is 3.13.11 worth?")
    assert "SPRS value of 3.13.11" in answer.text and "SPRS score:" not in answer.text
    assert "3.13.11: 105" in answer.text
    missing = assistant.ask("we're missing 3.1.1 and 3.5.3, what's our SPRS score?")
    assert "SPRS score: 100" in missing.text


def test_fact_statement_sentences_are_indexed_as_documents_of_their_fact(kb: KnowledgeBase) -> None:
    from assistant.index.documents import fact_sentences, knowledge_documents

    fact = next(f for f in kb.program_facts if f.id == "poam-closeout-assessment")
    docs = [d for d in knowledge_documents(kb) if d.metadata["anchor"] == f"fact:{fact.id}"]
    by_kind = {kind: [d for d in docs if d.metadata["kind"] == kind]
               for kind in ("program-fact", "fact-question", "fact-sentence")}
    assert len(by_kind["program-fact"]) == 1 and len(by_kind["fact-question"]) == len(fact.questions)
    sentences = fact_sentences(fact.text)
    assert len(sentences) >= 3 and len(by_kind["fact-sentence"]) == len(sentences)
    assert any("same manner as the initial self-assessment" in d.embed_text for d in by_kind["fact-sentence"])
    assert all(d.embed_text.startswith(fact.title) for d in by_kind["fact-sentence"])
