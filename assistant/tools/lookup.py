"""``get_control`` and ``list_controls``: one control with everything known about it."""

from __future__ import annotations

from pydantic import BaseModel

from assistant.knowledge import Control, FrameworkId, KnowledgeBase
from assistant.knowledge.models import SprsPointValue


class ObjectiveView(BaseModel):
    """An assessment objective as shown to users."""

    id: str
    text: str


class ControlView(BaseModel):
    """A control in machine-readable form: stable keys for ``--json`` and the agent."""

    id: str
    framework: FrameworkId
    framework_name: str
    framework_version: str
    kind: str
    title: str
    text: str
    family_id: str = ""
    family: str = ""
    level: int | None = None
    requirement_type: str = ""
    source: str = ""
    note: str = ""


class ControlDetail(ControlView):
    """A control with its discussion, objectives, SPRS value, CMMC IDs and crosswalk counts."""

    discussion: str = ""
    parent: str = ""
    objectives: list[ObjectiveView] = []
    point_value: SprsPointValue | None = None
    equivalents: list[str] = []
    crosswalk_counts: dict[str, int] = {}
    examine: str = ""
    interview: str = ""
    test: str = ""


def control_view(kb: KnowledgeBase, control: Control) -> ControlView:
    """Summary view of one control, naming its framework's exact version."""
    framework = kb.framework(control.framework)
    return ControlView(
        id=control.id, framework=control.framework, framework_name=framework.name,
        framework_version=framework.version, kind=control.kind, title=control.title, text=control.text,
        family_id=control.family_id, family=control.family, level=control.level,
        requirement_type=control.requirement_type, source=control.source, note=control.note,
    )


def get_control(kb: KnowledgeBase, control_id: str) -> ControlDetail:
    """Everything about the control any spelling names; raises ``UnknownControlError`` if none."""
    control = kb.resolve(control_id)
    requirement = kb.canonical_requirement(control)
    edges = kb.crosswalk(control)
    counts: dict[str, int] = {}
    for edge in edges:
        counts[edge.target_framework.value] = counts.get(edge.target_framework.value, 0) + 1
    equivalents = [e.target for e in edges if e.relationship == "equal"]
    return ControlDetail(
        **control_view(kb, control).model_dump(),
        discussion=control.discussion, parent=control.parent,
        objectives=[ObjectiveView(id=o.id, text=o.text) for o in kb.children(requirement) if o.kind == "objective"],
        point_value=_point_value(kb, control),
        equivalents=equivalents, crosswalk_counts=counts,
        examine=requirement.examine, interview=requirement.interview, test=requirement.test,
    )


def _point_value(kb: KnowledgeBase, control: Control) -> SprsPointValue | None:
    if control.framework in (FrameworkId.NIST_800_171R2, FrameworkId.NIST_800_171A, FrameworkId.CMMC_2):
        return kb.point_value(control.id)
    return None


def list_controls(
    kb: KnowledgeBase,
    framework: FrameworkId | None = None,
    family: str | None = None,
    level: int | None = None,
    include_objectives: bool = False,
) -> list[ControlView]:
    """Controls matching the filters (objectives only when asked for or when listing 800-171A)."""
    controls = kb.controls(framework, family=family, level=level)
    keep_objectives = include_objectives or framework in (FrameworkId.NIST_800_171A, FrameworkId.NIST_800_172A)
    return [control_view(kb, c) for c in controls if keep_objectives or c.kind != "objective"]
