"""The evidence register's items: controls in any spelling normalized through the knowledge base, dates,
location and hash, and the freshness of each item as of a date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from assistant.knowledge import FrameworkId, KnowledgeBase
from assistant.workspace.rules import FreshnessRules, normalize_type

Freshness = Literal["current", "stale", "expired", "undated"]


class Mapping(BaseModel):
    """Where an item's controls land: 800-171 requirements and objectives, CMMC practices, ISO controls."""

    requirements: list[str] = Field(default_factory=list)  # tagged directly (or as CMMC/FAR/objective)
    objectives: list[str] = Field(default_factory=list)  # 800-171A objectives tagged explicitly
    requirements_via_iso: list[str] = Field(default_factory=list)  # reached from ISO tags by crosswalk
    cmmc: list[str] = Field(default_factory=list)
    iso: list[str] = Field(default_factory=list)  # tagged directly (2013 IDs carried to 2022)
    iso_via_nist: list[str] = Field(default_factory=list)  # reached from 800-171 tags by crosswalk
    unknown: list[str] = Field(default_factory=list)


class EvidenceItem(BaseModel):
    """One item of the register."""

    id: str = Field(min_length=1)
    title: str = ""
    description: str = ""
    owner: str = ""
    artifact_type: str = "other"
    controls: list[str] = Field(default_factory=list)
    effective: date | None = None  # when the evidence took effect (not when it was uploaded)
    review: date | None = None  # review-by date
    expires: date | None = None
    location: str = ""
    sha256: str = ""
    uploaded: datetime | None = None  # set by the store on first import
    mapping: Mapping = Field(default_factory=Mapping)

    @field_validator("artifact_type")
    @classmethod
    def _type(cls, value: str) -> str:
        return normalize_type(value)

    @field_validator("sha256")
    @classmethod
    def _hash(cls, value: str) -> str:
        value = value.strip().lower()
        if value and (len(value) != 64 or any(c not in "0123456789abcdef" for c in value)):
            raise ValueError("sha256 must be 64 hexadecimal characters")
        return value

    def text(self) -> str:
        """What the item says, for matching by meaning."""
        return f"{self.title}. {self.description}".strip(". ")


def normalize(kb: KnowledgeBase, typed: list[str]) -> Mapping:
    """Resolve every spelling and carry it to 800-171 Rev 2, its objectives, CMMC and ISO 27001:2022."""
    m = Mapping()
    reqs: set[str] = set()
    for text in typed:
        control = kb.try_resolve(text)
        if control is None:
            m.unknown.append(text)
            continue
        control = kb.canonical_requirement(control)
        fw = control.framework
        if fw is FrameworkId.NIST_800_171A:
            m.objectives.append(control.id)
            reqs.add(control.parent)
        elif fw is FrameworkId.NIST_800_171R2:
            reqs.add(control.id)
        elif fw is FrameworkId.FAR_52_204_21:
            reqs.update(e.target for e in kb.edges_of(fw, control.id))
        elif fw is FrameworkId.ISO_27001_2022:
            m.iso.append(control.id)
        elif fw is FrameworkId.ISO_27001_2013:
            m.iso.extend(e.target for e in kb.crosswalk(control, FrameworkId.ISO_27001_2022))
        else:
            reqs.update(e.target for e in kb.crosswalk(control, FrameworkId.NIST_800_171R2))
    order = {rid: n for n, rid in enumerate(kb.all_ids(FrameworkId.NIST_800_171R2))}
    m.requirements = sorted(reqs, key=lambda r: order.get(r, 10_000))
    m.iso = sorted(set(m.iso), key=_iso_key)
    via = {e.target for i in m.iso for e in kb.crosswalk(i, FrameworkId.NIST_800_171R2)} - reqs
    m.requirements_via_iso = sorted(via, key=lambda r: order.get(r, 10_000))
    m.cmmc = [e.target for r in m.requirements for e in kb.crosswalk(r, FrameworkId.CMMC_2)]
    iso_via = {e.target for r in m.requirements for e in kb.crosswalk(r, FrameworkId.ISO_27001_2022)}
    m.iso_via_nist = sorted(iso_via - set(m.iso), key=_iso_key)
    m.objectives = sorted(set(m.objectives))
    return m


def _iso_key(control_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in control_id.removeprefix("A.").split(".") if p.isdigit())


def freshness(item: EvidenceItem, rules: FreshnessRules, as_of: date) -> tuple[Freshness, date | None]:
    """Whether the item is current as of ``as_of``, and the date it stops being current."""
    if item.expires is not None and item.expires < as_of:
        return "expired", item.expires
    due = item.review
    if due is None and item.effective is not None:
        due = item.effective + timedelta(days=rules.for_type(item.artifact_type).max_age_days)
    if item.expires is not None:
        due = min(due, item.expires) if due else item.expires
    if due is None:
        return "undated", None
    return ("current" if due >= as_of else "stale"), due
