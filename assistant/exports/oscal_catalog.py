"""A NIST SP 800-171 Rev 2 OSCAL catalog generated from the knowledge base: one group per family, one control
per requirement, its statement and its NIST SP 800-171A assessment objectives as parts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from trestle.oscal import OSCAL_VERSION
from trestle.oscal.catalog import Catalog

from assistant.knowledge import FrameworkId, KnowledgeBase

_NAMESPACE = uuid.UUID("5b0f3c1e-6a43-4d7e-9a51-2f7a8e1d6c01")


def control_id(requirement: str) -> str:
    """OSCAL control ID of a requirement (IDs must start with a letter): ``3.1.1`` → ``sp800-171-3.1.1``."""
    return f"sp800-171-{requirement}"


def objective_part_id(objective: str) -> str:
    """``3.1.1[a]`` → ``sp800-171-3.1.1_obj.a``."""
    requirement, letter = objective.rstrip("]").split("[", 1)
    return f"{control_id(requirement)}_obj.{letter}"


def stable_uuid(*parts: str) -> str:
    """A UUID (version 5) that is the same on every run for the same inputs."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def build_catalog(kb: KnowledgeBase) -> Catalog:
    """The catalog, validated by trestle's OSCAL models."""
    framework = kb.framework(FrameworkId.NIST_800_171R2)
    groups: dict[str, dict[str, Any]] = {}
    for control in kb.controls(FrameworkId.NIST_800_171R2):
        group = groups.setdefault(control.family_id, {"id": f"sp800-171-{control.family_id}",
                                                      "title": control.family, "controls": []})
        parts: list[dict[str, Any]] = [{"id": f"{control_id(control.id)}_smt", "name": "statement",
                                        "prose": control.text}]
        objectives = [{"id": objective_part_id(o.id), "name": "assessment-objective",
                       "props": [{"name": "label", "value": o.id}], "prose": o.text}
                      for o in kb.objectives(control.id)]
        if objectives:
            parts.append({"id": f"{control_id(control.id)}_obj", "name": "assessment-objective",
                          "parts": objectives})
        group["controls"].append({"id": control_id(control.id), "title": control.title,
                                  "props": [{"name": "label", "value": control.id}], "parts": parts})
    return Catalog.model_validate({
        "uuid": stable_uuid("catalog", kb.version),
        "metadata": {"title": f"{framework.name} (generated from the compliance assistant's knowledge base)",
                     "last-modified": datetime.now(UTC).replace(microsecond=0), "version": framework.version,
                     "oscal-version": OSCAL_VERSION, "remarks": framework.source},
        "groups": list(groups.values()),
    })
