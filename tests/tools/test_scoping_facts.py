"""Facts read from plain words: negations, restrictions, other nouns, several assets, levels."""

from __future__ import annotations

from assistant.knowledge import KnowledgeBase
from assistant.tools import scoping
from assistant.tools.scoping import AssetFacts, facts_from_description


def test_negation_and_restriction_are_read() -> None:
    facts = facts_from_description("It never touches CUI, it just forwards alerts from the enclave to the SOC.")
    assert facts.handles_cui is False and facts.provides_security is True
    assert facts_from_description("The WSUS server doesn't store any CUI.").handles_cui is False
    assert facts_from_description("The scanner only stores the scan results.").handles_cui is False


def test_policy_keeps_cui_off_and_capability() -> None:
    facts = facts_from_description("Conference room PCs are not allowed to be used for CUI, though they sit on the "
                                   "same VLAN as the engineers.")
    assert facts.handles_cui is False and facts.prevented_by_policy is True and facts.separated is False
    intent = facts_from_description("The wiki server is reachable from the enclave, and nobody is supposed to put CUI "
                                    "there.")
    assert intent.handles_cui is False and intent.intent_only and intent.prevented_by_policy is None


def test_other_nouns_in_the_sentence_do_not_lend_their_cui() -> None:
    facts = facts_from_description("HR laptops sit on the same network as the CUI file server. Do they count?")
    assert facts.name == "HR laptops" and facts.handles_cui is None and facts.separated is False
    rmm = facts_from_description("The MSP uses ConnectWise Automate to patch our CUI laptops. "
                                 "Is the RMM tool in scope?")
    assert rmm.handles_cui is None and rmm.provides_security is True


def test_asset_classes_come_from_the_vocabulary() -> None:
    cmm = facts_from_description("The metrology CMM reads the part programs for the ITAR parts.")
    assert cmm.asset_class == "test_equipment" and cmm.handles_cui is True and cmm.class_source
    assert facts_from_description("Thin clients only send keyboard, video and mouse.").kvm_only is True
    assert facts_from_description("Is Box in scope?").cloud_or_external_service is True


def test_several_assets_get_a_verdict_each(kb: KnowledgeBase) -> None:
    result = scoping.assess(kb, "Our CAD workstations open CUI drawings and save them to a cloud file share: what "
                                "are the workstations, and is the file share in scope?")
    assert [(r.facts.name, r.category) for r in result.assets] == [
        ("CAD workstations", "CUI Asset"), ("cloud file share", "CUI Asset")]
    assert any("FedRAMP" in note for note in result.assets[1].provider_notes)
    pair = scoping.assess(kb, "Engineers paste CUI into Jira, and Okta handles the logins to Jira. Are Jira and "
                              "Okta in scope?")
    assert [r.category for r in pair.assets] == ["CUI Asset", "Security Protection Asset"]


def test_conditional_verdict_names_each_branch(kb: KnowledgeBase) -> None:
    result = scoping.assess(kb, "HR laptops sit on the same network as the CUI file server, but HR never works "
                                "with CUI. Do they count?")
    assert result.category is None and result.in_scope is None
    assert [b.category for b in result.branches] == ["Contractor Risk Managed Asset", "Out-of-Scope Asset",
                                                     "CUI Asset"]
    assert all(b.treatment for b in result.branches)
    cnc = scoping.assess(kb, "Are the CNC machines on the shop floor in scope?")
    # a kind the Scoping Guides list as Specialized is one outright; isolation is the exception to show
    assert cnc.category == "Specialized Asset" and not cnc.branches
    assert "Only if it is physically or logically isolated" in " ".join(cnc.reasoning)


def test_level1_and_level3_treatments(kb: KnowledgeBase) -> None:
    l1 = scoping.classify_asset(kb, AssetFacts(handles_fci=True, specialized_type="Operational Technology (OT)"), 1)
    assert l1.category == "Specialized Asset" and l1.in_scope is False
    l1_fci = scoping.classify_asset(kb, AssetFacts(handles_fci=True), 1)
    assert l1_fci.category == "FCI Asset" and "no documentation requirements" in l1_fci.need_not_document[0]
    l3 = scoping.classify_asset(kb, AssetFacts(handles_cui=False, prevented_by_policy=True), 3)
    assert l3.category == "CUI Asset" and "Level 3" in " ".join(l3.assessor_checks)
    cond3 = scoping.assess(kb, "Level 3: is the shared conference room PC in scope?", 3)
    assert "Contractor Risk Managed Asset" not in {b.category for b in cond3.branches}


def test_out_of_scope_needs_no_documentation_but_a_justification(kb: KnowledgeBase) -> None:
    result = scoping.assess(kb, "The guest Wi-Fi is on a separate VLAN with no route to the enclave and never "
                                "carries CUI.")
    assert result.category == "Out-of-Scope Asset"
    assert "justify" in " ".join(result.must_document)
    assert "no documentation requirements" in result.need_not_document[0]
    assert "Scoping Guide Level 2" in result.documentation_source


def test_stated_facts_override_the_description(kb: KnowledgeBase) -> None:
    result = scoping.assess(kb, "Is our printer in scope?", 2, {"handles_cui": True})
    assert result.category == "CUI Asset"


def test_a_backup_of_cui_is_a_cui_asset(kb: KnowledgeBase) -> None:
    result = scoping.assess(kb, "Our MSP backs up the CUI file server to their offsite storage. Is the backup "
                                "storage in scope?")
    assert result.category == "CUI Asset"
    logs = scoping.assess(kb, "Is our backup server in scope? It only stores the SIEM logs and firewall configs.")
    assert logs.category == "Security Protection Asset"


def test_cui_next_to_other_data_is_still_cui() -> None:
    assert facts_from_description("The laptop holds CUI and non-CUI files. What is it?").handles_cui is True
    assert facts_from_description("Engineers keep CUI alongside ordinary project files on the NAS.").handles_cui is True


def test_cui_only_in_transit_leaves_a_security_device_a_security_protection_asset(kb: KnowledgeBase) -> None:
    transit = facts_from_description("The VPN gateway only passes CUI through an encrypted tunnel.")
    assert transit.handles_cui is True and transit.cui_in_transit_only and transit.provides_security
    assert scoping.classify_asset(kb, transit).category == "Security Protection Asset"
    stores = facts_from_description("The firewall stores copies of CUI files it inspects.")
    assert scoping.classify_asset(kb, stores).category == "CUI Asset"
    server = facts_from_description("CUI passes through the file server on its way to the prime.")
    assert scoping.classify_asset(kb, server).category == "CUI Asset"  # not a security device: transit is enough
