"""The normalized data holds exactly what PROVENANCE.md says the sources hold."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.knowledge import FrameworkId, KnowledgeBase

# Counts stated in shared/knowledge-sources/PROVENANCE.md (section in the comment).
EXPECTED = {
    "800-171 Rev 2 requirements (1.3)": (FrameworkId.NIST_800_171R2, None, 110),
    "800-171A objectives (1.4)": (FrameworkId.NIST_800_171A, None, 320),
    "FAR 52.204-21 (b)(1) items (2.2)": (FrameworkId.FAR_52_204_21, None, 15),
    "CMMC Level 1 practices (2.2)": (FrameworkId.CMMC_2, 1, 15),
    "CMMC Level 2 practices (2.2)": (FrameworkId.CMMC_2, 2, 110),
    "CMMC Level 3 practices (2.2)": (FrameworkId.CMMC_2, 3, 24),
    "800-172 requirements in CMMC L3 (2.2)": (FrameworkId.NIST_800_172, None, 24),
    "800-172A objectives (2.6)": (FrameworkId.NIST_800_172A, None, 89),
    "800-171 Rev 3 requirements (3.1)": (FrameworkId.NIST_800_171R3, None, 97),
    "800-53 Rev 5 controls and enhancements (3.3)": (FrameworkId.NIST_800_53R5, None, 1189),
}


@pytest.mark.parametrize("label", list(EXPECTED))
def test_framework_counts_match_provenance(kb: KnowledgeBase, label: str) -> None:
    framework, level, expected = EXPECTED[label]
    assert len(kb.controls(framework, level=level)) == expected


def test_annex_a_has_93_controls_in_37_8_14_34(kb: KnowledgeBase) -> None:
    controls = kb.controls(FrameworkId.ISO_27001_2022, kind="control")
    assert len(controls) == 93
    assert Counter(c.family_id for c in controls) == {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}
    assert {c.family for c in controls} == {"Organizational", "People", "Physical", "Technological"}


def test_iso_clauses_4_to_10(kb: KnowledgeBase) -> None:
    clauses = kb.controls(FrameworkId.ISO_27001_2022, kind="clause")
    assert len(clauses) == 41  # 7 clauses + 34 sub-clauses (PROVENANCE 4.1)
    assert sorted({int(c.id.split(".")[0]) for c in clauses}) == list(range(4, 11))


def test_basic_and_derived_split(kb: KnowledgeBase) -> None:
    types = Counter(c.requirement_type for c in kb.controls(FrameworkId.NIST_800_171R2))
    assert types == {"basic": 31, "derived": 79}


def test_family_counts(kb: KnowledgeBase) -> None:
    counts = Counter(c.family for c in kb.controls(FrameworkId.NIST_800_171R2))
    assert [counts[f] for f in (
        "Access Control", "Awareness and Training", "Audit and Accountability", "Configuration Management",
        "Identification and Authentication", "Incident Response", "Maintenance", "Media Protection",
        "Personnel Security", "Physical Protection", "Risk Assessment", "Security Assessment",
        "System and Communications Protection", "System and Information Integrity",
    )] == [22, 3, 9, 9, 11, 3, 6, 9, 2, 6, 3, 4, 16, 7]


def test_sprs_point_distribution(kb: KnowledgeBase) -> None:
    values = kb.sprs.values
    points = Counter(v.points for v in values if v.partial_points is None)
    assert points == {5: 42, 3: 14, 1: 51, None: 1}
    assert sorted(v.requirement_id for v in values if v.partial_points is not None) == ["3.13.11", "3.5.3"]
    assert sum(v.far_basic_safeguarding for v in values) == 17


def test_olir_and_iso_2013_mapping_sizes(kb: KnowledgeBase) -> None:
    counts = kb.data.manifest.counts
    assert counts["crosswalks/800-53r5_to_iso27001-2022"] == 642
    assert counts["crosswalks/iso27001-2013_to_2022"] == 134


def test_each_count_is_the_one_provenance_states(shared_sources: Path) -> None:
    """Tie the numbers above to PROVENANCE.md itself, so a new source drop cannot drift silently."""
    text = shared_sources.joinpath("PROVENANCE.md").read_text(encoding="utf-8")
    for phrase in ("110 controls and 320", "**31 basic, 79 derived.**", "15 L1 + 110 L2 + 24 L3",
                   "**93 controls** (A.5 ×37, A.6 ×8, A.7 ×14, A.8 ×34)", "**642 pairs, all \"intersect\"**",
                   "**97 requirements in 17 families**", "**1,189 controls + enhancements**",
                   "80 lettered objectives + 9 ODP objectives", "110 to −203"):
        assert phrase in text, f"PROVENANCE.md no longer states: {phrase}"
    assert re.search(r"\| 5 \| 42 \|\s*\n\| 3 \| 14 \|\s*\n\| 1 \| 51 \|", text)
