"""The system profile: what the system is, what it is made of, the services that protect it, who does what.

Read from and written to YAML (``system import|export``); kept in the database as one JSON document.
Every sentence an SSP draft uses comes from here or from the evidence register (see ``facts``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Status = Literal["implemented", "partially implemented", "planned", "not applicable"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class SystemInfo(_Open):
    """Name, purpose, boundary and environment of the system."""

    name: str = Field(min_length=1)
    description: str = ""
    purpose: str = ""
    boundary: str = ""
    environment: str = ""


class Component(_Open):
    """An asset of the boundary with its asset category (32 CFR 170.19)."""

    name: str = Field(min_length=1)
    category: str = ""
    description: str = ""
    controls: list[str] = Field(default_factory=list)


class Service(_Open):
    """A service or tool in use and what it does ("Duo: MFA for VPN and admin consoles")."""

    name: str = Field(min_length=1)
    does: str = ""
    controls: list[str] = Field(default_factory=list)


class Role(_Open):
    """A role, who holds it, and what it is responsible for."""

    role: str = Field(min_length=1)
    person: str = ""
    responsibilities: str = ""
    controls: list[str] = Field(default_factory=list)


class Policy(_Open):
    """A policy or procedure, by name, with what it covers."""

    name: str = Field(min_length=1)
    kind: str = "policy"
    does: str = ""
    controls: list[str] = Field(default_factory=list)


class Dates(_Open):
    """Program dates the calendar starts from."""

    iso_certified: date | None = None
    cmmc_assessed: date | None = None
    cmmc_level: int | None = Field(default=None, ge=1, le=3)
    cmmc_status: Literal["final", "conditional"] | None = None
    last_affirmation: date | None = None
    poam_opened: date | None = None


class Decision(_Open):
    """What the company states about one requirement (overrides the status the facts imply)."""

    status: Status | None = None
    justification: str = ""
    role: str = ""


class PoamItem(_Open):
    """An open item of the plan of action."""

    requirement: str
    weakness: str = ""
    milestone: str = ""
    opened: date | None = None


class SoaDecision(_Open):
    """The company's Statement of Applicability decision for one Annex A control."""

    applicable: bool = True
    justification: str = ""


class SystemProfile(_Open):
    """The whole profile (unknown keys are kept, so export returns what was imported)."""

    system: SystemInfo
    components: list[Component] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    policies: list[Policy] = Field(default_factory=list)
    dates: Dates = Field(default_factory=Dates)
    requirements: dict[str, Decision] = Field(default_factory=dict)
    poam: list[PoamItem] = Field(default_factory=list)
    soa: dict[str, SoaDecision] = Field(default_factory=dict)

    @field_validator("requirements", "soa", mode="before")
    @classmethod
    def _string_keys(cls, value: Any) -> Any:
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value

    def document(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings), for storage and YAML export."""
        return self.model_dump(mode="json", exclude_defaults=False)


def parse_profile(data: Any) -> SystemProfile:
    """Validate a loaded YAML document; ``ValueError`` names the first bad field."""
    if not isinstance(data, dict):
        raise ValueError("a system profile is a mapping with at least `system: {name: …}`")
    return SystemProfile.model_validate(data)
