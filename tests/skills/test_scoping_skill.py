"""The scoping skill renders conditional verdicts and one verdict per asset."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.agent.prompts import load_yaml
from assistant.skills import scoping
from assistant.skills.base import SkillDeps


@pytest.fixture
def deps(assistant: Any) -> SkillDeps:
    return SkillDeps(assistant.kb, load_yaml("answer_templates.yaml"), assistant._search)


def test_conditional_answer_names_each_branch(deps: SkillDeps) -> None:
    draft = scoping.run(deps, scoping.ScopingRequest(
        description="HR laptops sit on the same network as the CUI file server, but HR never works with CUI. "
                    "Do they count?"))
    assert draft.scope_category is None and "It turns on" in draft.text
    for name in ("Contractor Risk Managed Asset", "Out-of-Scope Asset", "CUI Asset"):
        assert f"→ *{name}*" in draft.text
    assert "asset inventory" in draft.text and draft.citations


def test_each_asset_gets_its_verdict(deps: SkillDeps) -> None:
    draft = scoping.run(deps, scoping.ScopingRequest(
        description="The SIEM collects logs from the CUI file server. What are the SIEM and the file server?"))
    assert "*SIEM*" in draft.text and "file server*" in draft.text
    assert "Security Protection Asset" in draft.text and "CUI Asset" in draft.text
    assert draft.scope_category == "Security Protection Asset"  # the verdict for the asset named first


def test_out_of_scope_says_what_need_not_be_documented(deps: SkillDeps) -> None:
    draft = scoping.run(deps, scoping.ScopingRequest(
        description="Marketing laptops sit in a separate network segment firewalled off from the enclave, and they "
                    "never handle CUI."))
    assert draft.scope_category == "Out-of-Scope Asset"
    assert "Not required" in draft.text and "justify" in draft.text


def test_level1_specialized_is_outside_the_level1_scope(deps: SkillDeps) -> None:
    draft = scoping.run(deps, scoping.ScopingRequest(
        description="the CNC machine on the shop floor gets the FCI order data", level=1))
    assert draft.scope_category == "Specialized Asset" and "not part of the Level 1" in draft.text


def test_a_documentation_question_without_an_asset_lists_each_category(deps: SkillDeps) -> None:
    draft = scoping.run(deps, scoping.ScopingRequest(
        description="For Level 1, do we need an SSP or network diagram for the scope?", level=1))
    assert "no documentation requirements" in draft.text.lower() and draft.citations
    assert "Specialized Asset" in draft.text and "FCI Asset" in draft.text and draft.scope_category is None


def test_a_rule_question_without_an_asset_is_answered_with_the_cited_rule(deps: SkillDeps) -> None:
    draft = scoping.run(deps, scoping.ScopingRequest(
        description="Can the Level 3 boundary be smaller than the one certified at Level 2?", level=3))
    assert "subset" in draft.text and "It turns on" not in draft.text
    assert any(c.id.startswith("fact:") and "170.19" in c.source for c in draft.citations)
    assert draft.scope_category is None


def test_rules_come_from_scoping_facts_only(deps: SkillDeps) -> None:
    rules, closeness = scoping.scoping_rules(deps, "do contractor risk managed assets need to be segmented?")
    assert rules and 0.0 < closeness <= 1.0
    assert all(f.topic in scoping.RULE_TOPICS for f in rules)


def test_a_placed_asset_keeps_its_verdict_when_a_rule_is_near(deps: SkillDeps) -> None:
    draft = scoping.run(deps, scoping.ScopingRequest(
        description="Our perimeter firewall guards the enclave; CUI only passes through it encrypted. Category?"))
    assert draft.scope_category == "Security Protection Asset"
    assert "FIPS" in draft.text
