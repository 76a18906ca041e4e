"""ISO/IEC 27001:2022 Statement of Applicability: the 93 Annex A controls (IDs and titles only), each with
applicable, justification, implemented, and evidence references through the same register (CSV or XLSX)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from assistant.knowledge import FrameworkId, KnowledgeBase
from assistant.workspace.evidence import EvidenceItem, freshness
from assistant.workspace.profile import SystemProfile
from assistant.workspace.rules import FreshnessRules

COLUMNS = ("Control", "Title", "Theme", "Applicable", "Justification", "Implemented", "Evidence",
           "Evidence via NIST SP 800-171 crosswalk")


class SoaRow(BaseModel):
    """One Annex A control."""

    control: str
    title: str
    theme: str
    applicable: bool
    justification: str
    implemented: str  # yes | partial | no | n/a
    evidence: list[str]
    via_crosswalk: list[str]

    def cells(self) -> list[str]:
        """The row as text cells in ``COLUMNS`` order."""
        return [self.control, self.title, self.theme, "Yes" if self.applicable else "No", self.justification,
                self.implemented, "; ".join(self.evidence), "; ".join(self.via_crosswalk)]


def soa_rows(kb: KnowledgeBase, profile: SystemProfile | None, items: list[EvidenceItem], rules: FreshnessRules,
             as_of: date) -> list[SoaRow]:
    """One row per Annex A control, in catalog order."""
    current = {i.id for i in items if freshness(i, rules, as_of)[0] == "current"}
    decisions = profile.soa if profile else {}
    rows = []
    for control in kb.controls(FrameworkId.ISO_27001_2022, kind="control"):
        decision = decisions.get(control.id)
        applicable = decision.applicable if decision else True
        direct = [i.id for i in items if control.id in i.mapping.iso]
        via = [i.id for i in items if control.id in i.mapping.iso_via_nist and i.id not in direct]
        implemented = ("n/a" if not applicable else "yes" if set(direct) & current else
                       "partial" if direct or set(via) & current else "no")
        justification = decision.justification if decision and decision.justification else (
            "Applicable (no exclusion recorded in the system profile)" if applicable else "Excluded")
        rows.append(SoaRow(control=control.id, title=control.title, theme=control.family, applicable=applicable,
                           justification=justification, implemented=implemented, evidence=direct,
                           via_crosswalk=via))
    return rows


def write(rows: list[SoaRow], out: Path) -> None:
    """CSV or XLSX by the file's suffix."""
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Statement of Applicability"
        sheet.append(list(COLUMNS))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row.cells())
        sheet.freeze_panes = "A2"
        book.save(out)
        return
    if out.suffix.lower() != ".csv":
        raise ValueError("the SoA is written as .csv or .xlsx")
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(row.cells() for row in rows)
