"""Exports: the DOCX SSP opens and holds its tables, the OSCAL SSP validates against trestle's models and the
generated catalog and round-trips, the SoA has 93 Annex A rows in CSV and XLSX, the .ics parses."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from assistant.knowledge import KnowledgeBase
from assistant.workspace.calendar import program_events
from assistant.workspace.profile import SystemProfile, parse_profile
from assistant.workspace.register import read_register
from assistant.workspace.rules import calendar_rules, freshness_rules
from assistant.workspace.ssp import Drafter, SspDraft
from tests.workspace.data import AS_OF, PROFILE, register_50


@pytest.fixture(scope="module")
def profile() -> SystemProfile:
    return parse_profile({**yaml.safe_load(PROFILE), "poam": [{"requirement": "3.5.3", "weakness": "MFA for "
                          "non-privileged network access", "milestone": "Roll out Duo to all users",
                          "opened": "2026-06-15"}]})


@pytest.fixture(scope="module")
def drafts(kb: KnowledgeBase, profile: SystemProfile) -> list[SspDraft]:
    return Drafter(kb, profile, []).draft_all()


def test_docx_opens_and_holds_a_table_per_requirement(kb: KnowledgeBase, profile: SystemProfile,
                                                     drafts: list[SspDraft], tmp_path: Path) -> None:
    from docx import Document

    from assistant.exports import docx_ssp

    out = tmp_path / "ssp.docx"
    docx_ssp.write(kb, profile, drafts, out)
    doc = Document(str(out))
    requirement_tables = [t for t in doc.tables if t.rows[1].cells[0].text == "Status"]
    assert len(requirement_tables) == 110
    mfa = next(t for t in requirement_tables if any("Duo: MFA for VPN" in c.text for r in t.rows for c in r.cells))
    cells = [r.cells[0].text for r in mfa.rows]
    assert cells[:3] == ["Item", "Status", "Responsible role"] and "3.5.3[d]" in cells
    headings = [p.text for p in doc.paragraphs if p.style is not None and p.style.name.startswith("Heading")]
    assert "Appendix A. Plan of Action and Milestones" in headings and "CUI Asset" in headings
    poam = doc.tables[-1]
    assert poam.rows[1].cells[0].text == "3.5.3" and "Roll out Duo" in poam.rows[1].cells[2].text


def test_oscal_ssp_validates_and_round_trips(kb: KnowledgeBase, profile: SystemProfile, drafts: list[SspDraft],
                                             tmp_path: Path) -> None:
    from trestle.oscal.catalog import Catalog
    from trestle.oscal.ssp import SystemSecurityPlan

    from assistant.exports import oscal_ssp

    out = tmp_path / "ssp.json"
    catalog_path = oscal_ssp.write(kb, profile, drafts, out)
    ssp = SystemSecurityPlan.oscal_read(out)
    catalog = Catalog.oscal_read(catalog_path)
    assert ssp is not None and catalog is not None
    assert oscal_ssp.check_against_catalog(ssp, catalog) == []
    assert sum(len(g.controls or []) for g in catalog.groups or []) == 110  # type: ignore[union-attr]
    requirements = ssp.control_implementation.implemented_requirements
    assert len(requirements) == 110
    mfa = next(r for r in requirements if r.control_id == "sp800-171-3.5.3")
    assert [s.statement_id for s in mfa.statements or []][-1] == "sp800-171-3.5.3_obj.d"
    assert mfa.by_components and mfa.by_components[0].implementation_status is not None
    data = json.loads(out.read_text())
    assert SystemSecurityPlan.model_validate(data["system-security-plan"]) == ssp  # JSON → model → same
    data["system-security-plan"]["metadata"].pop("title")
    with pytest.raises(ValueError):
        SystemSecurityPlan.model_validate(data["system-security-plan"])  # the models do validate


def test_soa_has_93_rows_in_csv_and_xlsx(kb: KnowledgeBase, profile: SystemProfile, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from assistant.exports import soa

    path, groups = register_50(kb, tmp_path)
    items = read_register(kb, path).items
    decided = parse_profile({**profile.document(), "soa": {"A.7.5": {"applicable": False,
                                                                     "justification": "No physical site of ours"}}})
    rows = soa.soa_rows(kb, decided, items, freshness_rules(), AS_OF)
    soa.write(rows, tmp_path / "soa.csv")
    soa.write(rows, tmp_path / "soa.xlsx")
    with (tmp_path / "soa.csv").open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 93 and table[0]["Control"] == "A.5.1"
    by = {r["Control"]: r for r in table}
    assert by["A.7.5"]["Applicable"] == "No" and by["A.7.5"]["Implemented"] == "n/a"
    assert by[groups["iso_only"][0]]["Implemented"] == "yes" and by[groups["iso_only"][0]]["Evidence"]
    sheet = load_workbook(tmp_path / "soa.xlsx").active
    assert sheet is not None and sheet.max_row == 94 and sheet["A2"].value == "A.5.1"


def test_ics_has_one_event_per_deadline(kb: KnowledgeBase, profile: SystemProfile, tmp_path: Path) -> None:
    from icalendar import Calendar

    from assistant.exports import ics

    events = program_events(profile, calendar_rules(), [], freshness_rules(), AS_OF)
    ics.write(events, profile.system.name, tmp_path / "c.ics")
    parsed = Calendar.from_ical((tmp_path / "c.ics").read_bytes())
    assert len(parsed.walk("VEVENT")) == len(events) > 5
