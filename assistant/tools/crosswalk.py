"""``crosswalk``: a control's counterparts in other frameworks, official and derived edges apart."""

from __future__ import annotations

from pydantic import BaseModel

from assistant.knowledge import FrameworkId, KnowledgeBase, Provenance, Relationship
from assistant.knowledge.ids import natural_key


class EdgeView(BaseModel):
    """One crosswalk edge from the asked control's side, with names on both ends."""

    source: str
    source_framework: FrameworkId
    target: str
    target_framework: FrameworkId
    target_title: str
    relationship: Relationship
    provenance: Provenance
    source_document: str
    via: list[str] = []
    note: str = ""


_PROVENANCE_ORDER = {Provenance.OFFICIAL: 0, Provenance.DERIVED: 1, Provenance.TRANSITIVE: 2, Provenance.COMMUNITY: 3}


def crosswalk(kb: KnowledgeBase, control_id: str, target_framework: FrameworkId | None = None) -> list[EdgeView]:
    """Edges of the control in both directions, official first; raises ``UnknownControlError``."""
    views = []
    for edge in kb.crosswalk(control_id, target_framework):
        target = kb.get(edge.target_framework, edge.target)
        views.append(EdgeView(
            **edge.model_dump(exclude={"source", "target"}), source=edge.source, target=edge.target,
            target_title=target.title if target else "",
        ))
    return sorted(views, key=_edge_order)


def crosswalk_family(kb: KnowledgeBase, control_id: str, target_framework: FrameworkId) -> list[EdgeView]:
    """Edges to ``target_framework``; an SP 800-53 base control also brings its enhancements' edges
    (IA-2 -> IA-2(1)), since NIST's mappings often name the enhancement."""
    edges = crosswalk(kb, control_id, target_framework)
    control = kb.resolve(control_id)
    if control.framework is FrameworkId.NIST_800_53R5 and "(" not in control.id:
        for number in range(1, 40):
            enhancement = kb.get(FrameworkId.NIST_800_53R5, f"{control.id}({number})")
            if enhancement is not None:
                edges += crosswalk(kb, enhancement.id, target_framework)
    return list({(e.target, e.target_framework): e for e in edges}.values())


def _edge_order(view: EdgeView) -> tuple[object, ...]:
    return (_PROVENANCE_ORDER[view.provenance], view.target_framework.value, natural_key(view.target))
