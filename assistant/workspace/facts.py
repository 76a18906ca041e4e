"""Facts: every sentence of the profile and the evidence register an SSP draft may use, with its tags."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.lexicon import entry_patterns
from assistant.workspace.evidence import EvidenceItem, Mapping, normalize
from assistant.workspace.profile import SystemProfile
from assistant.workspace.rules import Vocabulary

_WORD = re.compile(r"[a-z0-9][a-z0-9+]*(?:-[a-z0-9+]+)*")


@dataclass(frozen=True)
class Fact:
    """One thing the company said, verbatim, where it came from, and what it is tagged with."""

    source: str  # "service:Duo", "evidence:EV-001"
    kind: str  # service | component | role | policy | evidence | statement
    name: str
    text: str
    mapping: Mapping
    tokens: frozenset[str]
    linked: frozenset[str]  # 800-171 requirements its words point to through the lexicon

    def sentence(self) -> str:
        """The fact in the company's own words."""
        if self.kind == "evidence":
            return f"{self.text} (evidence {self.source.split(':', 1)[1]})"
        if self.kind == "statement":
            return self.text
        return f"{self.name}: {self.text}" if self.text else self.name


def stem(word: str) -> str:
    """A crude plural fold: ``accounts`` → ``account``, ``policies`` → ``policy``."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str, vocab: Vocabulary, expand: bool) -> frozenset[str]:
    """Content words of ``text`` (``non-privileged`` kept apart from ``privileged``), synonyms added when
    ``expand``."""
    text = re.sub(r"\bnon-", "non", text.lower())
    stop = vocab.stop
    found: set[str] = set()
    for word in _WORD.findall(text):
        if word in stop:
            continue
        found.add(stem(word))
        if expand:
            found.update(stem(s) for s in vocab.synonyms.get(word, []))
    return frozenset(found)


class FactBuilder:
    """Turns a profile and evidence items into facts (the lexicon links untagged words to requirements)."""

    def __init__(self, kb: KnowledgeBase, vocab: Vocabulary):
        self.kb, self.vocab = kb, vocab
        self._lexicon = [(pattern, frozenset(normalize(kb, entry.controls).requirements))
                         for pattern, entry in entry_patterns(kb)]

    def fact(self, source: str, kind: str, name: str, text: str, controls: list[str]) -> Fact:
        """One fact; ``controls`` in any spelling."""
        words = f"{name} {text}"
        linked = frozenset(r for pattern, reqs in self._lexicon if pattern.search(words) for r in reqs)
        return Fact(source, kind, name, text.strip(), normalize(self.kb, controls),
                    tokens(words, self.vocab, expand=True), linked)

    def from_profile(self, profile: SystemProfile) -> list[Fact]:
        """Services, components, roles and policies of the profile."""
        out = [self.fact(f"service:{s.name}", "service", s.name, s.does, s.controls) for s in profile.services]
        out += [self.fact(f"component:{c.name}", "component", c.name, c.description, c.controls)
                for c in profile.components if c.description or c.controls]
        out += [self.fact(f"role:{r.role}", "role", f"{r.role} ({r.person})" if r.person else r.role,
                          r.responsibilities, r.controls) for r in profile.roles if r.responsibilities or r.controls]
        out += [self.fact(f"policy:{p.name}", "policy", p.name, p.does, p.controls) for p in profile.policies]
        return out

    def from_evidence(self, items: list[EvidenceItem]) -> list[Fact]:
        """One fact per evidence item (its title and description)."""
        return [self.fact(f"evidence:{i.id}", "evidence", i.title or i.id, i.text() or i.id, i.controls)
                for i in items]
