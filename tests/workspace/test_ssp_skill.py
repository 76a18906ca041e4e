"""The SSP skill drafts from the setup the question states and the system in the context, not placeholders."""

from __future__ import annotations

from typing import Any


def test_ssp_skill_uses_the_setup_stated_in_the_question(assistant: Any) -> None:
    answer = assistant.ask("draft the SSP statement for 3.5.3 from our setup: Duo provides MFA for VPN and admin "
                           "consoles; Windows Hello for local admin logons")
    assert answer.intent == "ssp"
    lines = {line.split()[1]: line for line in answer.text.splitlines() if line.startswith("• 3.5.3[")}
    assert "Duo provides MFA for VPN" in lines["3.5.3[c]"] and "Windows Hello" in lines["3.5.3[b]"]
    assert "Not yet described" in lines["3.5.3[a]"] and "Not yet described" in lines["3.5.3[d]"]
    assert "Okta" not in answer.text and "[Describe how" not in answer.text


def test_ssp_skill_uses_the_system_in_the_context(assistant: Any) -> None:
    context = {"system": {"name": "Enclave", "services": [{"name": "Duo", "does": "MFA for VPN and admin consoles"}]}}
    answer = assistant.ask("draft the SSP narrative for IA.L2-3.5.3", context=context)
    line = next(x for x in answer.text.splitlines() if x.startswith("• 3.5.3[c]"))
    assert "Duo: MFA for VPN and admin consoles" in line


def test_ssp_skill_drafts_from_the_stored_profile(assistant: Any, tmp_path: Any) -> None:
    from assistant.workspace.repository import Workspace
    from tests.workspace.data import write_profile

    Workspace(assistant.kb, assistant.db.url).import_profile(write_profile(tmp_path))
    answer = assistant.ask("draft the SSP narrative for 3.5.3")
    lines = {line.split()[1]: line for line in answer.text.splitlines() if line.startswith("• 3.5.3[")}
    assert "Duo" in lines["3.5.3[c]"] and "Windows Hello" in lines["3.5.3[b]"]
    assert "Not yet described" in lines["3.5.3[a]"]


def test_ssp_skill_lists_requirement_evidence_no_objective_matches(assistant: Any) -> None:
    context = {"evidence": [{"id": "SIEM-1", "title": "Log sources list", "controls": ["3.3.1"]},
                            {"id": "RET-2", "title": "Retention setting", "controls": ["AU.L2-3.3.1"]},
                            {"id": "OTHER-9", "title": "Badge log", "controls": ["3.10.4"]}]}
    answer = assistant.ask("draft the ssp narrative for 3.3.1 using our evidence", context=context)
    unplaced = next(x for x in answer.text.splitlines() if "no objective's wording matches" in x)
    assert "SIEM-1 (Log sources list)" in unplaced and "RET-2 (Retention setting)" in unplaced
    assert "OTHER-9" not in answer.text  # evidence of another requirement stays out
    objectives = [x for x in answer.text.splitlines() if x.startswith("• 3.3.1[")]
    assert len(objectives) == 6 and all("Not yet described" in x for x in objectives)  # nothing is invented


def test_ssp_skill_on_an_iso_control_names_the_requirements_to_draft(assistant: Any) -> None:
    from assistant.skills import ssp
    from assistant.skills.base import SkillDeps

    deps = SkillDeps(assistant.kb, assistant.templates, assistant._search)
    draft = ssp.run(deps, ssp.SspRequest(control_id="A.5.15"))
    assert "written per NIST SP 800-171 Rev 2 requirement" in draft.text
    assert "3.1.1 Authorized Access Control" in draft.text
    assert draft.needs_input and {"A.5.15", "3.1.1"} <= {c.id for c in draft.citations}


def test_evidence_skill_reads_the_stored_register_when_no_inventory_is_given(assistant: Any, tmp_path: Any) -> None:
    from assistant.workspace.repository import Workspace

    register = tmp_path / "register.csv"
    register.write_text("id,title,controls,effective\nEV-9,Badge reader logs,3.10.4,2026-10-01\n", encoding="utf-8")
    Workspace(assistant.kb, assistant.db.url).import_evidence(register)
    answer = assistant.ask("what evidence are we missing for physical protection?")
    assert answer.intent == "evidence" and "5 requirement(s) with no evidence" in answer.text
    assert "3.10.4" not in answer.text.split("*No evidence:*")[1].split("\n")[0]


def test_evidence_skill_without_any_inventory_says_what_assessors_examine(assistant: Any) -> None:
    answer = assistant.ask("find our evidence gaps")  # no inventory given, none stored
    assert answer.intent == "evidence" and "system security plan (107 of 110)" in answer.text
    assert "evidence import" in answer.text
