"""Structural invariants: unique IDs, resolvable crosswalk endpoints, one-to-one CMMC mappings."""

from __future__ import annotations

from collections import Counter

import yaml

from assistant.knowledge import FrameworkId, KnowledgeBase, Provenance, Relationship
from assistant.knowledge.paths import knowledge_dir


def test_ids_are_unique_within_each_framework(kb: KnowledgeBase) -> None:
    keys = Counter((c.framework, c.id) for c in kb.data.controls)
    assert [k for k, n in keys.items() if n > 1] == []


def test_every_crosswalk_endpoint_exists(kb: KnowledgeBase) -> None:
    missing = [
        (edge.source, edge.target)
        for edge in kb.data.crosswalks
        if kb.get(edge.source_framework, edge.source) is None or kb.get(edge.target_framework, edge.target) is None
    ]
    assert missing == []


def test_every_level2_practice_maps_to_exactly_one_requirement(kb: KnowledgeBase) -> None:
    for practice in kb.controls(FrameworkId.CMMC_2, level=2):
        targets = [e for e in kb.edges_of(FrameworkId.CMMC_2, practice.id)
                   if e.target_framework is FrameworkId.NIST_800_171R2]
        assert len(targets) == 1, practice.id
        assert targets[0].target == practice.id.split("-", 1)[1]
        assert targets[0].relationship is Relationship.EQUAL
    mapped = Counter(e.target for e in kb.data.crosswalks if e.source_framework is FrameworkId.CMMC_2
                     and e.target_framework is FrameworkId.NIST_800_171R2)
    assert set(mapped) == set(kb.all_ids(FrameworkId.NIST_800_171R2)) and set(mapped.values()) == {1}


def test_level1_practices_map_to_far_and_cover_17_requirements(kb: KnowledgeBase) -> None:
    far = {e.source for e in kb.data.crosswalks if e.source_framework is FrameworkId.FAR_52_204_21}
    assert far == set(kb.all_ids(FrameworkId.FAR_52_204_21))
    r2 = {e.target for e in kb.data.crosswalks if e.source_framework is FrameworkId.FAR_52_204_21}
    assert len(r2) == 17  # b.1.ix covers 3.10.3, 3.10.4 and 3.10.5
    ix = sorted(e.target for e in kb.edges_of(FrameworkId.FAR_52_204_21, "b.1.ix"))
    assert ix == ["3.10.3", "3.10.4", "3.10.5"]


def test_sprs_floor_is_minus_203(kb: KnowledgeBase) -> None:
    full_deductions = sum(v.points or 0 for v in kb.sprs.values)
    assert kb.sprs.max_score == 110
    assert kb.sprs.max_score - full_deductions == kb.sprs.min_score == -203


def test_partial_credit_and_ssp_rules(kb: KnowledgeBase) -> None:
    mfa = kb.point_value("3.5.3")
    fips = kb.point_value("SC.L2-3.13.11")
    ssp = kb.point_value("3.12.4")
    assert mfa is not None and (mfa.points, mfa.partial_points) == (5, 3)
    assert "remote and privileged" in mfa.partial_condition
    assert fips is not None and (fips.points, fips.partial_points) == (5, 3)
    assert "not FIPS-validated" in fips.partial_condition
    assert ssp is not None and ssp.points is None
    assert "could not be completed" in kb.sprs.no_ssp_rule


def test_poam_rules_by_level(kb: KnowledgeBase) -> None:
    levels = {rule.level: rule for rule in kb.poam.levels}
    assert not levels[1].poam_permitted
    assert levels[2].min_score_ratio == 0.8 and levels[2].max_point_value == 1
    assert set(levels[2].never_on_poam) == {
        "AC.L2-3.1.20", "AC.L2-3.1.22", "CA.L2-3.12.4", "PE.L2-3.10.3", "PE.L2-3.10.4", "PE.L2-3.10.5"}
    assert len(levels[3].never_on_poam) == 7
    assert kb.poam.closeout_days == 180
    for rule in levels.values():
        assert rule.citation.document == "32 CFR 170.21"
        for cid in rule.never_on_poam:
            assert kb.try_resolve(cid) is not None, cid


def test_asset_categories_cover_every_level(kb: KnowledgeBase) -> None:
    by_level = Counter(c.level for c in kb.asset_categories)
    assert by_level == {1: 3, 2: 5, 3: 4}
    level2 = {c.category for c in kb.asset_categories if c.level == 2}
    assert "Contractor Risk Managed Assets" in level2 and "Specialized Assets" in level2
    assert all(c.citation.document for c in kb.asset_categories)


def test_program_facts_are_cited(kb: KnowledgeBase) -> None:
    assert kb.program_facts
    assert all(f.citation.document for f in kb.program_facts)
    phases = [f for f in kb.program_facts if f.topic == "phase-in" and f.id.startswith("cmmc-phase-")]
    assert [str(f.effective) for f in phases] == ["2025-11-10", "2026-11-10", "2027-11-10", "2028-11-10"]


def test_transitive_edges_keep_their_hop_path(kb: KnowledgeBase) -> None:
    edges = kb.crosswalk("3.1.1", FrameworkId.ISO_27001_2022)
    annex = sorted(e.target for e in edges if e.target.startswith("A."))
    assert len(annex) == 12  # as derived in shared/EXAMPLES.md: AC-2, AC-3, AC-17 -> 12 Annex A controls
    assert {"A.5.15", "A.5.16", "A.5.18", "A.8.2"} <= set(annex)
    assert all(e.provenance is Provenance.TRANSITIVE and e.via for e in edges)
    assert {h for e in edges for h in e.via} <= {"AC-2", "AC-3", "AC-17"}


def test_appendix_d_edges_are_derived_and_name_rev4(kb: KnowledgeBase) -> None:
    edges = kb.crosswalk("3.3.7", FrameworkId.NIST_800_53R5)
    assert edges and all(e.provenance is Provenance.DERIVED for e in edges)
    moved = [e for e in edges if e.target == "SC-45(1)"]
    assert moved and moved[0].via == ["AU-8(1) (Rev 4)"] and "withdrew" in moved[0].note


def test_crosswalk_works_in_both_directions(kb: KnowledgeBase) -> None:
    forward = {e.target for e in kb.crosswalk("3.1.1", FrameworkId.ISO_27001_2022)}
    backward = {e.target for e in kb.crosswalk("A.5.15", FrameworkId.NIST_800_171R2)}
    assert "A.5.15" in forward and "3.1.1" in backward
    reversed_edge = next(e for e in kb.crosswalk("AC.L2-3.1.1") if e.target == "3.1.1")
    assert reversed_edge.source == "AC.L2-3.1.1"


def test_every_framework_names_its_exact_version(kb: KnowledgeBase) -> None:
    versions = {f.id: f.version for f in kb.data.frameworks}
    assert set(versions) == set(FrameworkId)
    assert versions[FrameworkId.NIST_800_171R2].startswith("Rev 2")
    assert versions[FrameworkId.NIST_800_171R3].startswith("Rev 3")
    assert versions[FrameworkId.ISO_27001_2022] == "2022"


def test_program_fact_questions_are_plenty_and_each_names_one_fact(kb: KnowledgeBase) -> None:
    """Retrieval by similarity needs several phrasings per fact, and a phrasing shared by two facts can only ever
    find one of them (it also makes leave-one-out checks meaningless)."""
    assert len(kb.program_facts) >= 220
    owners: dict[str, list[str]] = {}
    for fact in kb.program_facts:
        assert len(fact.questions) >= 4, fact.id
        for question in fact.questions:
            owners.setdefault(question.lower().strip(), []).append(fact.id)
    assert not {q: ids for q, ids in owners.items() if len(ids) > 1}


def test_every_authored_program_facts_file_is_shipped(kb: KnowledgeBase) -> None:
    """Each ``program_facts*.yaml`` (program_facts_topics.yaml included) reaches the built knowledge base unchanged,
    and the files rewritten for varied phrasings keep at least nine questions per fact."""
    shipped = {f.id: f for f in kb.program_facts}
    paths = sorted((knowledge_dir() / "authored").glob("program_facts*.yaml"))
    assert "program_facts_topics.yaml" in {p.name for p in paths}
    for path in paths:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")):
            fact = shipped.get(entry["id"])
            assert fact is not None, f"{path.name}: {entry['id']} is not in the built knowledge base"
            assert fact.questions == entry["questions"] and fact.citation.document, entry["id"]
            if path.name in {"program_facts.yaml", "program_facts_cfr170.yaml", "program_facts_topics.yaml"}:
                assert len(fact.questions) >= 9, entry["id"]


def test_program_facts_on_32_cfr_170_cite_its_paragraphs(kb: KnowledgeBase) -> None:
    cfr = [f for f in kb.program_facts if f.id.startswith("cfr-")]
    assert len(cfr) >= 30
    assert all("32 CFR 170" in f"{f.citation.document} {f.citation.section}" for f in cfr)
    assert all(len(f.questions) >= 6 for f in cfr)


def test_every_shipped_knowledge_file_is_under_the_repository_limit(kb: KnowledgeBase) -> None:
    """The repository takes no file over 5 MiB; the vector cache is sharded to stay well below it as it grows."""
    limit = 5 * 2**20
    files = [p for p in kb.data.root.rglob("*") if p.is_file()]
    assert files and [(str(p.relative_to(kb.data.root)), p.stat().st_size) for p in files
                      if p.stat().st_size >= limit] == []
