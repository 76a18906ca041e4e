"""OSCAL SSP JSON built with compliance-trestle's OSCAL models (so it is schema-valid on construction),
checked against the generated 800-171 Rev 2 catalog, and read back to prove it round-trips."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trestle.oscal import OSCAL_VERSION
from trestle.oscal.catalog import Catalog
from trestle.oscal.ssp import SystemSecurityPlan

from assistant.exports.oscal_catalog import build_catalog, control_id, objective_part_id, stable_uuid
from assistant.knowledge import KnowledgeBase
from assistant.workspace.profile import SystemProfile
from assistant.workspace.ssp import SspDraft

STATES = {"implemented": "implemented", "partially implemented": "partial", "planned": "planned",
          "not applicable": "not-applicable"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "role"


def build_ssp(kb: KnowledgeBase, profile: SystemProfile, drafts: list[SspDraft],
              catalog_href: str) -> SystemSecurityPlan:
    """The SSP: system characteristics and components from the profile, one implemented requirement per draft
    with a statement per 800-171A objective."""
    name = profile.system.name
    this = stable_uuid(name, "this-system")
    roles = {r.role: _slug(r.role) for r in profile.roles}
    components = [{"uuid": this, "type": "this-system", "title": name,
                   "description": profile.system.description or name, "status": {"state": "operational"}}]
    for kind, entries in (("service", [(s.name, s.does) for s in profile.services]),
                          ("hardware", [(c.name, f"{c.category}. {c.description}".strip(". "))
                                        for c in profile.components])):
        components += [{"uuid": stable_uuid(name, kind, n), "type": kind, "title": n, "description": d or n,
                        "status": {"state": "operational"}} for n, d in entries]
    requirements = []
    for d in drafts:
        by_component: dict[str, Any] = {
            "component-uuid": this, "uuid": stable_uuid(name, d.requirement, "by"),
            "description": " ".join(f"{o.id}: {o.statement}" for o in d.objectives) or d.title,
            "implementation-status": {"state": STATES[d.status],
                                      **({"remarks": d.justification} if d.justification else {})}}
        entry: dict[str, Any] = {
            "uuid": stable_uuid(name, d.requirement), "control-id": control_id(d.requirement),
            "by-components": [by_component],
            "statements": [{"statement-id": objective_part_id(o.id), "uuid": stable_uuid(name, o.id),
                            "by-components": [{"component-uuid": this, "uuid": stable_uuid(name, o.id, "by"),
                                               "description": o.statement}]} for o in d.objectives],
        }
        if d.role in roles:
            entry["responsible-roles"] = [{"role-id": roles[d.role]}]
        requirements.append(entry)
    metadata: dict[str, Any] = {"title": f"System Security Plan: {name}",
                                "last-modified": datetime.now(UTC).replace(microsecond=0),
                                "version": "draft", "oscal-version": OSCAL_VERSION}
    if roles:
        metadata["roles"] = [{"id": rid, "title": title} for title, rid in roles.items()]
    return SystemSecurityPlan.model_validate({
        "uuid": stable_uuid(name, "ssp"), "metadata": metadata, "import-profile": {"href": catalog_href},
        "system-characteristics": {
            "system-ids": [{"id": _slug(name)}], "system-name": name,
            "description": profile.system.description or name,
            "system-information": {"information-types": [{
                "title": "Controlled Unclassified Information",
                "description": profile.system.purpose or profile.system.description or name}]},
            "status": {"state": "operational"},
            "authorization-boundary": {"description": profile.system.boundary or profile.system.description or name},
        },
        "system-implementation": {"users": [{"uuid": stable_uuid(name, "user", r), "title": r}
                                            for r in roles] or [{"uuid": stable_uuid(name, "user")}],
                                  "components": components},
        "control-implementation": {"description": "NIST SP 800-171 Rev 2 requirements, one statement per "
                                                  "NIST SP 800-171A objective.",
                                   "implemented-requirements": requirements},
    })


def check_against_catalog(ssp: SystemSecurityPlan, catalog: Catalog) -> list[str]:
    """Control and statement IDs of the SSP that the catalog does not define."""
    ids: set[str] = set()
    for group in catalog.groups or []:
        for control in getattr(group, "controls", None) or []:
            ids.add(control.id)
            stack = list(control.parts or [])
            while stack:
                part = stack.pop()
                if part.id:
                    ids.add(part.id)
                stack.extend(part.parts or [])
    missing = []
    for req in ssp.control_implementation.implemented_requirements:
        missing += [req.control_id] if req.control_id not in ids else []
        missing += [s.statement_id for s in req.statements or [] if s.statement_id not in ids]
    return missing


def write(kb: KnowledgeBase, profile: SystemProfile, drafts: list[SspDraft], out: Path) -> Path:
    """Write the SSP and its catalog beside it; raise ``ValueError`` unless it validates and round-trips."""
    catalog = build_catalog(kb)
    catalog_path = out.with_name(out.stem + "-catalog.json")
    catalog.oscal_write(catalog_path)
    ssp = build_ssp(kb, profile, drafts, catalog_path.name)
    unknown = check_against_catalog(ssp, catalog)
    if unknown:
        raise ValueError(f"SSP references IDs the catalog lacks: {', '.join(unknown[:10])}")
    ssp.oscal_write(out)
    if SystemSecurityPlan.oscal_read(out) != ssp:
        raise ValueError(f"{out} does not read back to the same SSP")
    return catalog_path
