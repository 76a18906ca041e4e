"""``QuestionFrame``: what a question names and asks, read once and handed to every skill.

Hard tokens (control IDs, framework names, levels, numbers, dates) are read with patterns; what the
question *asks* comes from the learned intent classifier (``understanding.intents``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from assistant.knowledge import Control, KnowledgeBase, UnknownControlError
from assistant.knowledge.ids import find_id_mentions
from assistant.knowledge.lexicon import entry_patterns

_FRAMEWORK_NAMES: dict[str, re.Pattern[str]] = {
    # "ISO" alone or ISO 27001, not another ISO standard ("ISO 9001", "ISO/IEC 27002")
    "iso27001-2022": re.compile(r"\b(iso(?:/iec)?(?: ?27001)?(?![\s/-]*(?:iec\s*)?\d)|annex a|27001|soa)\b", re.I),
    "cmmc-2.0": re.compile(r"\bcmmc\b", re.I),
    "nist-800-53r5": re.compile(r"\b(?:sp )?800-53\b", re.I),
    "far-52.204-21": re.compile(r"\bfar\b|52\.204-21", re.I),
    "nist-800-172": re.compile(r"\b800-172\b", re.I),
    "nist-800-171r2": re.compile(r"\b800-171a?\b|\bnist\b", re.I),
}
# The regulations this assistant answers from, cited by number: in-domain evidence however unusual the wording.
_REGULATIONS = re.compile(
    r"\b(?:far\s*)?52\.204-21\b|\b(?:dfars\s*)?(?:252\.204-|dfars\s*)70(?:1[2-9]|2[01])\b"
    r"|\b(?:32\s*cfr\s*(?:part\s*)?170|48\s*cfr\s*(?:part\s*)?(?:204(?:\.75\d*)?|252))\b"
    r"|\b(?:nist\s*)?(?:sp\s*)?800-(?:171a?|172a?|53a?)\b", re.I)
# Words only this domain uses (CUI, SPRS, C3PAO...): evidence like a framework name.
_DOMAIN_TERMS = re.compile(r"\b(?:cui|fci|cdi|sprs|c3pao|dibcac|poa&?m|ssp|dfars|cyber ?ab|dib|enclave|"
                           r"controlled unclassified|federal contract information)\b", re.I)
# Other standards and laws, named: outside this domain unless one of ours is named beside them ("how many failed
# logons does PCI DSS allow?" is PCI's question; "does ISO 27001 help with GDPR?" is ours).
_OTHER_STANDARDS = re.compile(
    r"\b(?:gdpr|ccpa|cpra|hipaa|hitrust|pci[ -]?dss|soc ?[123]|ssae ?1[68]|nis ?2|dora|eu ai act|ai act|sbir|sttr|"
    r"nispom|32 cfr (?:part )?117|sarbanes|sox|glba|ferpa|coppa|as ?9100|iso(?:/iec)? ?(?:9001|14001|42001|27701|"
    r"22301|20000|45001|13485))\b", re.I)
LEVEL_MENTION = re.compile(r"\b(?:level|lvl|l)\s*-?\s*([123])\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?![\w.])")
_DATE = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
_DOMAINS_ASKED = re.compile(r"\b(?:domains|families)\b", re.I)  # "which domains does Level 1 cover?"
_FOLLOW_UP = re.compile(r"^\s*(and|what about|how about|same for|and for|also|then)\b|^\s*(for|in)\s+(iso|cmmc|nist)",
                        re.I)


@dataclass
class Ask:
    """One thing the question asks for, with the classifier's confidence."""

    intent: str
    confidence: float
    text: str = ""  # the part of the question this ask was read from


@dataclass
class QuestionFrame:
    """IDs, frameworks, levels, numbers, dates, the described asset and the ranked asks of one question."""

    question: str
    controls: list[Control] = field(default_factory=list)
    unknown_ids: dict[str, str] = field(default_factory=dict)  # typed ID -> explanation with suggestions
    frameworks: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    asset: str = ""
    families: list[str] = field(default_factory=list)  # 800-171 family IDs named ("SC", "Access Control", "3.13")
    domains_asked: bool = False  # the question asks about domains or families in the plural
    regulations: list[str] = field(default_factory=list)  # in-domain regulations cited by number ("FAR 52.204-21")
    practices: list[str] = field(default_factory=list)  # 800-171 requirements of the practices named ("MFA", "BYOD")
    asks: list[Ask] = field(default_factory=list)
    follow_up: bool = False
    previous_intent: str | None = None
    alternatives: list[Ask] = field(default_factory=list)  # readings close to the first ask

    @property
    def intent(self) -> str:
        """The first ask's intent (``search`` when nothing was read)."""
        return self.asks[0].intent if self.asks else "search"

    @property
    def level(self) -> int | None:
        """The CMMC level named first, if any."""
        return self.levels[0] if self.levels else None

    @property
    def evidence(self) -> str:
        """How surely the question's own tokens place it in the domain: ``strong`` (a control ID or an in-domain
        regulation cited by number), ``framework`` (CMMC, ISO 27001 or NIST named, or a term only this domain
        uses, such as CUI or SPRS), ``foreign`` (only another standard or law named: GDPR, PCI DSS, SOC 2 …) or
        ``none``."""
        if self.controls or self.unknown_ids or self.regulations:
            return "strong"
        if self.frameworks or _DOMAIN_TERMS.search(self.question):
            return "framework"
        return "foreign" if _OTHER_STANDARDS.search(self.question) else "none"

    def names(self, framework: str) -> bool:
        """Whether the question names ``framework`` (an ID of ``FrameworkId``)."""
        return framework in self.frameworks


def only_level(text: str, level: int) -> str:
    """``text`` with every mention of a CMMC level other than ``level`` removed ("Level 1, Level 2 and Level 3"
    → "Level 1, and"): the part of a comparison that is about one level."""
    return LEVEL_MENTION.sub(lambda m: m.group(0) if m.group(1) == str(level) else "", text)


def read_tokens(kb: KnowledgeBase, question: str, previous_subject: list[Control] | None = None,
                previous_intent: str | None = None) -> QuestionFrame:
    """Every hard token of ``question``; a follow-up ("and for ISO?") inherits the previous subject."""
    controls, unknown = _ids(kb, question)
    follow_up = bool(_FOLLOW_UP.search(question)) and not controls and bool(previous_subject)
    if follow_up and previous_subject:
        controls = list(previous_subject)
    without_ids = _strip_ids(question)
    return QuestionFrame(
        question=question, controls=controls, unknown_ids=unknown,
        frameworks=frameworks_named(question),
        levels=[int(m.group(1)) for m in LEVEL_MENTION.finditer(without_ids)],
        numbers=[float(m.group(0).replace("−", "-")) for m in _NUMBER.finditer(without_ids)],
        dates=[d for d in (_date(m) for m in _DATE.finditer(question)) if d],
        asset=question.strip(), families=_families(kb, without_ids), follow_up=follow_up,
        domains_asked=bool(_DOMAINS_ASKED.search(without_ids)),
        previous_intent=previous_intent, regulations=_regulations(question), practices=_practices(kb, without_ids),
    )


def frameworks_named(text: str) -> list[str]:
    """The frameworks ``text`` names ("ISO 27001", "800-171", "CMMC" …), by framework ID."""
    return [fw for fw, pattern in _FRAMEWORK_NAMES.items() if pattern.search(text)]


def regulations_cited(text: str) -> list[str]:
    """In-domain regulations ``text`` cites by number (once each)."""
    return _regulations(text)


def _regulations(question: str) -> list[str]:
    """In-domain regulations cited by number, as written (once each)."""
    return list(dict.fromkeys(" ".join(m.group(0).split()) for m in _REGULATIONS.finditer(question)))


def _practices(kb: KnowledgeBase, text: str) -> list[str]:
    """The 800-171 requirements of the practices and products the question names, through the practitioner
    lexicon (``knowledge/authored/lexicon.yaml``): "is BYOD allowed?" names 3.1.20 and 3.1.18."""
    found: list[str] = []
    for pattern, entry in entry_patterns(kb, plurals=True):
        if pattern.search(text):
            found.extend(c for c in entry.controls if c not in found)
    return found


def _families(kb: KnowledgeBase, text: str) -> list[str]:
    """800-171 families named by name ("Media Protection"), by CMMC domain abbreviation used as a name
    ("the SC domain", "(AC)", "AU family") or by number ("3.13 family")."""
    found: list[str] = []
    for family_id, name, abbreviation in _family_names(kb):
        by_name = re.search(rf"\b{re.escape(name)}\b", text, re.I)
        by_abbreviation = re.search(rf"\({abbreviation}\)|\b{abbreviation}\s+(?:family|domain|practices|"
                                    rf"requirements|controls)\b|\b(?:family|domain)\s+{abbreviation}\b", text)
        by_number = re.search(rf"\b{re.escape(family_id)}\s+(?:family|requirements)\b", text, re.I)
        if (by_name or by_abbreviation or by_number) and family_id not in found:
            found.append(family_id)
    return found


def _family_names(kb: KnowledgeBase) -> list[tuple[str, str, str]]:
    """(family ID, name, CMMC abbreviation) of every NIST SP 800-171 Rev 2 family."""
    from assistant.knowledge import FrameworkId

    families: dict[str, tuple[str, str, str]] = {}
    for control in kb.controls(FrameworkId.NIST_800_171R2):
        practice = next((e.target for e in kb.crosswalk(control, FrameworkId.CMMC_2)), "")
        families.setdefault(control.family_id, (control.family_id, control.family, practice.split(".")[0]))
    return list(families.values())


def _ids(kb: KnowledgeBase, question: str) -> tuple[list[Control], dict[str, str]]:
    controls: list[Control] = []
    unknown: dict[str, str] = {}
    for mention in find_id_mentions(question):
        try:
            control = kb.resolve(mention.text)
        except UnknownControlError as exc:
            unknown[mention.text] = exc.message
            continue
        if control not in controls:
            controls.append(control)
    return controls, unknown


def _strip_ids(question: str) -> str:
    text = question
    for mention in find_id_mentions(question):
        text = text.replace(mention.text, " ")
    return text


def _date(match: re.Match[str]) -> date | None:
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
