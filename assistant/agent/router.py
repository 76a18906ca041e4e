"""Offline intent routing: keyword rules first, then similarity to example questions, then search.

The router also finds every control ID the question names, separates real IDs from ones the catalog
does not have, and carries the subject of the previous turn into a follow-up ("and for ISO?").
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from assistant.knowledge import Control, KnowledgeBase, UnknownControlError
from assistant.knowledge.ids import find_id_mentions

INTENTS = ("lookup", "crosswalk", "scoping", "fact", "sprs", "poam", "evidence", "recommend", "ssp", "search",
           "refusal")
SIMILARITY_THRESHOLD = 0.55

_OTHER_FRAMEWORK = {
    "iso27001-2022": re.compile(r"\b(iso|annex a|27001)\b", re.I),
    "cmmc-2.0": re.compile(r"\bcmmc\b", re.I),
    "nist-800-53r5": re.compile(r"\b800-53\b", re.I),
    "far-52.204-21": re.compile(r"\bfar\b|52\.204-21", re.I),
    "nist-800-171r2": re.compile(r"\b800-171\b|\bnist\b", re.I),
}
_POINT_VALUE = re.compile(r"\b(point value|how many (?:sprs )?points|worth|scored|value in sprs)\b", re.I)
_DIFFERENCE = re.compile(r"\b(difference|differ\w*|compare|comparison|vs\.?|versus)\b", re.I)
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("ssp", re.compile(r"\b(ssp narrative|draft\b.*\b(ssp|narrative|implementation statement)|system security plan"
                       r" (?:narrative|statement|entry)|write (?:the|our|an?) (?:ssp|narrative))", re.I)),
    ("poam", re.compile(r"\b(poa&?m|plan of action|conditional (?:status|certification|level)|closeout)\b", re.I)),
    ("sprs", re.compile(r"\b(sprs|score|points?|deduct\w*|-203)\b", re.I)),
    ("evidence", re.compile(r"\b(evidence|artifacts?|stale|gaps? in (?:our )?(?:evidence|documentation)|"
                            r"missing (?:evidence|documentation))\b", re.I)),
    ("recommend", re.compile(r"\b(which (?:framework|certification|standard)|iso (?:or|vs\.?|versus) cmmc|cmmc (?:or|"
                             r"vs\.?|versus) iso|start with|should we (?:get|do|pursue|go for)|do we (?:even )?need "
                             r"(?:cmmc|iso)|both (?:iso|cmmc)|one program)\b", re.I)),
    ("scoping", re.compile(r"\b(in[- ]scope|out[- ]of[- ]scope|scope|scoping|categor\w*|crma|contractor risk "
                           r"managed|security protection asset|specialized asset|enclave|cui asset)\b", re.I)),
    ("crosswalk", re.compile(r"\b(crosswalk|map(?:s|ped|ping)? (?:to|onto)|line up|lines up|correspond\w*|"
                             r"equivalent|counterpart|cover(?:s|ed)?|overlap\w*|which (?:iso|annex a|nist|cmmc)|"
                             r"annex a controls?|(?:for|in|to) iso\b|iso 27001 controls?|relate\w* to)", re.I)),
    ("fact", re.compile(r"\b(how often|cadence|every (?:year|three years)|annual\w*|affirm\w*|phase[- ]?(?:in|[1-4])"
                        r"|when (?:does|do|will|is)|deadline|levels?|c3pao|dibcac|self[- ]assessment|triennial|"
                        r"surveillance|recertif\w*|certificate|difference|differ|vs\.?|versus|not applicable|n/a|"
                        r"statement of applicability|soa|effective date|48 cfr|32 cfr|dfars|cycle|carry over|"
                        r"cloud provider|csp|fedramp|certification body|iso certif\w*)\b", re.I)),
]
_DOMAIN = re.compile(
    r"\b(cmmc|nist|800-171|800-172|800-53|iso|27001|27002|annex|cui|fci|sprs|poa&?m|dfars|far|c3pao|dibcac|"
    r"ssp|scop\w*|control|requirement|practice|assess\w*|audit\w*|complian\w*|securit\w*|evidence|polic\w*|"
    r"mfa|multifactor|encrypt\w*|fips|password|logs?|logging|access|incident|backup|vulnerab\w*|patch\w*|"
    r"malware|firewall|training|risk|asset|certif\w*|isms|soa|dod|defen[cs]e|contractor|enclave|authenticat\w*|"
    r"log[io]ns?|sign[- ]?ins?|brute|phishing|ransomware|vpn|wi-?fi|wireless|usb|removable|laptops?|servers?|"
    r"cloud|network\w*|accounts?|admins?|privileg\w*|e-?mail|devices?|visitors?|badges?|media|crypto\w*|"
    r"hardening|baseline|configuration|vendor|supplier|insider|monitor\w*|remote|session|screen ?lock)\b",
    re.I)
_LEGAL = re.compile(r"\b(will we pass|guarantee\w*|certify that we|legal advice|is it legal|legally|lawyer|attorney|"
                    r"sue[ds]?|lawsuit|liab\w*|fines?|false claims|go to jail|prosecut\w*|are we compliant\??$)", re.I)
_CREATIVE = re.compile(r"\b(poem|song|lyrics|joke|haiku|short story|recipe|limerick)\b", re.I)
_UNKNOWABLE = re.compile(r"\b(next year'?s|in 20[3-9]\d|predict|future version|rev(?:ision)? 4 of 800-171|"
                         r"what will (?:the )?dod)\b", re.I)
_FOLLOW_UP = re.compile(r"^\s*(and|what about|how about|same for|and for|also|then)\b|^\s*(for|in)\s+(iso|cmmc|nist)",
                        re.I)


@dataclass
class Route:
    """Where a question goes and what it is about."""

    intent: str
    controls: list[Control] = field(default_factory=list)
    unknown_ids: dict[str, str] = field(default_factory=dict)  # typed ID -> explanation with suggestions
    refusal_reason: str | None = None
    follow_up: bool = False
    matched_by: str = "rules"


class Router:
    """Classify questions; ``embed`` (optional) enables the similarity fallback."""

    def __init__(self, kb: KnowledgeBase, examples_file: Path, embed: Callable[[list[str]], np.ndarray] | None = None,
                 domain_probe: Callable[[str], bool] | None = None):
        self.kb = kb
        self._domain_probe = domain_probe
        self._examples = {k: list(v) for k, v in yaml.safe_load(examples_file.read_text(encoding="utf-8")).items()}
        self._embed = embed
        self._example_vectors: tuple[list[str], np.ndarray] | None = None
        self._lock = threading.Lock()

    def route(self, question: str, previous_subject: list[Control] | None = None,
              previous_intent: str | None = None) -> Route:
        """The intent of ``question``, the controls it names, and any IDs that do not exist."""
        controls, unknown = self._ids(question)
        follow_up = bool(_FOLLOW_UP.search(question)) and not controls and bool(previous_subject)
        if follow_up and previous_subject:
            controls = list(previous_subject)
        if unknown and not controls:
            return Route("refusal", [], unknown, refusal_reason="unknown control ID")
        if _LEGAL.search(question):
            return Route("refusal", controls, unknown, refusal_reason="legal or certainty question")
        if _CREATIVE.search(question):
            return Route("refusal", controls, unknown, refusal_reason="out of domain")
        if _UNKNOWABLE.search(question):
            return Route("refusal", controls, unknown, refusal_reason="unknowable")
        if not controls and not follow_up and not self._in_domain(question):
            return Route("refusal", [], unknown, refusal_reason="out of domain")
        intent = self._rules(question, controls, follow_up, previous_intent)
        if intent:
            return Route(intent, controls, unknown, follow_up=follow_up)
        if controls:  # a named control with no other cue: say what it is (similarity is for ID-less questions)
            return Route("lookup", controls, unknown, follow_up=follow_up)
        similar = self._similar(question)
        if similar:
            return Route(similar, controls, unknown, follow_up=follow_up, matched_by="similarity")
        return Route("lookup" if controls else "search", controls, unknown, follow_up=follow_up)

    def _in_domain(self, question: str) -> bool:
        if _DOMAIN.search(question):
            return True
        return bool(self._domain_probe and self._domain_probe(question))

    def _rules(self, question: str, controls: list[Control], follow_up: bool, previous: str | None) -> str | None:
        if follow_up and re.search(r"\b(iso|annex|nist|cmmc|800-53|far)\b", question, re.I):
            return "crosswalk"
        if controls and _POINT_VALUE.search(question) and not re.search(r"\bpoa&?m\b", question, re.I):
            return "lookup"  # "how many points is 3.1.1 worth": the lookup shows the value
        if controls and not re.search(r"\b(ssp|narrative|poa&?m|score)\b", question, re.I) and any(
                pattern.search(question) and not any(c.framework.value == fw for c in controls)
                for fw, pattern in _OTHER_FRAMEWORK.items()):
            return "crosswalk"  # an ID of one framework and the name of another
        if not controls and _DIFFERENCE.search(question):
            return "fact"
        for intent, pattern in _RULES:
            if pattern.search(question):
                if intent == "crosswalk" and not controls:
                    continue  # "which ISO controls cover MFA?" needs search first; handled below
                return intent
        if follow_up and previous:
            return previous
        return None

    def _ids(self, question: str) -> tuple[list[Control], dict[str, str]]:
        controls: list[Control] = []
        unknown: dict[str, str] = {}
        for mention in find_id_mentions(question):
            try:
                control = self.kb.resolve(mention.text)
            except UnknownControlError as exc:
                unknown[mention.text] = exc.message
                continue
            if control not in controls:
                controls.append(control)
        return controls, unknown

    def _similar(self, question: str) -> str | None:
        if self._embed is None:
            return None
        with self._lock:
            if self._example_vectors is None:
                labels = [intent for intent, examples in self._examples.items() for _ in examples]
                texts = [example for examples in self._examples.values() for example in examples]
                self._example_vectors = (labels, self._embed(texts))
        labels, vectors = self._example_vectors
        scores = vectors @ self._embed([question])[0]
        best = int(np.argmax(scores))
        return labels[best] if float(scores[best]) >= SIMILARITY_THRESHOLD else None
