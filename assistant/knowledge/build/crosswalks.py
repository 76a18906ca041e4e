"""Build typed crosswalk edges from the official mappings, and derive the transitive ones.

Edges are kept per file so each carries one source document:

* ``cmmc_l2_to_800-171r2``  CMMC Level 2 practice = 800-171 Rev 2 requirement (official)
* ``cmmc_l1_to_far``        CMMC Level 1 practice = FAR 52.204-21(b)(1) item (official)
* ``far_to_800-171r2``      FAR item -> the 800-171 requirement(s) it corresponds to (official, DoD)
* ``cmmc_l3_to_800-172``    CMMC Level 3 practice = 800-172 requirement (official)
* ``800-171r2_to_800-53r5`` Appendix D (Rev 4 IDs) carried to Rev 5 IDs (derived)
* ``800-53r5_to_iso27001-2022``  NIST OLIR mapping (official)
* ``800-171r2_to_iso27001-2022`` composed: 800-171 -> 800-53 Rev 5 -> ISO (transitive)
* ``iso27001-2013_to_2022`` intuitem community mapping (community)
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from assistant.knowledge.build import sources as src
from assistant.knowledge.ids import natural_key
from assistant.knowledge.models import Control, CrosswalkEdge, Provenance, Relationship

DOC_APPX_D = "NIST SP 800-171 Rev 2, Appendix D (mapping to NIST SP 800-53 Rev 4)"
DOC_OLIR = "NIST OLIR: SP 800-53 Rev 5 to ISO/IEC 27001:2022 (2023-10-12)"
DOC_CMMC_L2 = "32 CFR 170.14(c)(3); CMMC Model Overview v2.13"
DOC_CMMC_L1 = "32 CFR 170.14(c)(2); CMMC Model Overview v2.13"
DOC_CMMC_L3 = "32 CFR 170.14(c)(4); CMMC Model Overview v2.13"
DOC_ISO13 = "intuitem (CISO Assistant) ISO/IEC 27001:2013 to 2022 mapping (community, not ISO/IEC 27002 Annex B)"

_WITHDRAWN_INTO = re.compile(r"(?:Incorporated into|Moved to)\s+(.+?)\.?\]", re.I)
_ID_53 = re.compile(r"\b([A-Z]{2}-\d{1,2}(?:\(\d{1,2}\))?)")


def _edge(source: Control, target: Control, rel: Relationship, prov: Provenance, doc: str,
          via: list[str] | None = None, note: str = "") -> CrosswalkEdge:
    return CrosswalkEdge(
        source=source.id, source_framework=source.framework, target=target.id,
        target_framework=target.framework, relationship=rel, provenance=prov,
        source_document=doc, via=via or [], note=note,
    )


def cmmc_to_nist(cmmc: list[Control], r2: dict[str, Control], r172: dict[str, Control],
                 far: dict[str, Control]) -> dict[str, list[CrosswalkEdge]]:
    """Edges from every CMMC practice to the requirement it restates, by level."""
    by_level: dict[str, list[CrosswalkEdge]] = defaultdict(list)
    for practice in cmmc:
        base = practice.id.split("-", 1)[1]
        if practice.level == 1:
            by_level["cmmc_l1_to_far"].append(
                _edge(practice, far[base], Relationship.EQUAL, Provenance.OFFICIAL, DOC_CMMC_L1))
        elif practice.level == 2:
            by_level["cmmc_l2_to_800-171r2"].append(
                _edge(practice, r2[base], Relationship.EQUAL, Provenance.OFFICIAL, DOC_CMMC_L2))
        else:
            by_level["cmmc_l3_to_800-172"].append(_edge(
                practice, r172[base], Relationship.EQUAL, Provenance.OFFICIAL, DOC_CMMC_L3,
                note="Level 3 applies the 800-172 requirement with DoD-approved parameters."))
    return dict(by_level)


def far_to_171(root: Path, far: dict[str, Control], r2: dict[str, Control]) -> list[CrosswalkEdge]:
    """FAR 52.204-21(b)(1) items to the 800-171 Rev 2 requirements CMMC pairs them with."""
    edges = []
    for row in src.read_cmmc_rows(root).level1:
        item = far[row["requirement_id"].split("-", 1)[1]]
        targets = [t.strip() for t in row["nist_800_171r2_ids"].split(";") if t.strip()]
        rel = Relationship.EQUAL if len(targets) == 1 else Relationship.SUPERSET
        for target in targets:
            edges.append(_edge(
                item, r2[target], rel, Provenance.OFFICIAL,
                "CMMC Model v2.0 Level 1 practice IDs; CMMC Model Overview v2.13",
                note="Same safeguard; FAR applies it to FCI, 800-171 to CUI."))
    return edges


def appendix_d_to_rev5(r2_rows: list[dict[str, str]], r2: dict[str, Control],
                       sp53: dict[str, Control]) -> list[CrosswalkEdge]:
    """Carry Appendix D's 800-53 Rev 4 IDs to Rev 5: same ID where it still stands, else where
    Rev 5 says it was incorporated. Every edge is marked derived and keeps the Rev 4 ID."""
    edges: dict[tuple[str, str], CrosswalkEdge] = {}
    for row in r2_rows:
        for rev4 in (x.strip().upper() for x in row["nist_800_53r4_mapping"].split(",") if x.strip()):
            for rev5, note in _rev5_targets(rev4, sp53):
                key = (row["requirement_id"], rev5)
                if key not in edges:
                    edges[key] = _edge(
                        r2[row["requirement_id"]], sp53[rev5], Relationship.INTERSECT,
                        Provenance.DERIVED, DOC_APPX_D, via=[f"{rev4} (Rev 4)"], note=note)
    return list(edges.values())


def _rev5_targets(rev4: str, sp53: dict[str, Control]) -> list[tuple[str, str]]:
    control = sp53.get(rev4)
    if control is None:
        return []
    if not control.withdrawn:
        return [(rev4, "Appendix D names the Rev 4 control; the same ID stands in Rev 5.")]
    match = _WITHDRAWN_INTO.search(control.note)
    targets = _ID_53.findall(match.group(1)) if match else []
    note = f"Appendix D names {rev4}, which Rev 5 withdrew ({control.note.strip('[]')})."
    return [(t, note) for t in targets if t in sp53 and not sp53[t].withdrawn]


def olir(root: Path, sp53: dict[str, Control], iso: dict[str, Control]) -> list[CrosswalkEdge]:
    """NIST's OLIR mapping of SP 800-53 Rev 5 to ISO/IEC 27001:2022 (all ``intersect``)."""
    return _mapping_csv(root, src.OLIR_CSV, ("nist_800_53r5_id", sp53), ("iso27001_2022_id", iso),
                        Provenance.OFFICIAL, DOC_OLIR)


def _mapping_csv(root: Path, rel: str, source: tuple[str, dict[str, Control]],
                 target: tuple[str, dict[str, Control]], provenance: Provenance, document: str) -> list[CrosswalkEdge]:
    """Edges of a two-column mapping CSV with a ``relationship`` column; unknown IDs fail the build."""
    (source_column, sources), (target_column, targets) = source, target
    edges = []
    for row in src.read_csv(root, rel):
        left, right = sources.get(row[source_column]), targets.get(row[target_column])
        if left is None or right is None:
            raise src.SourceError(f"{rel}: row names an unknown ID: {row}")
        edges.append(_edge(left, right, Relationship(row["relationship"]), provenance, document))
    return edges


def transitive_171_to_iso(d_edges: list[CrosswalkEdge], olir_edges: list[CrosswalkEdge],
                          r2: dict[str, Control], iso: dict[str, Control]) -> list[CrosswalkEdge]:
    """Compose 800-171 -> 800-53 Rev 5 (derived) with 800-53 Rev 5 -> ISO (OLIR). One edge per
    (requirement, ISO item), listing every 800-53 control it passes through.

    OLIR maps few control enhancements, while Appendix D cites many (e.g. IA-2(1) for 3.5.3). An
    enhancement with no OLIR edge of its own passes through its base control, written ``IA-2(1)>IA-2``
    in ``via`` so the extra hop stays visible."""
    iso_by_53: dict[str, list[str]] = defaultdict(list)
    for edge in olir_edges:
        iso_by_53[edge.source].append(edge.target)
    via: dict[tuple[str, str], set[str]] = defaultdict(set)
    for edge in d_edges:
        hop, targets = edge.target, iso_by_53.get(edge.target, [])
        if not targets and "(" in edge.target:
            base = edge.target.split("(")[0]
            hop, targets = f"{edge.target}>{base}", iso_by_53.get(base, [])
        for target in targets:
            via[(edge.source, target)].add(hop)
    return [
        _edge(r2[req], iso[target], Relationship.INTERSECT, Provenance.TRANSITIVE,
              f"{DOC_APPX_D} + {DOC_OLIR}", via=sorted(hops, key=natural_key), note=_transitive_note(hops))
        for (req, target), hops in sorted(via.items(), key=lambda kv: (natural_key(kv[0][0]), kv[0][1]))
    ]


def _transitive_note(hops: set[str]) -> str:
    note = "Two-hop path through NIST SP 800-53 Rev 5; not a direct NIST mapping."
    if all(">" in hop for hop in hops):
        note += " Reached only through the base control of an 800-53 enhancement (weaker)."
    return note


def iso_2013_to_2022(root: Path, iso13: dict[str, Control], iso22: dict[str, Control]) -> list[CrosswalkEdge]:
    """The community mapping of ISO/IEC 27001:2013 IDs to 2022 IDs."""
    return _mapping_csv(root, src.ISO13_TO_22_CSV, ("iso27001_2013_id", iso13), ("iso27001_2022_id", iso22),
                        Provenance.COMMUNITY, DOC_ISO13)
