"""Readers that turn the official source files into ``Control`` records.

Each reader takes the sources folder (``shared/knowledge-sources`` layout, see its PROVENANCE.md)
and returns plain records; nothing here is read at run time, only by the converter.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from assistant.knowledge.models import Control, FrameworkId

R2_CSV = "nist-800-171-rev2/nist_800-171r2_requirements.csv"
OBJ_CSV = "nist-800-171-rev2/nist_800-171a_assessment_objectives.csv"
CMMC_CSV = "cmmc/cmmc_2.0_requirements_L1_L2_L3.csv"
L3_REQ_CSV = "cmmc/cmmc_l3_requirements_assessment_guide_v2.13.csv"
L3_OBJ_CSV = "cmmc/cmmc_l3_assessment_objectives_assessment_guide_v2.13.csv"
SPRS_CSV = "cmmc/dod_assessment_methodology_v1.2.1_sprs_scores.csv"
POAM_JSON = "cmmc/cmmc_poam_rules_32cfr170.21.json"
SCOPING_JSON = "cmmc/cmmc_l2_scoping_asset_categories.json"
ISO22_CSV = "iso27001/iso27001-2022_clauses_and_annex_a_ids_titles.csv"
ISO13_CSV = "iso27001/iso27001-2013_clauses_and_annex_a_ids_titles.csv"
R3_YAML = "nist-800-171-rev3/ciso-assistant_nist-800-171-rev3.yaml"
SP53_CSV = "nist-800-53-rev5/nist-800-53r5_controls_with_baselines.csv"
APPX_D_CSV = "crosswalks/nist-800-171r2_to_800-53r4_appendixD_tbusillo.csv"
OLIR_CSV = "crosswalks/nist-800-53r5_to_iso27001-2022_nist-olir.csv"
ISO13_TO_22_CSV = "crosswalks/iso27001-2013_to_iso27001-2022_intuitem.csv"

M = TypeVar("M", bound=BaseModel)

SRC_171R2 = "NIST SP 800-171 Rev 2 (February 2020, updated January 28, 2021)"
SRC_171A = "NIST SP 800-171A (June 2018)"
SRC_CMMC_MO = "CMMC Model Overview v2.13 (September 2024)"
SRC_CMMC_AG3 = "CMMC Assessment Guide Level 3 v2.13 (September 2024)"
SRC_FAR = "FAR 52.204-21(b)(1)"

# Titles as printed by the repackaged ISO list that deviate from the ISO/IEC 27001:2022
# publication (PROVENANCE.md 4.1 flags them). Corrected here; listed in knowledge/SOURCES.md.
ISO22_TITLE_FIXES = {
    "6.1.2": "Information security risk assessment",
    "7.5": "Documented information",
    "7.5.2": "Creating and updating",
    "8": "Operation",
    "A.5": "Organizational controls",
    "A.7.6": "Working in secure areas",
    "A.8.1": "User endpoint devices",
}


class SourceError(ValueError):
    """A source file is missing or does not have the shape the converter expects."""


def read_csv(root: Path, rel: str) -> list[dict[str, str]]:
    """Read a CSV from the sources folder, failing with the file named."""
    path = root / rel
    if not path.is_file():
        raise SourceError(f"missing source file: {path}")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_yaml(root: Path, rel: str) -> Any:
    """Read a YAML or JSON source file, failing with the file named."""
    path = root / rel
    if not path.is_file():
        raise SourceError(f"missing source file: {path}")
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def validate_entries(model: type[M], items: Any, where: str) -> list[M]:
    """Validate a list of authored entries, naming the file, entry and field of the first error."""
    if not isinstance(items, list):
        raise SourceError(f"{where}: expected a list of entries, got {type(items).__name__}")
    validated = []
    for index, item in enumerate(items):
        try:
            validated.append(model.model_validate(item))
        except ValidationError as exc:
            label = item.get("id") or item.get("category") if isinstance(item, dict) else None
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise SourceError(f"{where}: entry {index} ({label}): field '{field}': {err['msg']}") from exc
    return validated


def clean(text: str) -> str:
    """Collapse whitespace and repair the broken hyphenation of PDF extractions."""
    text = re.sub(r"\s+", " ", text or "").strip()
    return re.sub(r"(\w)- (?=(?:relevant|privileged|protected|house)\b)", r"\1-", text)


def title_case(heading: str) -> str:
    """Turn an upper-case guide heading into a readable title."""
    small = {"and", "or", "of", "the", "to", "for", "in", "on", "a", "an"}
    words = heading.lower().split()
    return " ".join(w if i and w in small else w.capitalize() for i, w in enumerate(words))


@dataclass(frozen=True)
class CmmcRows:
    """The CMMC Model Overview rows split by level."""

    level1: list[dict[str, str]]
    level2: list[dict[str, str]]
    level3: list[dict[str, str]]


def read_cmmc_rows(root: Path) -> CmmcRows:
    """Split the CMMC requirements CSV into its three levels."""
    rows = read_csv(root, CMMC_CSV)
    return CmmcRows(
        [r for r in rows if r["cmmc_level"] == "1"],
        [r for r in rows if r["cmmc_level"] == "2"],
        [r for r in rows if r["cmmc_level"] == "3"],
    )


def nist_171r2(root: Path) -> list[Control]:
    """The 110 NIST SP 800-171 Rev 2 requirements, titled with their CMMC practice names."""
    short_names = {r["nist_800_171r2_ids"] or r["source_requirement_ref"]: r["short_name"]
                   for r in read_cmmc_rows(root).level2}
    return [
        Control(
            id=row["requirement_id"],
            framework=FrameworkId.NIST_800_171R2,
            kind="requirement",
            title=short_names.get(row["requirement_id"]) or row["cmmc_practice_name"],
            text=clean(row["requirement_text"]),
            discussion=clean(row["discussion"]),
            family_id=row["family_id"],
            family=row["family"],
            requirement_type=row["requirement_type"],
            examine=clean(row["examine_select_from"]),
            interview=clean(row["interview_select_from"]),
            test=clean(row["test_select_from"]),
            source=SRC_171R2,
        )
        for row in read_csv(root, R2_CSV)
    ]


def nist_171a(root: Path, requirements: list[Control]) -> list[Control]:
    """The 320 NIST SP 800-171A determination statements, e.g. ``3.1.1[a]``."""
    families = {r.id: r for r in requirements}
    return [
        Control(
            id=row["objective_id"],
            framework=FrameworkId.NIST_800_171A,
            kind="objective",
            title=f"{row['requirement_id']}[{row['letter']}]: {clean(row['determination_statement'])}",
            text=f"Determine if {clean(row['determination_statement'])}",
            parent=row["requirement_id"],
            family_id=families[row["requirement_id"]].family_id,
            family=families[row["requirement_id"]].family,
            source=SRC_171A,
        )
        for row in read_csv(root, OBJ_CSV)
    ]


def far_52_204_21(root: Path) -> list[Control]:
    """The 15 FAR 52.204-21(b)(1) basic safeguarding requirements, ``b.1.i`` … ``b.1.xv``."""
    return [
        Control(
            id=row["requirement_id"].split("-", 1)[1],
            framework=FrameworkId.FAR_52_204_21,
            kind="requirement",
            title=row["short_name"],
            text=clean(row["requirement_statement"]),
            source=SRC_FAR,
        )
        for row in read_cmmc_rows(root).level1
    ]


def cmmc_practices(root: Path, r2: list[Control], r172: list[Control]) -> list[Control]:
    """CMMC 2.0 Level 1 (FAR IDs), Level 2 (one per 800-171 requirement) and Level 3 practices."""
    rows = read_cmmc_rows(root)
    r2_by_id = {c.id: c for c in r2}
    r172_by_id = {c.id: c for c in r172}
    practices = [
        _practice(row, 1, clean(row["requirement_statement"]), SRC_CMMC_MO,
                  f"FAR 52.204-21 {row['requirement_id'].split('-', 1)[1]}; NIST SP 800-171 Rev 2 "
                  f"{row['nist_800_171r2_ids'].replace(';', ',')}")
        for row in rows.level1
    ]
    practices += [
        _practice(row, 2, r2_by_id[row["source_requirement_ref"]].text, SRC_CMMC_MO,
                  f"NIST SP 800-171 Rev 2 {row['source_requirement_ref']}")
        for row in rows.level2
    ]
    practices += [
        _practice(row, 3, r172_by_id[row["source_requirement_ref"]].text, SRC_CMMC_AG3,
                  f"NIST SP 800-172 {row['source_requirement_ref']} with DoD-approved parameters")
        for row in rows.level3
    ]
    return practices


def _practice(row: dict[str, str], level: int, text: str, source: str, note: str) -> Control:
    return Control(
        id=row["requirement_id"], framework=FrameworkId.CMMC_2, kind="practice", level=level,
        title=row["short_name"], text=text, family_id=row["domain_abbr"], family=row["domain"],
        source=source, note=note,
    )


def nist_172(root: Path) -> list[Control]:
    """The 24 NIST SP 800-172 requirements CMMC Level 3 selects, with DoD-approved parameters."""
    short = {r["source_requirement_ref"]: r for r in read_cmmc_rows(root).level3}
    controls = []
    for row in read_csv(root, L3_REQ_CSV):
        rid = row["key_reference"].removeprefix("NIST SP 800-172 ").strip()
        controls.append(Control(
            id=rid, framework=FrameworkId.NIST_800_172, kind="requirement",
            title=short[rid]["short_name"] if rid in short else title_case(row["heading_name"]),
            text=clean(row["requirement_statement_dod_parameters"]),
            discussion=clean(row["discussion_nist_sp_800_172"]),
            family_id=f"3.{rid.split('.')[1]}", family=short[rid]["domain"] if rid in short else "",
            examine=clean(row["examine_select_from"]), interview=clean(row["interview_select_from"]),
            test=clean(row["test_select_from"]), source=SRC_CMMC_AG3,
            note="Statement as parameterized for CMMC Level 3 (32 CFR 170.14(c)(4)).",
        ))
    return controls


def nist_172a(root: Path) -> list[Control]:
    """The NIST SP 800-172A objectives of the 24 Level 3 requirements (80 lettered + 9 ODP)."""
    controls = []
    for row in read_csv(root, L3_OBJ_CSV):
        parent = row["requirement_id"].split("-", 1)[1]
        label = row["label"].upper() if row["is_odp"] == "yes" else row["label"].lower()
        controls.append(Control(
            id=f"{parent}[{label}]", framework=FrameworkId.NIST_800_172A, kind="objective",
            title=f"{parent}[{label}]: {clean(row['determination_statement'])}",
            text=f"Determine if {clean(row['determination_statement'])}",
            parent=parent, source=SRC_CMMC_AG3,
            note="Organization-defined parameter objective" if row["is_odp"] == "yes" else "",
        ))
    return controls


def iso27001_2022(root: Path, summaries: dict[str, str]) -> list[Control]:
    """ISO/IEC 27001:2022 clauses 4-10 and the 93 Annex A controls: IDs, titles, our summaries."""
    controls = []
    for row in read_csv(root, ISO22_CSV):
        cid = row["id"]
        if cid not in summaries:
            raise SourceError(f"no authored summary for ISO/IEC 27001:2022 {cid}")
        kind = {"clause": "clause", "subclause": "clause", "theme": "theme"}.get(row["level"], "control")
        controls.append(Control(
            id=cid, framework=FrameworkId.ISO_27001_2022, kind=kind,
            title=ISO22_TITLE_FIXES.get(cid, clean(row["title"])),
            text=summaries[cid],
            parent=row["parent_id"],
            family_id=row["parent_id"] if kind == "control" else "",
            family=row["annex_a_theme"],
            source="ISO/IEC 27001:2022 (IDs and titles only; summary written by this project)",
        ))
    return controls


def iso27001_2013(root: Path) -> list[Control]:
    """ISO/IEC 27001:2013 IDs and titles, kept to name the 2013 side of the 2013 -> 2022 map."""
    kinds = {"clause": "clause", "subclause": "clause", "domain": "theme", "objective": "theme"}
    return [
        Control(
            id=row["id"], framework=FrameworkId.ISO_27001_2013,
            kind=kinds.get(row["level"], "control"),
            title=clean(row["title"]), parent=row["parent_id"],
            source="ISO/IEC 27001:2013 (IDs and titles only)",
        )
        for row in read_csv(root, ISO13_CSV)
    ]


def nist_171r3(root: Path) -> list[Control]:
    """NIST SP 800-171 Rev 3 requirement IDs, titles and statements (reference only)."""
    nodes = read_yaml(root, R3_YAML)["objects"]["framework"]["requirement_nodes"]
    families = {n["urn"]: clean(n["name"]) for n in nodes if n.get("depth") == 1}
    return [
        Control(
            id=n["ref_id"], framework=FrameworkId.NIST_800_171R3, kind="requirement",
            title=clean(n["name"]), text=clean(n.get("description", "")),
            family_id=n["ref_id"].rsplit(".", 1)[0], family=families.get(n.get("parent_urn", ""), ""),
            source="NIST SP 800-171 Rev 3 (May 2024)",
            note="Rev 3 is not the revision CMMC assesses; CMMC uses Rev 2.",
        )
        for n in nodes
        if n.get("depth") == 2
    ]


def nist_800_53r5(root: Path) -> list[Control]:
    """NIST SP 800-53 Rev 5 control and enhancement IDs and titles, with withdrawal notes."""
    controls = []
    for row in read_csv(root, SP53_CSV):
        cid = row["control_id"]
        withdrawn = row["withdrawn"].strip().lower() in {"yes", "true"}
        controls.append(Control(
            id=cid, framework=FrameworkId.NIST_800_53R5,
            kind="enhancement" if "(" in cid else "control",
            title=clean(row["title"]), family_id=row["family_id"], family=row["family"],
            parent=cid.split("(")[0] if "(" in cid else "", withdrawn=withdrawn,
            note=clean(row["statement"]) if withdrawn else "",
            source="NIST SP 800-53 Rev 5.1.1",
        ))
    return controls
