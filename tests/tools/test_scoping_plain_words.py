"""Scoping from plain words: word forms, paired IT components, Security Protection Data on an asset, negated
policy, paper, questions about everyone, and the Level 3 treatment of Specialized Assets."""

from __future__ import annotations

from assistant.knowledge import KnowledgeBase
from assistant.tools import scoping
from assistant.tools import scoping_facts as sf
from assistant.tools.scoping import facts_from_description


def test_plural_and_singular_forms_of_a_term_name_its_class() -> None:
    assert facts_from_description("The Haas mills get G-code over the shop network.").asset_class == "ot"
    people = sf.mentions(sf.normalize("Does every employee count?"))
    assert [m.cls.id for m in people] == ["people"]


def test_an_it_box_paired_with_test_equipment_is_that_equipment(kb: KnowledgeBase) -> None:
    text = ("Our legacy PC runs the software for the spectrum analyzer, which captures CUI signal data. "
            "How do we scope the PC?")
    result = scoping.assess(kb, text, 2)
    assert result.facts.asset_class == "test_equipment" and result.category == "Specialized Asset"
    assert any("associated IT components" in step for step in result.reasoning)


def test_security_protection_data_put_on_an_asset_makes_it_a_security_protection_asset(kb: KnowledgeBase) -> None:
    text = "We keep the admin credentials for the enclave servers on one IT laptop. What category is that laptop?"
    result = scoping.assess(kb, text, 2)
    assert result.facts.name.endswith("laptop") and result.category == "Security Protection Asset"
    holds_cui = scoping.assess(kb, "We keep the CUI drawings on one IT laptop. What is the laptop?", 2)
    assert holds_cui.category == "CUI Asset"


def test_a_policy_that_is_said_not_to_exist_is_no_practice(kb: KnowledgeBase) -> None:
    text = "Nobody is supposed to put CUI in the wiki server, but there's no written rule or control."
    facts = facts_from_description(text)
    assert facts.prevented_by_policy is None and facts.intent_only
    result = scoping.assess(kb, text, 2)
    assert result.category is None
    assert {b.category for b in result.branches} >= {"Contractor Risk Managed Asset", "CUI Asset"}
    stated = facts_from_description("Policy bans CUI on the wiki server and we audit it monthly.")
    assert stated.prevented_by_policy is True


def test_paper_is_stored_information_at_level_1(kb: KnowledgeBase) -> None:
    result = scoping.assess(kb, "We keep signed contracts and purchase orders in a locked drawer. In scope?", 1)
    assert result.category == "FCI Asset"
    assert any("paper" in step for step in result.reasoning)


def test_a_question_about_everyone_answers_by_role_not_as_one_asset(kb: KnowledgeBase) -> None:
    result = scoping.assess(kb, "We handle CUI. Does every employee have to be part of the assessment?", 2)
    assert result.category is None and result.facts.all_people
    assert {b.category for b in result.branches} >= {"CUI Asset", "Security Protection Asset", "Out-of-Scope Asset"}
    assert any("enclave" in step for step in result.reasoning)
    level1 = scoping.assess(kb, "Level 1: does everyone in the company have to be in scope?", 1)
    assert {b.category for b in level1.branches} == {"FCI Asset", "Out-of-Scope Asset"}


def test_people_asked_about_are_the_subject_when_no_asset_is_asked(kb: KnowledgeBase) -> None:
    text = ("Everyone has an account in our GCC High tenant, and only the program staff can open CUI through DLP "
            "and RBAC. Can the staff without CUI access be out of scope?")
    result = scoping.assess(kb, text, 2)
    assert result.facts.asset_class == "people"


def test_isolation_decides_level_2_but_not_level_3_for_specialized_assets(kb: KnowledgeBase) -> None:
    text = "The paint line HMI sits on an air-gapped, purpose-specific network and never gets CUI. How is it treated?"
    assert scoping.assess(kb, text, 2).category == "Out-of-Scope Asset"
    level3 = scoping.assess(kb, text, 3)
    assert level3.category == "Specialized Asset"
    assert any("purpose-specific" in step for step in level3.reasoning)


def test_hosting_something_on_it_keeps_the_question_on_it(kb: KnowledgeBase) -> None:
    text = ("An old Windows 7 PC is paired with our inspection vision machine, which processes CUI. "
            "Can I host a VM on it, or how do I include it in scope?")
    result = scoping.assess(kb, text, 2)
    assert "windows 7 pc" in result.facts.name.lower() and result.category == "Specialized Asset"


def test_guest_wifi_is_a_separation_statement() -> None:
    facts = facts_from_description("The breakroom PC never touches CUI and it's on the guest wifi.")
    assert facts.handles_cui is False and facts.separated is True


def test_equipment_the_vocabulary_does_not_list_takes_the_nearest_class(kb: KnowledgeBase) -> None:
    tester = scoping.assess(kb, "Our torque tester stores CUI calibration results. Category?", 2)
    assert tester.facts.asset_class == "test_equipment" and tester.category == "Specialized Asset"
    assert facts_from_description("The wire EDM gets CUI programs.").asset_class == "ot"
    assert facts_from_description("Is my machine in scope?").asset_class is None  # one word says too little
    assert facts_from_description("The Windows machine opens CUI files.").asset_class == "it"
