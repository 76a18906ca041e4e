"""Test data for the workspace: the issue's profile and a 50-item register with known gaps."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from assistant.knowledge import FrameworkId, KnowledgeBase

PROFILE = """\
system: {name: Acme CUI Enclave, description: "Engineering enclave holding customer drawings"}
components: [{name: CAD workstations, category: CUI Asset}, {name: Splunk Cloud, category: Security Protection Asset}]
services:
  - {name: Duo, does: "MFA for VPN and admin consoles"}
  - {name: Windows Hello for Business, does: "MFA for local admin logons"}
roles:      [{role: IT Manager, person: Dana Lee}]
dates:      {iso_certified: 2026-03-01, cmmc_assessed: 2026-06-15, last_affirmation: 2026-06-20}
custom_section: {kept: yes}
"""
AS_OF = date(2026, 11, 1)


def write_profile(folder: Path) -> Path:
    path = folder / "profile.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


def register_50(kb: KnowledgeBase, folder: Path) -> tuple[Path, dict[str, list[str]]]:
    """50 items: 30 current with every objective, 5 current with objective [a] only, 5 stale, 3 expired,
    2 undated, 5 ISO-only current on Annex A controls with no 800-171 crosswalk. Returns the file and the
    requirement groups the expectations are built on."""
    multi = [r for r in kb.all_ids(FrameworkId.NIST_800_171R2) if len(kb.objectives(r)) >= 2]
    reqs = multi[:45]
    iso_only = [c.id for c in kb.controls(FrameworkId.ISO_27001_2022, kind="control")
                if not kb.crosswalk(c, FrameworkId.NIST_800_171R2)][:5]
    assert len(iso_only) == 5
    rows = []
    for n, rid in enumerate(reqs):
        objectives = [o.id for o in kb.objectives(rid)]
        tags = [rid, *objectives] if n < 30 or 35 <= n < 45 else [rid, objectives[0]]
        effective, expires, kind = "2026-06-01", "", "configuration"
        if 35 <= n < 40:
            effective, kind = "2024-01-01", "policy"
        elif 40 <= n < 43:
            expires = "2026-06-01"
        elif 43 <= n < 45:
            effective = ""
        rows.append({"id": f"EV-{n + 1:03d}", "title": f"Record for {rid}", "controls": ";".join(tags),
                     "effective_date": effective, "expires": expires, "type": kind, "owner": "IT Manager"})
    for n, control in enumerate(iso_only, start=46):
        rows.append({"id": f"EV-{n:03d}", "title": f"ISO record {control}", "controls": control,
                     "effective_date": "2026-05-01", "expires": "", "type": "procedure", "owner": "IT Manager"})
    path = folder / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    groups = {"full": reqs[:30], "partial": reqs[30:35], "stale": reqs[35:45], "iso_only": iso_only,
              "tagged": reqs}
    return path, groups
