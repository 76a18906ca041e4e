"""Run every reader, derive the crosswalks, and write the normalized knowledge files."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.knowledge.build import crosswalks as cw
from assistant.knowledge.build import passages, rules, scoping_vocabulary
from assistant.knowledge.build import sources as src
from assistant.knowledge.ids import parse_id
from assistant.knowledge.models import Control, CrosswalkEdge, Framework, Manifest, Passage, ScenarioPhrasings

SCHEMA_VERSION = 1


@dataclass
class BuildOutput:
    """Everything the converter produces, before it is written."""

    frameworks: list[Framework]
    controls: dict[str, list[Control]]
    crosswalks: dict[str, list[CrosswalkEdge]]
    rules: dict[str, Any]
    passages: dict[str, list[Passage]] = field(default_factory=dict)
    phrasings: dict[str, list[ScenarioPhrasings]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def build(sources: Path, authored: Path) -> BuildOutput:
    """Read the sources and the authored inputs; return validated, normalized records."""
    summaries = {str(k): v for k, v in src.read_yaml(authored, "iso27001_2022_summaries.yaml").items()}
    r2 = src.nist_171r2(sources)
    r172 = src.nist_172(sources)
    far = src.far_52_204_21(sources)
    controls = {
        "nist-800-171r2": r2,
        "nist-800-171a": src.nist_171a(sources, r2),
        "nist-800-172": r172,
        "nist-800-172a": src.nist_172a(sources),
        "cmmc-2.0": src.cmmc_practices(sources, r2, r172),
        "far-52.204-21": far,
        "iso27001-2022": src.iso27001_2022(sources, summaries),
        "iso27001-2013": src.iso27001_2013(sources),
        "nist-800-171r3": src.nist_171r3(sources),
        "nist-800-53r5": src.nist_800_53r5(sources),
    }
    edges = _crosswalks(sources, controls)
    cmmc_titles = {c.id: c.title for c in controls["cmmc-2.0"]}

    def resolve_practice(typed: str) -> tuple[str, str] | None:
        found = next((c.canonical for c in parse_id(typed) if c.canonical in cmmc_titles), None)
        return (found, cmmc_titles[found]) if found else None

    configs = passages.load_configs(authored)
    guides = {cfg.key: passages.guide_passages(sources, cfg, resolve_practice) for cfg in configs}
    output = BuildOutput(
        frameworks=src.validate_entries(Framework, src.read_yaml(authored, "frameworks.yaml"), "frameworks.yaml"),
        controls=controls,
        crosswalks=edges,
        rules={
            "sprs": rules.sprs_rules(sources),
            "poam": rules.poam_rules(sources, authored),
            "asset_categories": rules.asset_categories(sources, authored),
            "program_facts": rules.program_facts(authored),
            "lexicon": rules.lexicon(authored, controls),
            "scoping_vocabulary": scoping_vocabulary.build(authored),
        },
        passages=guides,
        phrasings=rules.phrasings(authored, controls),
    )
    output.counts = {f"controls/{k}": len(v) for k, v in controls.items()}
    output.counts.update({f"crosswalks/{k}": len(v) for k, v in edges.items()})
    output.counts.update({f"passages/{k}": len(v) for k, v in guides.items()})
    output.counts.update({f"phrasings/{k}": sum(len(p.phrasings) for p in v) for k, v in output.phrasings.items()})
    return output


def _crosswalks(sources: Path, controls: dict[str, list[Control]]) -> dict[str, list[CrosswalkEdge]]:
    index = {name: {c.id: c for c in items} for name, items in controls.items()}
    appendix_d = cw.appendix_d_to_rev5(
        src.read_csv(sources, src.R2_CSV), index["nist-800-171r2"], index["nist-800-53r5"])
    olir = cw.olir(sources, index["nist-800-53r5"], index["iso27001-2022"])
    edges = cw.cmmc_to_nist(controls["cmmc-2.0"], index["nist-800-171r2"], index["nist-800-172"],
                            index["far-52.204-21"])
    edges.update({
        "far_to_800-171r2": cw.far_to_171(sources, index["far-52.204-21"], index["nist-800-171r2"]),
        "800-171r2_to_800-53r5": appendix_d,
        "800-53r5_to_iso27001-2022": olir,
        "800-171r2_to_iso27001-2022": cw.transitive_171_to_iso(
            appendix_d, olir, index["nist-800-171r2"], index["iso27001-2022"]),
        "iso27001-2013_to_2022": cw.iso_2013_to_2022(sources, index["iso27001-2013"], index["iso27001-2022"]),
    })
    return edges


def write(output: BuildOutput, target: Path) -> Manifest:
    """Write every file (sorted keys, stable order) and a manifest with a content hash."""
    files: dict[str, Any] = {"frameworks.json": output.frameworks}
    files.update({f"controls/{k}.json": v for k, v in output.controls.items()})
    files.update({f"crosswalks/{k}.json": v for k, v in output.crosswalks.items()})
    files.update({f"rules/{k}.json": v for k, v in output.rules.items()})
    files.update({f"passages/{k}.json": v for k, v in output.passages.items()})
    files.update({f"phrasings/{k}.json": v for k, v in output.phrasings.items()})
    digest = hashlib.sha256()
    for rel in sorted(files):
        text = _dump(files[rel])
        _write_atomic(target / rel, text)
        digest.update(rel.encode() + b"\0" + text.encode())
    manifest = Manifest(schema_version=SCHEMA_VERSION, content_hash=digest.hexdigest()[:16],
                        counts=output.counts, files=sorted(files))
    _write_atomic(target / "manifest.json", _dump(manifest))  # last: it names the files above
    return manifest


def _write_atomic(path: Path, text: str) -> None:
    """Write beside the target and rename over it, so a crash never leaves a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _dump(value: Any) -> str:
    return json.dumps(_plain(value), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
