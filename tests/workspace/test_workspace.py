"""The workspace domain: register import, normalization, gaps, SSP drafts from facts, the names guard, the
calendar rules and their citations."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from assistant.knowledge import FrameworkId, KnowledgeBase
from assistant.workspace.calendar import program_events
from assistant.workspace.evidence import EvidenceItem, normalize
from assistant.workspace.facts import FactBuilder
from assistant.workspace.gaps import gap_report
from assistant.workspace.guard import unsupported_names
from assistant.workspace.profile import parse_profile
from assistant.workspace.register import read_register
from assistant.workspace.rules import calendar_rules, freshness_rules, vocabulary
from assistant.workspace.ssp import NOT_DESCRIBED, Drafter
from tests.workspace.data import AS_OF, PROFILE, register_50


def test_controls_in_any_spelling_reach_cmmc_objectives_and_iso(kb: KnowledgeBase) -> None:
    m = normalize(kb, ["IA.L2-3.5.3", "3.5.3[b]", "A.8.5", "AC.L1-b.1.i", "nonsense-9"])
    assert "3.5.3" in m.requirements and "3.1.1" in m.requirements  # the Level 1 practice via FAR
    assert m.objectives == ["3.5.3[b]"] and "IA.L2-3.5.3" in m.cmmc
    assert "A.8.5" in m.iso and m.unknown == ["nonsense-9"]
    assert m.iso_via_nist and all(i.startswith("A.") for i in m.iso_via_nist)


def test_bad_rows_are_named_with_their_row_and_skipped(kb: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "proof.pdf").write_bytes(b"%PDF proof")
    (tmp_path / "r.csv").write_text(
        "id,title,controls,effective_date,file\n"
        "E1,Good,3.1.1,2026-01-01,proof.pdf\n"
        ",No id,3.1.1,2026-01-01,\n"
        "E3,Bad date,3.1.1,yesterday,\n"
        "E4,Unknown control,9.9.9,2026-01-01,\n"
        "E5,Good too,AC.L2-3.1.2,2026-01-01,\n", encoding="utf-8")
    parsed = read_register(kb, tmp_path / "r.csv")
    assert [i.id for i in parsed.items] == ["E1", "E5"]
    assert [(e.row, e.message.split(":")[0]) for e in parsed.errors] == [(3, "no id"), (4, "effective"),
                                                                           (5, "no control recognised in 9.9.9")]
    assert parsed.items[0].sha256 == hashlib.sha256(b"%PDF proof").hexdigest()
    assert parsed.items[0].location.endswith("proof.pdf")


def test_yaml_and_folder_registers(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "reg"
    folder.mkdir()
    (folder / "a.yaml").write_text(yaml.safe_dump({"evidence": [
        {"id": "Y1", "controls": ["3.5.3[c]"], "effective": "2026-02-01", "review": "2026-08-01",
         "location": "https://wiki.example/duo"}, "not a mapping"]}), encoding="utf-8")
    (folder / "b.csv").write_text("id,controls\nC1,A.5.15\n", encoding="utf-8")
    parsed = read_register(kb, folder)
    assert sorted(i.id for i in parsed.items) == ["C1", "Y1"]
    assert [(e.source, e.row) for e in parsed.errors] == [("a.yaml", 2)]


def test_gaps_on_a_50_item_register_for_cmmc_and_iso_at_once(kb: KnowledgeBase, tmp_path: Path) -> None:
    path, groups = register_50(kb, tmp_path)
    parsed = read_register(kb, path)
    assert len(parsed.items) == 50 and not parsed.errors
    report = gap_report(kb, parsed.items, ["cmmc-l2", "cmmc-l1", "iso"], freshness_rules(), AS_OF)
    by = {(g.framework, g.control, g.gap): g for g in report.gaps}
    counts = report.counts()
    tagged = set(groups["tagged"])
    assert counts["cmmc-l2"] == {"missing": 110 - 45, "stale": 10, "objective": 5}
    all_reqs = set(kb.all_ids(FrameworkId.NIST_800_171R2))
    assert {c for (f, c, g) in by if f == "cmmc-l2" and g == "missing"} == all_reqs - tagged
    assert {c for (f, c, g) in by if f == "cmmc-l2" and g == "stale"} == set(groups["stale"])
    for rid in groups["partial"]:
        gap = by[("cmmc-l2", rid, "objective")]
        assert gap.objectives == [o.id for o in kb.objectives(rid)][1:]
    stale_kinds = {by[("cmmc-l2", r, "stale")].detail.split("(")[1].split()[1].rstrip(")") for r in groups["stale"]}
    assert stale_kinds == {"stale", "expired", "undated"}
    # Level 1 is the same register seen through its own scope
    l1 = {r.control for r in report.coverage if r.framework == "cmmc-l1"}
    assert {c for (f, c, g) in by if f == "cmmc-l1" and g == "missing"} == l1 - tagged
    # ISO: the five Annex A controls tagged directly are covered; the rest follow the crosswalk of the tags
    iso = {r.control: r for r in report.coverage if r.framework == "iso"}
    assert len(iso) == 93
    assert all(iso[c].status == "covered" and iso[c].current for c in groups["iso_only"])
    current_reqs = set(groups["full"]) | set(groups["partial"])
    reached = {e.target for r in current_reqs for e in kb.crosswalk(r, FrameworkId.ISO_27001_2022)}
    reached_stale = {e.target for r in groups["stale"] for e in kb.crosswalk(r, FrameworkId.ISO_27001_2022)}
    expected_missing = set(iso) - reached - reached_stale - set(groups["iso_only"])
    assert {c for (f, c, g) in by if f == "iso" and g == "missing"} == expected_missing
    stale_only = (reached_stale - reached - set(groups["iso_only"])) & set(iso)
    assert {c for (f, c, g) in by if f == "iso" and g == "stale"} == stale_only


def test_ssp_353_uses_the_profile_facts_marks_the_rest_and_names_nothing_else(kb: KnowledgeBase) -> None:
    profile = parse_profile(yaml.safe_load(PROFILE))
    drafter = Drafter(kb, profile, [])
    draft = drafter.draft("3.5.3")
    by = {o.id: o for o in draft.objectives}
    assert [o.id for o in draft.objectives] == ["3.5.3[a]", "3.5.3[b]", "3.5.3[c]", "3.5.3[d]"]
    assert "Windows Hello for Business" in by["3.5.3[b]"].statement and "local admin logons" in by["3.5.3[b]"].statement
    assert "Duo" in by["3.5.3[c]"].statement and "VPN and admin consoles" in by["3.5.3[c]"].statement
    assert "Duo" not in by["3.5.3[b]"].statement and "Windows Hello" not in by["3.5.3[c]"].statement
    for oid in ("3.5.3[a]", "3.5.3[d]"):
        assert not by[oid].covered and by[oid].statement.startswith(NOT_DESCRIBED) and not by[oid].sources
    assert draft.status == "partially implemented"
    assert unsupported_names(kb, draft, drafter.facts) == []
    text = " ".join(o.statement for o in draft.objectives)
    for absent in ("Okta", "YubiKey", "Dana Lee", "Splunk", "smart card"):
        assert absent not in text


def test_names_guard_flags_a_product_or_practice_absent_from_the_profile(kb: KnowledgeBase) -> None:
    profile = parse_profile(yaml.safe_load(PROFILE))
    drafter = Drafter(kb, profile, [])
    draft = drafter.draft("3.5.3")
    draft.objectives[0].statement = "Okta enforces MFA; admins also use smart cards and YubiKey tokens."
    flagged = unsupported_names(kb, draft, drafter.facts)
    assert "Okta" in flagged and "YubiKey" in flagged


def test_evidence_tags_and_decisions_shape_the_draft(kb: KnowledgeBase) -> None:
    profile = parse_profile({**yaml.safe_load(PROFILE), "requirements": {
        "3.1.16": {"status": "not applicable", "justification": "No wireless in the enclave."},
        "3.5.3": {"role": "IT Manager"}}})
    item = EvidenceItem(id="EV-9", title="Privileged account list", controls=["3.5.3[a]"])
    item.mapping = normalize(kb, item.controls)
    drafter = Drafter(kb, profile, [item], as_of=AS_OF)
    draft = drafter.draft("IA.L2-3.5.3")
    assert draft.objectives[0].covered and draft.objectives[0].sources == ["evidence:EV-9"]
    assert draft.evidence == ["EV-9"] and draft.role == "IT Manager"
    na = drafter.draft("3.1.16")
    assert na.status == "not applicable" and na.justification.startswith("No wireless")
    drafts = drafter.draft_all()
    assert len(drafts) == 110
    assert all(unsupported_names(kb, d, drafter.facts) == [] for d in drafts)
    covered = sorted(o.id for d in drafts for o in d.objectives if o.covered)
    assert covered == ["3.1.5[a]", "3.5.3[a]", "3.5.3[b]", "3.5.3[c]"]  # 3.1.5[a] has the same wording as 3.5.3[a]


def test_untagged_fact_matches_by_meaning(kb: KnowledgeBase) -> None:
    builder = FactBuilder(kb, vocabulary())
    fact = builder.fact("service:Duo", "service", "Duo", "MFA for VPN and admin consoles", [])
    assert "3.5.3" in fact.linked  # through the lexicon's MFA entry


def test_calendar_rules_cite_existing_facts_and_agree_with_them(kb: KnowledgeBase) -> None:
    facts = {f.id: f for f in kb.program_facts}
    rules = calendar_rules()
    for rule in rules:
        assert rule.fact in facts, rule.id
        assert rule.citation.document
    closeout = next(r for r in rules if r.id == "poam-closeout")
    assert closeout.after_days == kb.poam.closeout_days
    assert "180 days" in facts[closeout.fact].text
    assert "3 years" in facts[next(r for r in rules if r.id == "cmmc-reassessment-final").fact].text
    assert "not older than 1 year" in facts["affirmation-dfars-7021"].text
    assert "three-year" in facts["iso-certification-cycle"].text


def test_calendar_from_the_profile_dates(kb: KnowledgeBase) -> None:
    profile = parse_profile({**yaml.safe_load(PROFILE), "dates": {
        "iso_certified": "2026-03-01", "cmmc_assessed": "2026-06-15", "last_affirmation": "2026-06-20",
        "poam_opened": "2026-06-15", "cmmc_status": "conditional"}})
    item = EvidenceItem(id="EV-1", title="Pen test", effective="2026-01-10", expires="2026-12-31")
    events = program_events(profile, calendar_rules(), [item], freshness_rules(), AS_OF)
    got = {(e.rule, e.date.isoformat()) for e in events}
    assert {("iso-surveillance", "2027-03-01"), ("iso-surveillance", "2028-03-01"),
            ("iso-recertification", "2029-03-01"), ("cmmc-reassessment-final", "2029-06-15"),
            ("cmmc-affirmation", "2027-06-20"), ("poam-closeout", "2026-12-12"),
            ("evidence-expires", "2026-12-31")} <= got
    assert all(e.citation for e in events)
    assert [e.date for e in events] == sorted(e.date for e in events)


@pytest.mark.parametrize("artifact", ["risk assessment", "Vulnerability-Scan", "unknown kind"])
def test_freshness_rules_are_data_with_citations(artifact: str) -> None:
    rule = freshness_rules().for_type(artifact)
    assert rule.max_age_days <= 365 and rule.citation.document
