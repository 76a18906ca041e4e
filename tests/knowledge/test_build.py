"""The converter reproduces the committed knowledge files from the official sources."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from assistant.index.documents import knowledge_documents
from assistant.knowledge import FrameworkId, KnowledgeBase
from assistant.knowledge.build import rules
from assistant.knowledge.build.__main__ import main
from assistant.knowledge.build.sources import SourceError
from assistant.knowledge.paths import knowledge_dir


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def test_committed_knowledge_is_reproducible(shared_sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "knowledge"
    assert main(["--sources", str(shared_sources), "--out", str(out),
                 "--authored", str(knowledge_dir() / "authored")]) == 0
    assert _tree(out) == _tree(knowledge_dir()), "knowledge/ is stale: run `make knowledge`"


def test_missing_source_file_is_a_clear_error(shared_sources: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(shared_sources, sources)
    (sources / "cmmc" / "dod_assessment_methodology_v1.2.1_sprs_scores.csv").unlink()
    code = main(["--sources", str(sources), "--out", str(tmp_path / "out"),
                 "--authored", str(knowledge_dir() / "authored")])
    assert code == 2
    assert "missing source file" in capsys.readouterr().err
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_malformed_authored_entry_names_file_entry_and_field(shared_sources: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    authored = tmp_path / "authored"
    shutil.copytree(knowledge_dir() / "authored", authored)
    facts = authored / "program_facts.yaml"
    facts.write_text(re.sub(r"(- id: cmmc-affirmation\n(?:  (?!citation:).*\n)*)  citation: .*\n", r"\1",
                            facts.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    code = main(["--sources", str(shared_sources), "--out", str(tmp_path / "out"), "--authored", str(authored)])
    assert code == 2
    assert "program_facts.yaml: entry 4 (cmmc-affirmation): field 'citation': Field required" in capsys.readouterr().err


def _iso_phrasings_file(tmp_path: Path, body: str) -> Path:
    """An authored dir holding only ``phrasings/iso27001-2022.yaml`` with this body."""
    (tmp_path / "phrasings").mkdir()
    (tmp_path / "phrasings" / "iso27001-2022.yaml").write_text(body, encoding="utf-8")
    return tmp_path


def test_clause_ids_are_phrasing_keys(kb: KnowledgeBase, tmp_path: Path) -> None:
    texts = "\n".join(f"  - \"phrasing {n}\"" for n in range(rules.MIN_PHRASINGS))
    authored = _iso_phrasings_file(tmp_path, f'"6.3":\n{texts}\n"9.2.1":\n{texts}\n"10":\n{texts}\n')
    controls = {FrameworkId.ISO_27001_2022.value: kb.controls(FrameworkId.ISO_27001_2022)}
    entries = rules.phrasings(authored, controls)[FrameworkId.ISO_27001_2022.value]
    assert [e.control_id for e in entries] == ["6.3", "9.2.1", "10"]
    assert all(kb.get(FrameworkId.ISO_27001_2022, e.control_id) is not None for e in entries)


def test_unquoted_clause_number_is_an_error(kb: KnowledgeBase, tmp_path: Path) -> None:
    texts = "\n".join(f"  - \"phrasing {n}\"" for n in range(rules.MIN_PHRASINGS))
    authored = _iso_phrasings_file(tmp_path, f"6.3:\n{texts}\n")
    controls = {FrameworkId.ISO_27001_2022.value: kb.controls(FrameworkId.ISO_27001_2022)}
    with pytest.raises(SourceError, match="must be quoted"):
        rules.phrasings(authored, controls)


def test_shipped_clause_phrasings_are_indexed_as_their_clause(kb: KnowledgeBase) -> None:
    docs = {d.id: d for d in knowledge_documents(kb)}
    clause_phrasings = [d for d in docs.values() if d.id.startswith("phrase:iso27001-2022:")
                        and not d.metadata["id"].startswith("A.")]
    assert {d.metadata["id"] for d in clause_phrasings} >= {"4.4", "6.3", "7.2", "9.2.2", "10.2"}
    assert all(d.metadata["anchor"] == d.metadata["id"] and d.metadata["kind"] == "phrasing"
               for d in clause_phrasings)
