"""The scoping vocabulary is validated by the converter and shipped in the knowledge folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.knowledge.build import scoping_vocabulary as sv
from assistant.knowledge.build.sources import SourceError
from assistant.knowledge.paths import knowledge_dir

AUTHORED = knowledge_dir() / "authored"


def test_shipped_vocabulary_matches_the_authored_file() -> None:
    assert sv.load(knowledge_dir().resolve()) == sv.build(AUTHORED)


def test_every_class_cites_its_passage_and_the_vocabulary_is_large() -> None:
    vocab = sv.build(AUTHORED)
    assert sum(len(c.terms) for c in vocab.classes) >= sv.MIN_TERMS
    kinds = {c.kind for c in vocab.classes}
    assert {"specialized", "security", "cloud", "vdi"} <= kinds
    assert all("Scoping Guide" in c.source or "CFR" in c.source for c in vocab.classes)
    assert {(d.level, d.category) for d in vocab.documentation} >= {(2, "Out-of-Scope Asset"), (1, "FCI Asset"),
                                                                    (3, "Specialized Asset")}


def test_a_term_in_two_classes_is_rejected(tmp_path: Path) -> None:
    shutil.copy(AUTHORED / "scoping_vocabulary.yaml", tmp_path / "scoping_vocabulary.yaml")
    path = tmp_path / "scoping_vocabulary.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("terms: [ot, ", "terms: [siem, ot, ", 1),
                    encoding="utf-8")
    with pytest.raises(SourceError, match="siem"):
        sv.build(tmp_path)


def test_scoping_rules_are_cited_facts_with_several_phrasings() -> None:
    from assistant.knowledge.build import sources as src

    rules = src.read_yaml(AUTHORED, "program_facts_scoping.yaml")
    assert len(rules) >= 8
    for rule in rules:
        cited = f"{rule['citation']['document']} {rule['citation'].get('section', '')}"
        assert rule["topic"] == "scoping" and ("170.19" in cited or "Scoping Guide" in cited), rule["id"]
        assert len(rule["questions"]) >= 4, rule["id"]


def test_mixed_data_and_transit_cues_are_validated_groups() -> None:
    vocab = sv.build(AUTHORED)
    assert {"mixed_data", "transit_only"} <= set(sv.CUE_GROUPS)
    assert vocab.cues["mixed_data"] and vocab.cues["transit_only"] and "spa_transit" in vocab.notes
