"""The SSP as a Word document (python-docx): cover and system description, boundary and asset inventory by
category, services and roles, per-family sections with a table per requirement, and a POA&M appendix."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import groupby
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject

from assistant.knowledge import KnowledgeBase
from assistant.workspace.calendar import Event
from assistant.workspace.profile import SystemProfile
from assistant.workspace.ssp import SspDraft


def build(kb: KnowledgeBase, profile: SystemProfile, drafts: list[SspDraft],
          deadlines: list[Event] | None = None) -> DocumentObject:
    """The document (not yet saved)."""
    doc = Document()
    system = profile.system
    doc.add_heading(f"System Security Plan: {system.name}", 0)
    doc.add_paragraph(f"NIST SP 800-171 Rev 2 · draft of {date.today().isoformat()} · statements drafted from the "
                      "system profile and evidence register; objectives nothing covers are marked "
                      "\"Not yet described\".")
    doc.add_heading("1. System description", 1)
    for label, text in (("Description", system.description), ("Purpose", system.purpose),
                        ("Environment", system.environment)):
        if text:
            doc.add_paragraph(f"{label}: {text}")
    doc.add_heading("2. Boundary and asset inventory", 1)
    doc.add_paragraph(system.boundary or "Boundary: not yet described.")
    for category, comps in groupby(sorted(profile.components, key=lambda c: c.category), key=lambda c: c.category):
        doc.add_heading(category or "Uncategorized", 2)
        _table(doc, ("Asset", "Description"), [(c.name, c.description) for c in comps])
    doc.add_heading("3. Services and tools", 1)
    _table(doc, ("Service", "What it does"), [(s.name, s.does) for s in profile.services])
    doc.add_heading("4. Roles", 1)
    _table(doc, ("Role", "Person", "Responsibilities"), [(r.role, r.person, r.responsibilities) for r in profile.roles])
    doc.add_heading("5. Security requirements", 1)
    for family, group in groupby(drafts, key=lambda d: d.family):
        doc.add_heading(family, 2)
        for d in group:
            doc.add_heading(f"{d.requirement} {d.title} ({d.cmmc})", 3)
            rows = [("Status", d.status + (f": {d.justification}" if d.justification else "")),
                    ("Responsible role", d.role)]
            rows += [(o.id, f"{o.objective}\n{o.statement}") for o in d.objectives]
            rows.append(("Evidence", ", ".join(d.evidence) or "none recorded"))
            _table(doc, ("Item", "Statement"), rows)
    _poam(doc, profile, drafts, deadlines or [])
    return doc


def _poam(doc: DocumentObject, profile: SystemProfile, drafts: list[SspDraft], deadlines: list[Event]) -> None:
    doc.add_heading("Appendix A. Plan of Action and Milestones", 1)
    closeout = next((e for e in deadlines if e.rule == "poam-closeout"), None)
    if closeout:
        doc.add_paragraph(f"Closeout deadline: {closeout.date} ({closeout.citation}).")
    rows = [(p.requirement, p.weakness, p.milestone, str(p.opened or "")) for p in profile.poam]
    listed = {p.requirement for p in profile.poam}
    rows += [(d.requirement, "Objectives not yet described: " + ", ".join(o.id for o in d.objectives if not o.covered),
              "", "") for d in drafts
             if d.status in ("partially implemented", "planned") and d.requirement not in listed]
    _table(doc, ("Requirement", "Weakness", "Milestone", "Opened"), rows)


def _table(doc: DocumentObject, header: tuple[str, ...], rows: Sequence[Sequence[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def write(kb: KnowledgeBase, profile: SystemProfile, drafts: list[SspDraft], out: Path,
          deadlines: list[Event] | None = None) -> None:
    """Build and save."""
    build(kb, profile, drafts, deadlines).save(str(out))
