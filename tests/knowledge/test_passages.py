"""DoD guide passages: cut by section, tied to requirements, citable by document and section."""

from __future__ import annotations

from collections import Counter

from assistant.knowledge import FrameworkId, KnowledgeBase


def test_every_guide_is_present(kb: KnowledgeBase) -> None:
    guides = Counter(p.guide for p in kb.passages)
    assert set(guides) == {"scoping-l1", "scoping-l2", "scoping-l3", "assessment-l1", "assessment-l2",
                           "assessment-l3", "dod-methodology"}


def test_scoping_guide_sections_are_quotable(kb: KnowledgeBase) -> None:
    sections = {p.section.split(" (part")[0] for p in kb.passages if p.guide == "scoping-l2"}
    assert {"Specialized Assets", "Contractor Risk Managed Assets", "External Service Provider Considerations",
            "Security Protection Assets/Security Protection Data", "Out-of-Scope Assets"} <= sections
    specialized = [p for p in kb.passages if p.guide == "scoping-l2" and p.section.startswith("Specialized Assets")]
    assert "Government Furnished Equipment" in specialized[0].text
    assert specialized[0].document == "CMMC Scoping Guide Level 2 v2.13"


def test_every_level2_requirement_has_further_discussion(kb: KnowledgeBase) -> None:
    with_discussion = {p.requirement for p in kb.passages
                       if p.guide == "assessment-l2" and "Further Discussion" in p.section}
    assert with_discussion == set(c.id for c in kb.controls(FrameworkId.CMMC_2, level=2))


def test_level1_and_level3_guides_cover_their_practices(kb: KnowledgeBase) -> None:
    for guide, level in (("assessment-l1", 1), ("assessment-l3", 3)):
        covered = {p.requirement for p in kb.passages if p.guide == guide and p.requirement}
        assert covered == {c.id for c in kb.controls(FrameworkId.CMMC_2, level=level)}, guide


def test_passages_are_clean_and_bounded(kb: KnowledgeBase) -> None:
    ids = [p.id for p in kb.passages]
    assert len(ids) == len(set(ids))
    for passage in kb.passages:
        assert 40 <= len(passage.text) <= 2000, passage.id
        assert "| Version 2.13" not in passage.text, passage.id  # page headers removed
        assert "Additions/edits to Version 1.1" not in passage.text, passage.id
