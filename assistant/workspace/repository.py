"""The workspace as stored: profile and evidence register read and written through ``WorkspaceStore``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.safe_yaml import load_yaml_file
from assistant.storage.workspace import WorkspaceStore
from assistant.workspace.evidence import EvidenceItem
from assistant.workspace.profile import SystemProfile, parse_profile
from assistant.workspace.register import ParsedRegister, read_register
from assistant.workspace.rules import FreshnessRules, freshness_rules
from assistant.workspace.ssp import Drafter


class Workspace:
    """One company's workspace in the database of ``url``."""

    def __init__(self, kb: KnowledgeBase, url: str):
        self.kb = kb
        self.store = WorkspaceStore(url)

    def import_profile(self, path: Path) -> SystemProfile:
        """Validate a YAML profile and store it (replacing the previous one)."""
        profile = parse_profile(load_yaml_file(path))
        self.store.save_profile(profile.document())
        return profile

    def profile(self) -> SystemProfile | None:
        """The stored profile, or None before the first import."""
        document = self.store.load_profile()
        return SystemProfile.model_validate(document) if document else None

    def import_evidence(self, path: Path, pause: float = 0.0) -> tuple[ParsedRegister, int, int]:
        """Read a register and upsert its good rows in one transaction: (parsed, added, updated)."""
        parsed = read_register(self.kb, path)
        docs = [i.model_dump(mode="json", exclude={"uploaded"}) for i in parsed.items]
        added, updated = self.store.upsert_evidence(docs, pause=pause)
        return parsed, added, updated

    def evidence(self) -> list[EvidenceItem]:
        """Every stored item."""
        return [EvidenceItem.model_validate(d) for d in self.store.evidence()]

    def rules(self) -> FreshnessRules:
        """Freshness rules of the knowledge base in use."""
        return freshness_rules(self.kb.data.root)

    def drafter(self, as_of: date | None = None) -> Drafter:
        """An SSP drafter over the stored profile and register."""
        return Drafter(self.kb, self.profile(), self.evidence(), as_of=as_of)
