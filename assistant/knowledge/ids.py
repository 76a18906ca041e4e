"""Parse the many ways people write control IDs into canonical (framework, ID) candidates.

Parsing is purely syntactic: it proposes candidates in order of likelihood, and the
``KnowledgeBase`` decides which one exists. Canonical spellings:

==================  =====================================
NIST SP 800-171 r2  ``3.1.1``           objective ``3.1.1[a]``
NIST SP 800-172     ``3.1.2e``          objective ``3.1.2e[a]``, ``3.1.3e[ODP1]``
NIST SP 800-171 r3  ``03.04.12``
NIST SP 800-53 r5   ``AC-2``, ``AC-2(1)``
CMMC 2.0            ``AC.L1-b.1.i``, ``AC.L2-3.1.1``, ``AC.L3-3.1.2e``
FAR 52.204-21       ``b.1.i``
ISO 27001:2022      ``A.5.15``, clause ``6.1.2``
ISO 27001:2013      ``A.9.2.3``
==================  =====================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.knowledge.models import FrameworkId

_ROMAN = r"(?:xv|xiv|xiii|xii|xi|x|ix|viii|vii|vi|v|iv|iii|ii|i)"


@dataclass(frozen=True)
class IdCandidate:
    """One reading of a typed ID: the framework it would belong to and its canonical spelling."""

    framework: FrameworkId
    canonical: str


@dataclass(frozen=True)
class _Hints:
    framework: FrameworkId | None = None
    annex: bool = False


# Prefixes people type before an ID, and what each tells us. Order matters: longest first.
_PREFIXES: list[tuple[re.Pattern[str], _Hints]] = [
    (re.compile(r"^nist\s*(?:sp\s*)?800-171\s*(?:r|rev\.?|revision)\s*3\b[\s:,-]*", re.I),
     _Hints(FrameworkId.NIST_800_171R3)),
    (re.compile(r"^nist\s*(?:sp\s*)?800-171a?\s*(?:(?:r|rev\.?|revision)\s*2\b)?[\s:,-]*", re.I),
     _Hints(FrameworkId.NIST_800_171R2)),
    (re.compile(r"^(?:sp\s*)?800-171a?\s*(?:(?:r|rev\.?|revision)\s*2\b)?[\s:,-]*", re.I),
     _Hints(FrameworkId.NIST_800_171R2)),
    (re.compile(r"^(?:nist\s*)?(?:sp\s*)?800-172a?[\s:,-]*", re.I), _Hints(FrameworkId.NIST_800_172)),
    (re.compile(r"^(?:nist\s*)?(?:sp\s*)?800-53\s*(?:(?:r|rev\.?|revision)\s*5\b)?[\s:,-]*", re.I),
     _Hints(FrameworkId.NIST_800_53R5)),
    (re.compile(r"^iso(?:/iec)?\s*27001\s*:?\s*2013[\s:,-]*", re.I), _Hints(FrameworkId.ISO_27001_2013)),
    (re.compile(r"^iso(?:/iec)?\s*27001(?:\s*:?\s*2022)?[\s:,-]*", re.I), _Hints(FrameworkId.ISO_27001_2022)),
    (re.compile(r"^annex\s*a\s*(?:control)?[\s:,-]*", re.I), _Hints(annex=True)),
    (re.compile(r"^clause[\s:,-]*", re.I), _Hints(FrameworkId.ISO_27001_2022)),
    (re.compile(r"^cmmc\s*(?:2(?:\.0)?)?\s*(?:level\s*[123]|l[123])?[\s:,-]*", re.I), _Hints(FrameworkId.CMMC_2)),
    (re.compile(r"^(?:far\s*)?52\.204-21\s*", re.I), _Hints(FrameworkId.FAR_52_204_21)),
    (re.compile(r"^far[\s:,-]*", re.I), _Hints(FrameworkId.FAR_52_204_21)),
    (re.compile(r"^(?:requirement|control|practice|req\.?)[\s:#-]*", re.I), _Hints()),
]

_CMMC = re.compile(r"^(?P<dom>[a-z]{2})\.\s*l(?P<lvl>[123])\s*-\s*(?P<rest>.+)$", re.I)
_OBJ_171 = re.compile(r"^3\.(?P<f>\d{1,2})\.(?P<n>\d{1,2})\s*\[\s*(?P<o>[a-z])\s*\]$", re.I)
_REQ_172 = re.compile(r"^3\.(?P<f>\d{1,2})\.(?P<n>\d{1,2})\s*e$", re.I)
_OBJ_172 = re.compile(
    r"^3\.(?P<f>\d{1,2})\.(?P<n>\d{1,2})\s*e\s*\[\s*(?P<o>[a-z]|odp\s*\d{1,2})\s*\]$", re.I
)
_REQ_171 = re.compile(r"^3\.(?P<f>\d{1,2})\.(?P<n>\d{1,2})$")
_REQ_171R3 = re.compile(r"^0(?P<m>3)\.(?P<f>\d{1,2})\.(?P<n>\d{1,2})$")
_FAR = re.compile(rf"^\(?b\)?\s*\.?\s*\(?1\)?\s*\.?\s*\(?(?P<r>{_ROMAN})\)?$", re.I)
_ISO_ANNEX = re.compile(
    r"^a\s*\.?\s*(?P<t>\d{1,2})(?:\s*\.\s*(?P<c>\d{1,2}))?(?:\s*\.\s*(?P<s>\d{1,2}))?$", re.I
)
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})(?:\.(?P<b>\d{1,2}))?(?:\.(?P<c>\d{1,2}))?$")
_SP800_53 = re.compile(r"^(?P<fam>[a-z]{2})\s*-\s*0*(?P<n>\d{1,2})(?:\s*\(\s*0*(?P<e>\d{1,2})\s*\))?$", re.I)


def _strip_prefixes(text: str) -> tuple[str, _Hints]:
    hints = _Hints()
    changed = True
    while changed:
        changed = False
        for pattern, hint in _PREFIXES:
            match = pattern.match(text)
            if match and match.end() > 0 and match.end() < len(text):
                text = text[match.end():].strip()
                hints = _Hints(hint.framework or hints.framework, hint.annex or hints.annex)
                changed = True
    return text, hints


def normalize_spacing(text: str) -> str:
    """Collapse whitespace and drop trailing punctuation people add in chat."""
    return re.sub(r"\s+", " ", text).strip().rstrip(".,;:?!").strip()


def parse_id(text: str) -> list[IdCandidate]:
    """Return every plausible (framework, canonical ID) reading of ``text``, most likely first."""
    body, hints = _strip_prefixes(normalize_spacing(text))
    found = _parse_body(body, hints)
    if hints.framework is not None:
        preferred = [c for c in found if c.framework == hints.framework or _compatible(hints, c)]
        return preferred + [c for c in found if c not in preferred]
    return found


def _compatible(hints: _Hints, cand: IdCandidate) -> bool:
    related = {
        FrameworkId.NIST_800_171R2: {FrameworkId.NIST_800_171A},
        FrameworkId.NIST_800_172: {FrameworkId.NIST_800_172A},
    }
    return hints.framework is not None and cand.framework in related.get(hints.framework, set())


def _parse_body(body: str, hints: _Hints) -> list[IdCandidate]:
    cmmc = _CMMC.match(body)
    if cmmc:
        return _parse_cmmc(cmmc.group("dom"), int(cmmc.group("lvl")), cmmc.group("rest").strip())
    for parser in (_parse_nist, _parse_far, _parse_iso, _parse_800_53):
        result = parser(body, hints)
        if result:
            return result
    return []


def _parse_cmmc(domain: str, level: int, rest: str) -> list[IdCandidate]:
    dom = domain.upper()
    objective = re.match(r"^(?P<base>.+?)\s*\[\s*(?P<o>[a-z]|odp\s*\d+)\s*\]$", rest, re.I)
    if objective:
        inner = _parse_nist(f"{objective.group('base')}[{objective.group('o')}]", _Hints())
        return [c for c in inner if c.framework in (FrameworkId.NIST_800_171A, FrameworkId.NIST_800_172A)]
    far = _FAR.match(rest)
    if level == 1 and far:
        return [IdCandidate(FrameworkId.CMMC_2, f"{dom}.L1-b.1.{far.group('r').lower()}")]
    req172 = _REQ_172.match(rest)
    if req172:
        return [IdCandidate(FrameworkId.CMMC_2, f"{dom}.L{level}-3.{int(req172['f'])}.{int(req172['n'])}e")]
    req171 = _REQ_171.match(rest)
    if req171:
        return [IdCandidate(FrameworkId.CMMC_2, f"{dom}.L{level}-3.{int(req171['f'])}.{int(req171['n'])}")]
    return []


def _parse_nist(body: str, hints: _Hints) -> list[IdCandidate]:
    if m := _OBJ_171.match(body):
        return [IdCandidate(FrameworkId.NIST_800_171A, f"3.{int(m['f'])}.{int(m['n'])}[{m['o'].lower()}]")]
    if m := _OBJ_172.match(body):
        label = m["o"].upper().replace(" ", "") if m["o"].lower().startswith("odp") else m["o"].lower()
        return [IdCandidate(FrameworkId.NIST_800_172A, f"3.{int(m['f'])}.{int(m['n'])}e[{label}]")]
    if m := _REQ_172.match(body):
        return [IdCandidate(FrameworkId.NIST_800_172, f"3.{int(m['f'])}.{int(m['n'])}e")]
    if m := _REQ_171R3.match(body):
        return [IdCandidate(FrameworkId.NIST_800_171R3, f"03.{int(m['f']):02d}.{int(m['n']):02d}")]
    if (m := _REQ_171.match(body)) and hints.framework is not FrameworkId.NIST_800_171R3:
        return [IdCandidate(FrameworkId.NIST_800_171R2, f"3.{int(m['f'])}.{int(m['n'])}")]
    rev3_short = _REQ_171.match(body) or re.match(r"^(?P<f>\d{1,2})\.(?P<n>\d{1,2})$", body)
    if rev3_short and hints.framework is FrameworkId.NIST_800_171R3:
        m = rev3_short
        return [IdCandidate(FrameworkId.NIST_800_171R3, f"03.{int(m['f']):02d}.{int(m['n']):02d}")]
    return []


def _parse_far(body: str, hints: _Hints) -> list[IdCandidate]:
    if m := _FAR.match(body):
        return [IdCandidate(FrameworkId.FAR_52_204_21, f"b.1.{m['r'].lower()}")]
    return []


def _parse_iso(body: str, hints: _Hints) -> list[IdCandidate]:
    if m := _ISO_ANNEX.match(body):
        if m["c"] is None:
            framework = hints.framework if hints.framework is FrameworkId.ISO_27001_2013 else FrameworkId.ISO_27001_2022
            return [IdCandidate(framework, f"A.{int(m['t'])}")]
        return _annex_candidates(int(m["t"]), int(m["c"]), m["s"], hints)
    m = _NUMERIC.match(body)
    if not m or not 4 <= int(m["a"]) <= 18:
        return []
    parts = [p for p in (m["a"], m["b"], m["c"]) if p is not None]
    clause = IdCandidate(FrameworkId.ISO_27001_2022, ".".join(str(int(p)) for p in parts))
    if hints.annex and len(parts) >= 2:
        return _annex_candidates(int(parts[0]), int(parts[1]), parts[2] if len(parts) > 2 else None, hints)
    annex = _annex_candidates(int(parts[0]), int(parts[1]), m["c"], hints) if len(parts) >= 2 else []
    if hints.framework is FrameworkId.ISO_27001_2013:
        clause = IdCandidate(FrameworkId.ISO_27001_2013, clause.canonical)
        return [clause, *annex]
    return [clause, *annex] if int(parts[0]) <= 10 else annex


def _annex_candidates(theme: int, control: int, sub: str | None, hints: _Hints) -> list[IdCandidate]:
    if sub is not None:
        return [IdCandidate(FrameworkId.ISO_27001_2013, f"A.{theme}.{control}.{int(sub)}")]
    if hints.framework is FrameworkId.ISO_27001_2013:
        return [IdCandidate(FrameworkId.ISO_27001_2013, f"A.{theme}.{control}")]
    return [IdCandidate(FrameworkId.ISO_27001_2022, f"A.{theme}.{control}")]


def _parse_800_53(body: str, hints: _Hints) -> list[IdCandidate]:
    if m := _SP800_53.match(body):
        base = f"{m['fam'].upper()}-{int(m['n'])}"
        return [IdCandidate(FrameworkId.NIST_800_53R5, f"{base}({int(m['e'])})" if m["e"] else base)]
    return []


# ---------------------------------------------------------------------------------------------
# Finding ID mentions inside free text (questions, answers written by an LLM).

_MENTION = re.compile(
    r"""
    (?P<cmmc>\b[A-Z]{2}\.L[123]-(?:3\.\d{1,2}\.\d{1,2}e?|b\.1\.[ivx]+)(?:\[[a-zA-Z0-9]+\])?)
  | (?P<cmmclike>\b[A-Z]{2}\.(?:L[123]-)?\d{1,2}\.\d{1,3}(?:\.\d{1,3})?\b)
  | (?P<r3>\b03\.\d{2}\.\d{2}\b)
  | (?P<obj>\b3\.\d{1,2}\.\d{1,2}e?\s?\[[a-zA-Z0-9]+\])
  | (?P<r172>\b3\.\d{1,2}\.\d{1,2}e\b)
  | (?P<r171>\b3\.\d{1,2}\.\d{1,2}\b(?!\.\d))
  | (?P<annex>\bA\.\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\b(?!\.\d))
  | (?P<annexword>\b(?i:annex)\s+[Aa]\s+\d{1,2}\.\d{1,2}\b)
  | (?P<clause>\bclause\s+(?:[4-9]|10)(?:\.\d{1,2}){0,2}\b(?![.\d-]))
  | (?P<far>\bb\.1\.[ivx]+\b|\(b\)\(1\)\([ivx]+\))
  | (?P<sp53>\b(?:AC|AT|AU|CA|CM|CP|IA|IR|MA|MP|PE|PL|PM|PS|PT|RA|SA|SC|SI|SR)-\d{1,2}(?:\s?\(\d{1,2}\))?(?![\w-]))
    """,
    re.X,
)


@dataclass(frozen=True)
class IdMention:
    """A span of free text that looks like a control ID."""

    text: str
    start: int
    end: int


# "(b)(1)(i) and (iii)", "(b)(1)(i), (ii) or (iv)": the later items of a FAR list name only their roman numeral.
_FAR_MORE = re.compile(r"\s*(?:,\s*(?:and|or|&)?|and|or|&)\s*\((?P<r>[ivx]+)\)", re.I)


def find_id_mentions(text: str) -> list[IdMention]:
    """Find spans of ``text`` that look like control IDs (resolution is the KnowledgeBase's job)."""
    found = []
    for m in _MENTION.finditer(text):
        found.append(IdMention(m.group(0), m.start(), m.end()))
        end = m.end()
        while m["far"] and m["far"].startswith("(") and (more := _FAR_MORE.match(text, end)):
            found.append(IdMention(f"(b)(1)({more['r'].lower()})", more.start("r") - 1, more.end()))
            end = more.end()
    return found


_FRAMEWORK_ALIASES = {
    FrameworkId.NIST_800_171R2: {"171", "800-171", "nist-800-171", "nist-800-171r2", "800-171r2", "rev2", "r2"},
    FrameworkId.NIST_800_171A: {"171a", "800-171a", "nist-800-171a", "objectives"},
    FrameworkId.NIST_800_171R3: {"800-171r3", "nist-800-171r3", "rev3", "r3"},
    FrameworkId.NIST_800_172: {"172", "800-172", "nist-800-172"},
    FrameworkId.NIST_800_172A: {"172a", "800-172a", "nist-800-172a"},
    FrameworkId.NIST_800_53R5: {"53", "800-53", "nist-800-53", "nist-800-53r5", "800-53r5"},
    FrameworkId.CMMC_2: {"cmmc", "cmmc-2.0", "cmmc2", "cmmc-2"},
    FrameworkId.FAR_52_204_21: {"far", "52.204-21", "far-52.204-21"},
    FrameworkId.ISO_27001_2022: {"iso", "iso27001", "iso-27001", "27001", "iso27001-2022", "iso-27001-2022"},
    FrameworkId.ISO_27001_2013: {"iso27001-2013", "iso-27001-2013", "iso2013"},
}


def parse_framework(text: str) -> FrameworkId:
    """Turn what a user types for a framework (``171``, ``cmmc``, ``iso``…) into its ``FrameworkId``."""
    wanted = text.strip().lower().replace(" ", "-").replace(":", "-")
    for framework, aliases in _FRAMEWORK_ALIASES.items():
        if wanted in aliases:
            return framework
    known = ", ".join(sorted(f.value for f in FrameworkId))
    raise ValueError(f"unknown framework '{text}'; use one of: {known} (or short forms such as 171, cmmc, iso, 53)")


def natural_key(control_id: str) -> tuple[tuple[int, str], ...]:
    """Sort key that orders IDs as people read them: A.8.2 before A.8.18, 3.1.2 before 3.1.10."""
    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in re.findall(r"\d+|[A-Za-z]+", control_id))
