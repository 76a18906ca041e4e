"""Program rules as data: SPRS point values, POA&M rules, scoping categories and program facts."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.knowledge.build import sources as src
from assistant.knowledge.models import (
    AssetCategory,
    Citation,
    ClosingParty,
    Control,
    LexiconEntry,
    PoamLevelRule,
    PoamRules,
    ProgramFact,
    ScenarioPhrasings,
    SprsPointValue,
    SprsRules,
)

DOD_AM = "NIST SP 800-171 DoD Assessment Methodology v1.2.1 (June 24, 2020)"
MAX_SCORE = 110  # one point per NIST SP 800-171 Rev 2 requirement, DoD AM 5(b)


def sprs_rules(root: Path) -> SprsRules:
    """Per-requirement values from DoD AM Annex A, with the partial-credit and SSP rules of 5(e)-(g)."""
    values = [_point_value(row) for row in src.read_csv(root, src.SPRS_CSV)]
    deductions = sum(v.points or 0 for v in values)
    return SprsRules(
        max_score=MAX_SCORE,
        min_score=MAX_SCORE - deductions,
        values=values,
        no_ssp_rule=(
            "Without a system security plan (3.12.4) the assessment cannot be completed: 'an assessment "
            "could not be completed due to incomplete information and noncompliance with DFARS clause "
            "252.204-7012.'"
        ),
        citation=Citation(document=DOD_AM, section="Annex A"),
        rule_citations={
            "score_start": Citation(document=DOD_AM, section="5(b)"),
            "weights": Citation(document=DOD_AM, section="5(d)"),
            "partial_credit": Citation(document=DOD_AM, section="5(e)"),
            "ssp_required": Citation(document=DOD_AM, section="5(g)"),
        },
    )


def _point_value(row: dict[str, str]) -> SprsPointValue:
    raw, comment = row["points"].strip(), src.clean(row["comment"])
    asterisk = row["far_52_204_21_basic_safeguarding_asterisk"] == "yes"
    if raw.upper() == "NA":
        return SprsPointValue(requirement_id=row["requirement_id"], points=None,
                              far_basic_safeguarding=asterisk, comment=comment)
    partial = re.fullmatch(r"(\d+)\s*to\s*(\d+)", raw)
    if partial is None:
        return SprsPointValue(requirement_id=row["requirement_id"], points=int(raw),
                              far_basic_safeguarding=asterisk, comment=comment)
    low, high = int(partial.group(1)), int(partial.group(2))
    conditions = _PARTIAL_CONDITIONS[row["requirement_id"]]
    return SprsPointValue(
        requirement_id=row["requirement_id"], points=high, partial_points=low,
        partial_condition=conditions[0], full_condition=conditions[1],
        far_basic_safeguarding=asterisk, comment=comment,
    )


# DoD AM 5(e): which situation earns the smaller deduction, and which the full one.
_PARTIAL_CONDITIONS = {
    "3.5.3": ("MFA implemented only for remote and privileged users", "MFA not implemented for any users"),
    "3.13.11": ("encryption employed but not FIPS-validated", "encryption not employed"),
}


def poam_rules(root: Path, authored: Path) -> PoamRules:
    """32 CFR 170.21 POA&M rules by level, from the transcription in the sources; who closes out, from ours."""
    raw = src.read_yaml(root, src.POAM_JSON)
    closing = src.read_yaml(authored, "poam_closeout.yaml")
    l1, l2, l3 = raw["level_1"], raw["level_2"], raw["level_3"]
    return PoamRules(
        levels=[
            PoamLevelRule(level=1, poam_permitted=False, text=l1["text"],
                          citation=Citation(document="32 CFR 170.21", section="(a)(1)")),
            PoamLevelRule(
                level=2, poam_permitted=True, text=f"{l2['min_score_text']}; {l2['point_value_text']}",
                citation=Citation(document="32 CFR 170.21", section="(a)(2)"),
                min_score_ratio=l2["min_score_ratio"], max_point_value=l2["max_point_value_on_poam"],
                exceptions=[dict(l2["exception"])],
                never_on_poam=[item["requirement_id"] for item in l2["never_on_poam"]],
                conditional_statuses=l2["conditional_statuses"],
            ),
            PoamLevelRule(
                level=3, poam_permitted=True, text=l3["min_score_text"],
                citation=Citation(document="32 CFR 170.21", section="(a)(3)"),
                min_score_ratio=l3["min_score_ratio"],
                never_on_poam=[item["requirement_id"] for item in l3["never_on_poam"]],
                conditional_statuses=l3["conditional_statuses"],
            ),
        ],
        closeout_days=raw["closeout"]["window_days"],
        closeout_text=(
            "A POA&M closeout assessment checks only the requirements that were NOT MET; the POA&M must be "
            f"closed within {raw['closeout']['window_days']} days of the Conditional CMMC Status Date (the date the "
            "Conditional status is recorded, not the first day of the assessment), or the Conditional status expires."
        ),
        closeout_citation=Citation(document="32 CFR 170.21", section="(b); CMMC Assessment Guide Level 2 v2.13"),
        closeout_by=src.validate_entries(ClosingParty, closing["closeout_by"], "poam_closeout.yaml"),
        closeout_by_citation=Citation.model_validate(closing["citation"]),
    )


def asset_categories(root: Path, authored: Path) -> list[AssetCategory]:
    """Asset categories per level: Level 2 from the DoD table, Levels 1 and 3 from our transcription."""
    raw = src.read_yaml(root, src.SCOPING_JSON)
    level2 = [
        AssetCategory(
            level=2, category=entry["category"], in_scope=in_scope,
            description=entry["asset_description"], osa_requirements=entry["osa_requirements"],
            assessment_requirements=entry["cmmc_assessment_requirements"],
            citation=Citation(document="32 CFR 170.19(c)(1), Table 3; CMMC Scoping Guide Level 2 v2.13, Table 1"),
        )
        for key, in_scope in (("in_scope_categories", True), ("out_of_scope_categories", False))
        for entry in raw[key]
    ]
    others = src.validate_entries(AssetCategory, src.read_yaml(authored, "scoping_l1_l3.yaml"), "scoping_l1_l3.yaml")
    return sorted(level2 + others, key=lambda c: c.level)


def program_facts(authored: Path) -> list[ProgramFact]:
    """Hand-authored program facts (``program_facts*.yaml``), validated: each carries a citation, IDs unique."""
    facts: list[ProgramFact] = []
    for path in sorted(authored.glob("program_facts*.yaml")):
        facts += src.validate_entries(ProgramFact, src.read_yaml(authored, path.name), path.name)
    seen: set[str] = set()
    for fact in facts:
        if fact.id in seen:
            raise src.SourceError(f"program facts: id '{fact.id}' is used twice")
        seen.add(fact.id)
    return facts


MIN_PHRASINGS = 8


def phrasings(authored: Path, controls: dict[str, list[Control]]) -> dict[str, list[ScenarioPhrasings]]:
    """Scenario phrasings per framework (``phrasings/<framework>.yaml``: ID -> list), each ID checked to exist.

    Any ID of the framework's catalog is a key, ISO/IEC 27001 clauses ("6.3", "9.2.1") as well as Annex A controls;
    a clause number must be quoted so YAML keeps it a string."""
    out: dict[str, list[ScenarioPhrasings]] = {}
    for path in sorted((authored / "phrasings").glob("*.yaml")):
        framework = path.stem
        if framework not in controls:
            raise src.SourceError(f"phrasings/{path.name}: '{framework}' is not a framework of the knowledge base")
        known = {c.id for c in controls[framework]}
        raw = src.read_yaml(authored, f"phrasings/{path.name}")
        entries = []
        for control_id, texts in (raw or {}).items():
            if isinstance(control_id, float):  # YAML reads an unquoted 6.3 as a number: 4.10 would become 4.1
                raise src.SourceError(f"phrasings/{path.name}: key {control_id} must be quoted (\"{control_id}\"); "
                                      "an unquoted clause number is read as a number")
            if str(control_id) not in known:
                raise src.SourceError(f"phrasings/{path.name}: {control_id} is not a {framework} ID")
            unique = list(dict.fromkeys(str(t).strip() for t in texts or [] if str(t).strip()))
            if len(unique) < MIN_PHRASINGS:
                raise src.SourceError(f"phrasings/{path.name}: {control_id} has {len(unique)} phrasings "
                                      f"(at least {MIN_PHRASINGS})")
            entries.append(ScenarioPhrasings(framework=framework, control_id=str(control_id), phrasings=unique))
        out[framework] = entries
    return out


def lexicon(authored: Path, controls: dict[str, list[Control]]) -> list[LexiconEntry]:
    """The practitioner lexicon, each control and ISO ID checked to exist."""
    if not (authored / "lexicon.yaml").is_file():
        return []
    entries = src.validate_entries(LexiconEntry, src.read_yaml(authored, "lexicon.yaml"), "lexicon.yaml")
    nist = {c.id for c in controls["nist-800-171r2"]} | {c.id for c in controls["nist-800-172"]}
    iso = {c.id for c in controls["iso27001-2022"]}
    for entry in entries:
        bad = [c for c in entry.controls if c not in nist] + [i for i in entry.iso if i not in iso]
        if bad:
            raise src.SourceError(f"lexicon.yaml: term '{entry.term}' names unknown IDs: {', '.join(bad)}")
    return entries
