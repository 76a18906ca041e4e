"""The company's own documents: Markdown, DOCX and PDF are indexed; broken files are named and skipped."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from assistant.index.userdocs import ingest
from assistant.knowledge import KnowledgeBase
from assistant.retrieval import HybridRetriever, SearchFilters
from tests.conftest import MakeManager
from tests.doubles import write_pdf


@pytest.fixture
def policy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "access-control-policy.md").write_text(
        "# Access Control Policy\n\nIntro text for the policy.\n\n## 4.2 Account lockout\n\n"
        "Accounts lock for 30 minutes after five unsuccessful logon attempts.\n", encoding="utf-8")
    document = docx.Document()
    document.add_heading("Incident Response Procedure", level=1)
    document.add_paragraph("Report suspected incidents to the security desk within one hour.")
    document.save(str(folder / "incident-response.docx"))
    write_pdf(folder / "backup-standard.pdf", ["Backup Standard", "Nightly encrypted backups are kept offsite."])
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf \x00\x01")
    (folder / "empty.md").write_text("   \n", encoding="utf-8")
    (folder / "notes.xlsx").write_bytes(b"ignored: unsupported type inside a folder is not listed")
    return folder


def test_ingest_reads_md_docx_pdf_and_names_broken_files(policy_folder: Path) -> None:
    result = ingest([policy_folder, policy_folder / "missing.md", policy_folder / "notes.xlsx"])
    assert sorted(Path(f).name for f in result.files) == [
        "access-control-policy.md", "backup-standard.pdf", "incident-response.docx"]
    assert set(result.skipped) == {str(policy_folder / n) for n in ("corrupt.pdf", "empty.md", "missing.md",
                                                                    "notes.xlsx")}
    assert "cannot be read" in result.skipped[str(policy_folder / "corrupt.pdf")]
    assert result.skipped[str(policy_folder / "empty.md")] == "contains no text"
    titles = {d.metadata["title"] for d in result.documents}
    assert "Access Control Policy §4.2 Account lockout" in titles
    assert "Incident Response Procedure" in {d.metadata["section"] for d in result.documents}
    assert any(d.metadata["section"] == "page 1" and "offsite" in d.embed_text for d in result.documents)


def test_added_documents_are_searchable_and_cited_by_section(
        tiny_kb: KnowledgeBase, make_manager: MakeManager, policy_folder: Path) -> None:
    manager, _ = make_manager(tiny_kb)
    before = manager.build().documents
    result = ingest([policy_folder])
    report = manager.build(user_docs=result.documents, replace_sources=frozenset(result.files))
    assert report.documents == before + len(result.documents)
    retriever = HybridRetriever(tiny_kb, manager.open(), manager.embedder)
    hits = retriever.search("account lockout after unsuccessful logon attempts", 5,
                            SearchFilters(framework="company"))
    assert hits[0].title == "Access Control Policy §4.2 Account lockout"
    assert hits[0].source.endswith("access-control-policy.md")


def test_user_documents_survive_knowledge_rebuilds_and_readding_replaces(
        tiny_kb: KnowledgeBase, make_manager: MakeManager, policy_folder: Path) -> None:
    manager, _ = make_manager(tiny_kb)
    manager.build()
    first = ingest([policy_folder])
    with_docs = manager.build(user_docs=first.documents, replace_sources=frozenset(first.files)).documents
    assert manager.build().documents == with_docs  # a plain rebuild keeps the company's documents
    policy = policy_folder / "access-control-policy.md"
    policy.write_text("# Access Control Policy\n\nOnly one short section now.\n", encoding="utf-8")
    again = ingest([policy])
    report = manager.build(user_docs=again.documents, replace_sources=frozenset(again.files))
    assert report.documents == with_docs - 2 + 1  # the file's two old chunks replaced by its one new chunk
