"""CUI marking detector: decide whether a Slack message carries CUI markings, so it is never read, echoed,
stored or sent to the assistant.

What counts as a marking (32 CFR 2002.20; DoDI 5200.48; the CUI Registry at archives.gov/cui and
dodcui.mil; DoDI 5230.24 for distribution statements):

``banner``        the CUI control marking on a line of its own: ``CUI``, ``CONTROLLED`` or the spelled-out
                  ``Controlled Unclassified Information`` (any case), alone, or opening a line followed by a
                  separator (``CUI - Drawing 4471``, ``CUI: spec``), or an e-mail style ``[CUI]`` tag.
``category``      banner syntax with categories / controls: ``CUI//SP-CTI``, ``CONTROLLED//SP-EXPT//NOFORN``,
                  ``CUI//SP-PRVCY/PROPIN//FEDCON``; spacing and slash variants (``CUI // SP-CTI``, ``CUI/SP-CTI``,
                  ``CUI//SP CTI``, ``CUI\\SP-CTI``, ``CUI-SP-CTI``), and a bare ``SP-CTI`` style category.
``portion``       a portion marking opening a line or a sentence and followed by text: ``(CUI)``, ``(U)``,
                  ``(CUI//SP-PRVCY)``, ``(U//FOUO)``, ``(CUI//NF)``.
``dissemination`` limited dissemination controls from the CUI Registry: ``NOFORN``, ``FEDCON``, ``NOCON``,
                  ``FED ONLY``, ``DL ONLY``, ``REL TO USA, …``, ``DISPLAY ONLY``.
``legacy``        pre-CUI markings: ``FOUO`` / ``For Official Use Only``, ``U//FOUO``, ``SBU`` / ``Sensitive But
                  Unclassified``, ``LES`` / ``Law Enforcement Sensitive``, ``Limited Official Use``, ``LIMDIS``.
``designation``   the designation indicator block: ``Controlled by:`` with another of ``CUI Category:``,
                  ``Distribution/Dissemination Control:`` / ``LDC:`` / ``Distribution Statement:``, ``POC:``;
                  or a ``CUI Category: <value>`` line.
``distribution``  DoD distribution statements B to F (``DISTRIBUTION STATEMENT D.``, ``Dist Statement C``,
                  ``Distribution Statement E:``) as a line or followed by their text, and the statement text
                  itself ("Distribution authorized to U.S. Government agencies …", "Further dissemination only
                  as directed by …"). Statement A (public release) is never a marking.
``export``        export-control warnings: "… technical data whose export is restricted by the Arms Export
                  Control Act …", the ITAR/EAR "export of information contained herein … may constitute a
                  violation of law" notice, "This document contains ITAR-controlled technical data",
                  ``EXPORT CONTROLLED`` / ``ITAR CONTROLLED`` banners.

Markings, not mentions. Every candidate is found on normalized text (``cui_normalize``) and then judged by
where it stands:

1. Structure always blocks: a line made only of markings (``CUI``, ``CUI//SP-CTI``, ``NOFORN``,
   ``DISTRIBUTION STATEMENT D``) unless it ends in ``?``, even when it is the whole message; a designation
   indicator block; a distribution statement followed by its "Distribution authorized to …" text.
2. A marking that opens a line (after bullets, quote signs and ``Subject:`` / ``Marking:``-style labels),
   or a portion marking opening a sentence, is a document marking: ``CUI - Drawing 4471``, ``(CUI) The
   radar …``, ``CUI//SP-CTI drawing 4471-B, can you check this?``. It is a mention only when its sentence
   is a question *about the marking* ("``CUI//SP-CTI``: what does SP mean?", "FOUO: is it still used?") or
   defines it ("FOUO was replaced by CUI …"). A bare ``CUI:`` opening a question is a topic, not a banner
   ("CUI: what should we do about Slack?").
3. Marking syntax inside a sentence (``CUI//…``, ``FOUO``, ``NOFORN``, the export warning, the
   distribution statement text) is a marking unless the sentence is a question about the marking (it has
   a ``?`` or opens with what/how/is/do/should…, and talks about marking or handling — mean, banner,
   label, mark, still used, required, allowed, difference, policy, store, share… — or quotes the
   marking), a statement about marking practice ("We mark drawings CUI//SP-CTI per DoDI 5200.48"), or a
   statement about a kind of document ("We don't have any FOUO documents left"). A marking pointed at
   ("this CUI//SP-CTI drawing", "the attached FOUO roster") or followed by ``:`` and more text ("CUI//SP-EXPT
   data: range 40 km") is always a marking.
4. A bare "CUI" inside a sentence is never a marking ("is Jira in scope if engineers paste CUI?", "our
   CUI enclave", "a CUI Asset"); a bare "CUI" in a *file name or title* is one, unless the name is about
   the programme (policy, training, guide, plan, SSP, registry, template …).

Known limits: in message text a bare ``CUI`` followed by words with no separator ("CUI Drawing 4471") is
not read as a banner (it cannot be told from "CUI enclave question"); a payload typed as a question that
talks about marking or handling can pass under rule 3; classification markings (SECRET, TOP SECRET) are
out of scope except where they carry NOFORN / REL TO.

So "what does CUI//SP-CTI mean?", "do we need to mark emails with a CUI banner?", "is FOUO still used?"
pass; a paragraph under a banner, a pasted portion-marked document, a designation block, a drawing title
``CUI//SP-CTI drawing 4471-B`` are withheld.

``scan_payload`` reads a Slack event or interaction payload (message text, the message a shortcut
targets, attachment titles/text/fallback, rich-text blocks, file names, titles and previews) and returns
a ``Verdict`` naming the families and fields that matched, never the matched text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from integrations.slack.cui_normalize import normalize

Kind = Literal["text", "name"]
FAMILIES = ("banner", "category", "portion", "dissemination", "legacy", "designation", "distribution", "export")

# ---- vocabulary --------------------------------------------------------------------------------------

_B = r"(?<![A-Za-z0-9])"  # token start
_E = r"(?![A-Za-z0-9])"  # token end
_SLASH = r"(?:/\s*/|/|\\\s*\\|\\)"
_LDC_WORDS = r"NOFORN|FEDCON|NOCON|FED\s?ONLY|DL\s?ONLY|DISPLAY\s?ONLY|REL\s?TO|NF|AC|AWP|ATTORNEY[- ](?:CLIENT|WP)"
_COUNTRY_LIST = r"(?:\s*,?\s*(?:USA|[A-Z]{3}|FVEY|NATO|ACGU))*"

# CUI / CONTROLLED followed by category or dissemination markings: the whole banner chain is one match.
_CATEGORY = re.compile(
    rf"{_B}(?P<control>CUI|CONTROLLED)\s*(?P<slash>{_SLASH})\s*"
    r"(?P<first>SP\s*[-\s]\s*[A-Za-z]{2,}|[A-Za-z][A-Za-z0-9]*(?:\s?-\s?[A-Za-z0-9]+)?)"
    rf"(?P<chain>(?:\s*{_SLASH}\s*(?:SP\s*[-\s]\s*)?[A-Za-z][A-Za-z0-9]*(?:\s?-\s?[A-Za-z0-9]+)?{_COUNTRY_LIST})*)",
    re.I,
)
_CATEGORY_DASHED = re.compile(rf"{_B}CUI\s*[-_]\s*SP\s*[-_]\s*[A-Za-z]{{2,}}{_E}", re.I)
_SP_CATEGORY = re.compile(rf"{_B}(?<!/)SP\s?-\s?[A-Z]{{2,10}}{_E}")
_LDC_FIRST = re.compile(rf"^(?:SP\s*[-\s]|(?:{_LDC_WORDS}){_E})", re.I)
_UNCLASS_LEGACY = re.compile(
    rf"{_B}(?:UNCLASSIFIED|U)\s*{_SLASH}\s*(?P<what>CUI|FOUO|SBU|LES|LIMDIS|(?:FOR\s)?OFFICIAL\sUSE\sONLY|"
    rf"SENSITIVE\sBUT\sUNCLASSIFIED|LAW\sENFORCEMENT\sSENSITIVE){_E}",
    re.I,
)

_SPELLED = re.compile(rf"{_B}CONTROLLED\s+UNCLASSIFIED\s+INFORMATION{_E}(?:\s*\(\s*CUI\s*\))?", re.I)
_CUI = re.compile(rf"{_B}(?<!/)CUI{_E}(?!\s*/)", re.I)
_CONTROLLED = re.compile(rf"{_B}CONTROLLED{_E}(?!\s*/)")  # upper case only: "controlled" is an English word
_UNCLASSIFIED = re.compile(rf"{_B}UNCLASSIFIED{_E}")
_FOUO = re.compile(rf"{_B}FOUO{_E}", re.I)
_OFFICIAL_USE = re.compile(rf"{_B}(?:FOR\s+)?OFFICIAL\s+USE\s+ONLY{_E}", re.I)
_SBU = re.compile(rf"{_B}SBU{_E}")
_SBU_SPELLED = re.compile(rf"{_B}SENSITIVE\s+BUT\s+UNCLASSIFIED{_E}", re.I)
_LES = re.compile(rf"{_B}LES{_E}")
_LES_SPELLED = re.compile(rf"{_B}LAW\s+ENFORCEMENT\s+SENSITIVE{_E}", re.I)
_LOU = re.compile(rf"{_B}LIMITED\s+OFFICIAL\s+USE{_E}", re.I)
_LIMDIS = re.compile(rf"{_B}LIMDIS{_E}")
_LDC_ACRONYM = re.compile(rf"{_B}(?:NOFORN|FEDCON|NOCON){_E}", re.I)
_LDC_PHRASE = re.compile(rf"{_B}(?:FED\s?ONLY|DL\s?ONLY|DISPLAY\s?ONLY(?:\s+USA{_COUNTRY_LIST})?|"
                         rf"REL\s?TO(?:\s+USA{_COUNTRY_LIST})?){_E}")
_EXPORT_BANNER = re.compile(rf"{_B}(?:EXPORT[\s-]CONTROLLED|ITAR[\s-](?:CONTROLLED|RESTRICTED)|"
                            rf"EAR[\s-]CONTROLLED|EXPORT[\s-]RESTRICTED){_E}")
_EXPORT_BANNER_ANY = re.compile(_EXPORT_BANNER.pattern, re.I)  # on a line of its own / opening a line / a name
_ITAR = re.compile(rf"{_B}(?:ITAR|EAR){_E}")
_WARNING = re.compile(rf"{_B}(?:WARNING|NOTICE|CAUTION){_E}")

_EXPORT_PHRASES = re.compile(
    r"whose\s+export\s+is\s+restricted\s+by"
    r"|arms\s+export\s+control\s+act\s*\(\s*title\s+22"
    r"|export\s+administration\s+act\s+of\s+1979\s*\(\s*title\s+50"
    r"|violations?\s+of\s+these\s+export\s+laws\s+(?:are|is)\s+subject\s+to"
    r"|(?:the\s+)?export\s+of\s+(?:the\s+)?(?:information|technical\s+data|data)\s+contained\s+herein"
    r"|(?:this|the\s+attached|attached)\s+(?:document|drawing|file|report|data|dataset|package|presentation|"
    r"material|email|message|attachment|model|spec(?:ification)?)\s+(?:contains|includes|is|are)\s+"
    r"(?:itar|ear|export)[\s-]*(?:controlled|restricted|regulated)"
    r"|(?:this|the\s+attached)\s+(?:document|drawing|file|report|data|package|material)\s+contains\s+technical\s+"
    r"data\s+(?:subject\s+to|controlled\s+(?:by|under))\s+(?:the\s+)?(?:itar|ear|international\s+traffic|"
    r"export\s+administration)",
    re.I,
)
_WARNING_EXPORT_LINE = re.compile(
    r"^warning\s*[-:!]+\s*.{0,60}?\b(?:export[\s-](?:restricted|controlled|control\s+act|administration)|"
    r"(?-i:ITAR|EAR)|arms\s+export)\b", re.I)

_DIST_HEAD = re.compile(
    r"(?<![A-Za-z])(?:distribution|distrib\.?|dist\.?|distro)\s*(?:statement|stmt\.?|stmnt\.?)\s*"
    r"[:\-]?\s*\(?(?P<letter>[A-Fa-fXx])\)?(?![A-Za-z0-9])(?!\.[A-Za-z])",  # not "e.g."
    re.I,
)
_DIST_HEAD_SHORT = re.compile(r"(?<![A-Za-z])(?i:dist)(?:(?i:ribution)\s+|\.\s*|\s+)(?P<letter>[B-F])(?=[.:])")
_DIST_AUTH = re.compile(
    r"distribution\s+(?:is\s+)?authori[sz]ed\s+to\s+(?:the\s+)?(?:u\.?\s?s\.?\s+)?(?:government|gov'?t|"
    r"department\s+of\s+defen[cs]e|dod)"
    r"|further\s+dissemination\s+only\s+as\s+directed\s+by"
    r"|other\s+requests\s+(?:for\s+this\s+document\s+)?(?:shall|must|will)\s+be\s+referred\s+to",
    re.I,
)

_DI_LABEL = re.compile(
    r"^(?P<label>controlled\s+by|cui\s+categor(?:y|ies)|categor(?:y|ies)|"
    r"distribution\s*/\s*dissemination\s+controls?|limited\s+dissemination\s+controls?|dissemination\s+controls?|"
    r"ldcs?|distribution\s+statement|dist(?:ribution)?|poc|point\s+of\s+contact|designated\s+by|"
    r"decontrol(?:led)?\s+on|decontrol\s+date)\s*[:\-]\s*(?P<value>\S.*)$",
    re.I,
)

_PORTION = re.compile(
    r"^(?P<open>[(\[])\s*(?P<body>CUI(?:\s*[/\\]{1,2}\s*[A-Za-z][A-Za-z0-9 ,/\\-]{0,60})?|"
    r"U(?:\s*//\s*[A-Za-z ]{2,40})?|FOUO|SBU|LES|NF|CTI|SP-[A-Z]{2,10})\s*[)\]]\s*(?P<rest>.*)$",
)

_BULLET = re.compile(r"^(?:[-•◦▪‣*+·>]|\d{1,3}[.)]|[a-z][.)](?=\s))\s*")
_LABEL_PREFIX = re.compile(
    r"^(?:subject|subj|re|fw|fwd|title|marking|markings|marked|classification|class|banner|caveat|handling|"
    r"label|labels|header|footer|control\s+marking|banner\s+line|dissemination)\s*:\s*",
    re.I,
)
_LINE_SEPARATOR = re.compile(r"^\s*(?:-+|:|\|)\s*(?=\S)")

_QUESTION_START = re.compile(
    r"^(?:q\s*:\s*)?(?:what|what's|whats|how|why|when|where|which|who|whom|whose|is|isn't|are|aren't|was|were|"
    r"do(?!\s+not\b)|does|did|doesn't|should|shouldn't|shall|can|can't|could|may|might|must|will|would|have|has|had|am|"
    r"explain|define|describe|clarify|tell\s+me|help\s+me|any\s+idea|anyone|does\s+anyone|quick\s+question|"
    r"question|wondering|i\s+wonder|curious|confirm)\b",
    re.I,
)
# Words that show a sentence talks about markings rather than applying one. Statements need these
# (rule 3); questions may also use the broader handling vocabulary.
_MARKING_TALK = (
    r"mean|means|meaning|stands?\s+for|abbreviat\w*|acronym\w*|mark|marks|marked|marking|markings|label|labels|"
    r"labeled|labelled|labeling|labelling|banner|banners|portion\s+marking\w*|header|footer|designation\s+indicator|"
    r"legacy|replaced|replaces|replacement|obsolete|deprecated|retired|no\s+longer|syntax|format|example|examples|"
    r"e\.g|template|templates|registry|handbook|policy|policies|training|guidance|guide|decontrol\w*|phased\s+out|"
    r"sunset|dissemination\s+controls?|caveats?|category\s+markings?|control\s+markings?"
)
_QUESTION_TALK = (
    r"meant|stand|label\w*|banner\w*|portion\w*|header\w*|footer\w*|designation|indicator|replac\w*|still|"
    r"format\w*|example\w*|template\w*|polic\w*|rules?|guid\w*|requir\w*|need|needs|needed|allow\w*|permit\w*|"
    r"valid|correct|right|proper\w*|use|used|uses|using|apply|applies|applied|differen\w*|differ|same|vs|versus|"
    r"instead|equivalent|mandatory|optional|order|spell\w*|written|write|put|place|placed|go|goes|cmmc|nist|dfars|"
    r"800-171|5200\.48|2002|5230\.24|scope|enclave|handl\w*|treat\w*|count|counts|considered|qualif\w*|official|"
    r"ok|okay|acceptable|supposed|expire\w*|abolish\w*|phase\w*|statements?|reads?|says?|said|wording|includ\w*|"
    r"covers?|stor\w*|keep|kept|shar\w*|send|sent|e-?mail\w*|post|posted|posting|upload\w*|attach\w*|"
    r"forward\w*|transmit\w*|print\w*|protect\w*|safeguard\w*|encrypt\w*|ldcs?|dissemination|controls?|"
    r"categor\w*|exist\w*"
)
_STATEMENT_META = re.compile(rf"\b(?:{_MARKING_TALK})\b", re.I)
_QUESTION_META = re.compile(rf"\b(?:{_MARKING_TALK}|{_QUESTION_TALK})\b", re.I)
# After a marking that opens a line, a question must be about the marking itself ("FOUO: is it still used?").
_ABOUT_MARKING = re.compile(rf"\b(?:{_MARKING_TALK}|still|valid|allowed|required|stand)\b", re.I)
_DEFINING_AFTER = re.compile(
    r"^\s*(?:\)|\"|')?\s*(?:is|are|was|were|means|meant|stands\s+for|refers\s+to|indicates|denotes|has\s+been|"
    r"have\s+been|and|or|vs\.?|versus|=|->)\b", re.I)
_ASKING_BEFORE = re.compile(r"(?:\b(?:what\s+is|what's|whats|what\s+are|what\s+does|define|explain|about|called|"
                            r"is|are)\s+(?:the\s+|a\s+|an\s+)?[\"']?)$", re.I)
_NAME_META = re.compile(
    r"\b(?:policy|policies|training|awareness|guide|guidance|handbook|marking|markings|template|templates|"
    r"procedure|procedures|plan|ssp|poa&?m|checklist|faq|overview|registry|course|program|programme|"
    r"requirements|scoping|scope|enclave|boundary|inventory|quiz|basics|101|intro|introduction|slides|"
    r"roadmap|gap|assessment)\b",
    re.I,
)
_DEICTIC_BEFORE = re.compile(r"\b(?:this|these|the\s+attached|attached|the\s+following|following|enclosed|"
                             r"below|here's\s+the|here\s+is\s+the|my)\s+[\"']?$", re.I)
_GENERIC_AFTER = re.compile(
    r"^\W{0,2}\s*(?:documents|docs|files|records|drawings|materials|emails|e-mails|messages|markings|items|papers|"
    r"reports|data|information|info|handling|banners|labels|policy|policies|program|rules|requirements|guidance|"
    r"training|stuff)\b", re.I)
_GENERIC_BEFORE = re.compile(r"\b(?:a|an|any|every|each|no|all|some|legacy|old|older|former)\s+$", re.I)
_LABELS_CONTENT = re.compile(r"^\s*(?:-\s*\S|(?:[\w'()-]+\s+){0,3}?[\w'()-]*\s*:\s*\S)")
_ABBREVIATIONS = {"e.g", "i.e", "u.s", "us", "sec", "no", "vs", "etc", "dist", "stmt", "inc", "co", "corp", "jr",
                  "sr", "dr", "mr", "ms", "fig", "st", "rev", "para", "ch", "vol", "approx", "dept", "gov't",
                  "govt", "al", "cf", "p", "pp"}


# ---- verdict -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether a message carries CUI markings, which marking families matched and in which fields.

    Never holds the matched text: only family names (``FAMILIES``) and field paths (``files[0].preview``).
    """

    blocked: bool
    families: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()

    @property
    def family(self) -> str | None:
        """The first family that matched."""
        return self.families[0] if self.families else None

    @property
    def reason(self) -> str:
        """A short, loggable explanation (families and fields only)."""
        if not self.blocked:
            return "no CUI marking"
        where = ", ".join(self.fields) or "message"
        return f"CUI marking ({', '.join(self.families)}) in {where}"


CLEAR = Verdict(blocked=False)


# ---- sentences -----------------------------------------------------------------------------------------


def _sentence_bounds(line: str) -> list[tuple[int, int]]:
    """Sentence spans in one line: split after . ! ? ; that end a sentence (not after U.S., e.g., single letters)."""
    bounds, start = [], 0
    for match in re.finditer(r"[.!?;]+(?=\s+\S|$)", line):
        end = match.end()
        if match.group(0).startswith("."):
            word = re.search(r"([A-Za-z'.]+)$", line[start:match.start()])
            token = (word.group(1) if word else "").lower().rstrip(".")
            if len(token) == 1 or token in _ABBREVIATIONS:
                continue
        bounds.append((start, end))
        start = end
    if start < len(line):
        bounds.append((start, len(line)))
    return bounds or [(0, len(line))]


def _is_question(sentence: str) -> bool:
    stripped = sentence.strip()
    return "?" in stripped or bool(_QUESTION_START.match(stripped.lstrip("\"'([-* ")))


_OPEN_QUOTE = re.compile(r"(?:^|[\s(:])[\"'](?:[^\"']|(?<=\w)'(?=\w))*$")
_CLOSE_QUOTE = re.compile(r"^(?:[^\"']|(?<=\w)'(?=\w))*[\"'](?:[\s.,;:!?)]|$)")
_WINDOW = 240  # characters of context read on each side of a marking


@dataclass(frozen=True)
class _Sentence:
    text: str  # stripped
    offset: int  # where ``text`` starts in the line
    question: bool
    talks_about_marking: bool  # _STATEMENT_META
    only_markings: bool  # nothing but markings (and a question mark)


class _Line:
    """One normalized line and its sentences, each analysed once however many markings it holds."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.bounds = _sentence_bounds(text)
        self._starts = [start for start, _ in self.bounds]
        self._sentences: dict[int, _Sentence] = {}
        self._question_meta: bool | None = None

    @property
    def question_meta(self) -> bool:
        """The line uses marking or handling vocabulary (context for questions)."""
        if self._question_meta is None:
            self._question_meta = bool(_QUESTION_META.search(self.text))
        return self._question_meta

    def sentence(self, position: int) -> _Sentence:
        index = max(0, bisect.bisect_right(self._starts, position) - 1)
        if index not in self._sentences:
            start, end = self.bounds[index]
            raw = self.text[start:end]
            text = raw.strip()
            self._sentences[index] = _Sentence(
                text=text, offset=start + len(raw) - len(raw.lstrip()), question=_is_question(text),
                talks_about_marking=bool(_STATEMENT_META.search(text)),
                only_markings=_only_markings(text.rstrip(" ?")))
        return self._sentences[index]

    def is_mention(self, start: int, end: int, *, at_line_start: bool) -> bool:
        """True when the marking at ``text[start:end]`` is talked about rather than applied (rules 2-3)."""
        sentence = self.sentence(start)
        s_start, s_end = start - sentence.offset, min(end - sentence.offset, len(sentence.text))
        before = sentence.text[max(0, s_start - _WINDOW):s_start]
        after = sentence.text[s_end:s_end + _WINDOW]
        quoted = bool(_OPEN_QUOTE.search(before) and _CLOSE_QUOTE.match(after))
        if _LABELS_CONTENT.match(after) and not sentence.question:
            return False  # "CUI//SP-CTI: <content>", "CUI//SP-EXPT data: <content>" label what follows
        if at_line_start:
            if sentence.question and (_QUESTION_META.search(after) or quoted or sentence.only_markings):
                return True
            return bool(_DEFINING_AFTER.match(after) and sentence.talks_about_marking)
        if sentence.question:
            if _DEICTIC_BEFORE.search(before) and not sentence.talks_about_marking:
                return False  # "can you check this CUI//SP-CTI drawing …?" points at content that is here
            return self.question_meta or quoted or bool(_ASKING_BEFORE.search(before)) or sentence.only_markings
        if _DEICTIC_BEFORE.search(before):
            return False
        # "We don't have any FOUO documents left": a kind of document, not this one
        return sentence.talks_about_marking or bool(_GENERIC_AFTER.match(after) or _GENERIC_BEFORE.search(before))


# ---- one line ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    family: str
    start: int
    end: int
    support: bool = False  # counts only beside another marking on a markings-only line


def _category_hits(body: str) -> Iterator[_Hit]:
    for match in _CATEGORY.finditer(body):
        first = match.group("first")
        if match.group("slash").replace(" ", "") not in ("//", "\\\\") and not _LDC_FIRST.match(first):
            continue  # single slash: only "CUI/SP-…" or "CUI/NOFORN" (not "CUI/FCI")
        family = "dissemination" if _LDC_FIRST.match(first) and not first.upper().startswith("SP") else "category"
        yield _Hit(family, match.start(), match.end())
    for match in _CATEGORY_DASHED.finditer(body):
        yield _Hit("category", match.start(), match.end())
    for match in _SP_CATEGORY.finditer(body):
        yield _Hit("category", match.start(), match.end())
    for match in _UNCLASS_LEGACY.finditer(body):
        family = "category" if match.group("what").upper() == "CUI" else "legacy"
        yield _Hit(family, match.start(), match.end())


def _compound_hits(body: str) -> Iterator[_Hit]:
    """Marking syntax that is a marking wherever it stands, unless it is talked about (rule 3)."""
    yield from _category_hits(body)
    for pattern, family, upper_only in (
        (_FOUO, "legacy", False), (_OFFICIAL_USE, "legacy", True), (_SBU_SPELLED, "legacy", True),
        (_LES_SPELLED, "legacy", True), (_LOU, "legacy", True), (_LIMDIS, "legacy", False),
        (_LDC_ACRONYM, "dissemination", False), (_LDC_PHRASE, "dissemination", False),
        (_SPELLED, "banner", True), (_EXPORT_BANNER, "export", False), (_EXPORT_PHRASES, "export", False),
        (_DIST_AUTH, "distribution", False),
    ):
        for match in pattern.finditer(body):
            if upper_only and not match.group(0).isupper():
                continue
            yield _Hit(family, match.start(), match.end())


def _token_hits(body: str) -> Iterator[_Hit]:
    """Every marking token, for the markings-only-line test (rule 1)."""
    yield from _category_hits(body)
    for pattern, family in (
        (_SPELLED, "banner"), (_CUI, "banner"), (_CONTROLLED, "banner"), (_FOUO, "legacy"),
        (_OFFICIAL_USE, "legacy"), (_SBU, "legacy"), (_SBU_SPELLED, "legacy"), (_LES, "legacy"),
        (_LES_SPELLED, "legacy"), (_LOU, "legacy"), (_LIMDIS, "legacy"), (_LDC_ACRONYM, "dissemination"),
        (_LDC_PHRASE, "dissemination"), (_EXPORT_BANNER_ANY, "export"), (_DIST_HEAD, "distribution"),
        (_DIST_HEAD_SHORT, "distribution"),
    ):
        for match in pattern.finditer(body):
            if family == "distribution" and match.group("letter").upper() not in "BCDEF":
                continue
            yield _Hit(family, match.start(), match.end())
    for pattern in (_UNCLASSIFIED, _ITAR, _WARNING):
        for match in pattern.finditer(body):
            yield _Hit("", match.start(), match.end(), support=True)
    for match in re.finditer(r"\(\s*(?:CUI|U|FOUO|SBU|LES|NF)\s*\)", body):
        yield _Hit("portion", match.start(), match.end())


def _markings_in(body: str) -> tuple[str, ...]:
    """Families when ``body`` is nothing but markings and separators; () otherwise."""
    hits = list(_token_hits(body))
    if not any(not h.support for h in hits):
        return ()
    covered = [False] * len(body)
    for hit in hits:
        for i in range(hit.start, hit.end):
            covered[i] = True
    rest = "".join(ch for ch, c in zip(body, covered, strict=True) if not c)
    if re.search(r"[A-Za-z0-9]", rest):
        return ()
    return tuple(dict.fromkeys(h.family for h in hits if not h.support))


def _only_markings(text: str) -> bool:
    return bool(_markings_in(text))


def _markings_only(body: str) -> tuple[str, ...]:
    """Families when the line is nothing but markings and separators, and is not a question (rule 1)."""
    if body.rstrip("\"')] ").endswith("?"):
        return ()
    return _markings_in(body)


def _line_body(line: str) -> str:
    body = line
    for _ in range(3):
        stripped = _LABEL_PREFIX.sub("", _BULLET.sub("", body)).strip()
        if stripped == body:
            break
        body = stripped
    return body


_OPENERS: tuple[tuple[re.Pattern[str], str, bool], ...] = (
    (_SPELLED, "banner", False), (_CUI, "banner", False), (_CONTROLLED, "banner", False),
    (_FOUO, "legacy", False), (_OFFICIAL_USE, "legacy", False), (_SBU, "legacy", False),
    (_SBU_SPELLED, "legacy", False), (_LES_SPELLED, "legacy", False), (_LOU, "legacy", False),
    (_LDC_ACRONYM, "dissemination", False), (_LDC_PHRASE, "dissemination", False),
    (_EXPORT_BANNER_ANY, "export", False), (_DIST_HEAD, "distribution", True), (_DIST_HEAD_SHORT, "distribution", True),
)


def _opening_banner(body: str) -> str | None:
    """Rule 2 for bare markings: ``CUI - text``, ``FOUO: text``, ``DISTRIBUTION STATEMENT D. text``."""
    for pattern, family, is_dist in _OPENERS:
        match = pattern.match(body)
        if not match:
            continue
        if is_dist and match.group("letter").upper() not in "BCDEF":
            return None
        rest = body[match.end():]
        if is_dist and re.match(r"^\s*[.:\-]", rest):
            rest = re.sub(r"^\s*[.:\-]+\s*", "- ", rest)
        separated = _LINE_SEPARATOR.match(rest)
        if not separated:
            return None
        start, end = _sentence_bounds(rest[separated.end():])[0]
        tail = rest[separated.end():][start:end]
        if family == "banner" and _QUESTION_START.match(tail):
            return None  # "CUI: what should we do about Slack?" - a topic prefix, not a banner
        if _is_question(tail) and _ABOUT_MARKING.search(tail):
            return None  # "FOUO: is it still used?"
        if _STATEMENT_META.search(tail) and family != "distribution":
            return None
        return family
    return None


def _portion(body: str, kind: Kind) -> str | None:
    match = _PORTION.match(body)
    if not match:
        return None
    rest = match.group("rest").strip()
    label = "banner" if match.group("open") == "[" else "portion"
    if not rest:
        return label if kind == "name" or match.group("body").upper() != "U" else None
    if re.match(r"^\s*(?:is|are|was|means|stands|refers|=)\b", rest, re.I) and _STATEMENT_META.search(rest):
        return None
    if _is_question(rest) and _QUESTION_META.search(rest):
        return None
    return label


def _distribution(line: _Line) -> bool:
    """A B-F statement followed (closely) by its authorization text, unless a question quotes it."""
    for match in _DIST_HEAD.finditer(line.text):
        if match.group("letter").upper() in "BCDEF" and _DIST_AUTH.search(line.text[match.end():match.end() + 60]):
            sentence = line.sentence(match.start())
            if not (sentence.question and (line.question_meta or '"' in sentence.text or "'" in sentence.text)):
                return True
    return False


def _scan_line(text: str, kind: Kind) -> list[str]:
    families: list[str] = []
    body = _line_body(text)
    if not body:
        return families
    line = _Line(body)
    families.extend(_markings_only(body))
    opening = _opening_banner(body)
    if opening:
        families.append(opening)
    for s_start, s_end in line.bounds:
        portion = _portion(body[s_start:s_end].strip(), kind)  # "(CUI) …" opening a line or a sentence
        if portion:
            families.append(portion)
    if _distribution(line):
        families.append("distribution")
    if _WARNING_EXPORT_LINE.match(body) and not line.sentence(0).question:
        families.append("export")
    for hit in _compound_hits(body):
        at_start = hit.start == 0 or (hit.start <= 4 and not body[:hit.start].strip(" \"'(["))
        if hit.family not in families and not line.is_mention(hit.start, hit.end, at_line_start=at_start):
            families.append(hit.family)
    if kind == "name":
        families.extend(_name_markings(body))
    return families


_NAME_DIST = re.compile(r"(?<![A-Za-z])(?i:dist(?:ribution)?)\s?(?i:stmt|statement)?\s?[-_ ]?[B-F](?![A-Za-z0-9])")


def _name_markings(name: str) -> list[str]:
    """A file name or title: a bare CUI/FOUO word marks it, unless the name is about the programme."""
    if _NAME_META.search(name):
        return []
    families = []
    if _CUI.search(name) or _SPELLED.search(name) or _CONTROLLED.search(name):
        families.append("banner")
    if _SBU.search(name) or _LES.search(name):
        families.append("legacy")
    if _EXPORT_BANNER_ANY.search(name):
        families.append("export")
    for match in _DIST_HEAD.finditer(name):
        if match.group("letter").upper() in "BCDEF":
            families.append("distribution")
    if _NAME_DIST.search(name):
        families.append("distribution")
    return families


# ---- whole texts -------------------------------------------------------------------------------------


def _designation_block(lines: Sequence[str]) -> bool:
    labels: set[str] = set()
    for line in lines:
        match = _DI_LABEL.match(_BULLET.sub("", line).strip())
        if not match:
            continue
        value = match.group("value").strip()
        if value.endswith("?") or _QUESTION_START.match(value):
            continue
        label = re.sub(r"\s+", " ", match.group("label").lower())
        if label.startswith("cui categor"):
            label = "cui category"
        elif label.startswith(("distribution", "dist", "dissemination", "limited", "ldc")):
            label = "dissemination"
        elif label.startswith("categor"):
            label = "category"
        elif label == "point of contact":
            label = "poc"
        labels.add(label)
        if label == "cui category" and re.match(r"^[A-Za-z]", value):
            return True
    return ("controlled by" in labels and len(labels) >= 2) or len(labels - {"category", "poc"}) >= 3


_EXTENSION = re.compile(
    r"\.(?:pdf|docx?|xlsx?|xlsm|pptx?|txt|csv|png|jpe?g|gif|bmp|tiff?|heic|zip|7z|gz|tar|dwg|dxf|step|stp|igs|iges|"
    r"stl|sldprt|sldasm|json|xml|ya?ml|md|rtf|odt|ods|odp|msg|eml|html?|mp4|mov|key|vsdx?|one|log)$",
    re.I,
)


def detect(text: str, kind: Kind = "text") -> tuple[str, ...]:
    """The marking families ``text`` carries (empty: none). ``kind="name"`` reads a file name or title."""
    if not text or not text.strip():
        return ()
    normalized = normalize(text)
    if kind == "name":
        normalized = _EXTENSION.sub("", normalized)
        normalized = re.sub(r"[_+]+|(?<=[A-Za-z0-9])\.(?=[A-Za-z])", " ", normalized)
    lines = normalized.split("\n")
    families: list[str] = []
    for line in lines:
        families.extend(_scan_line(line, kind))
    if _designation_block(lines):
        families.append("designation")
    return tuple(f for f in FAMILIES if f in families)


def scan_text(text: str, field: str = "text", kind: Kind = "text") -> Verdict:
    """The verdict for one piece of text."""
    families = detect(text, kind)
    return Verdict(blocked=True, families=families, fields=(field,)) if families else CLEAR


def carries_cui_marking(text: str) -> bool:
    """True when the text carries a CUI (or legacy, distribution B-F, export-control) marking."""
    return bool(detect(text))


# ---- Slack payloads ----------------------------------------------------------------------------------

_TEXT_KEYS = {"text", "fallback", "pretext", "title", "footer", "author_name", "value", "preview",
              "preview_plain_text", "plain_text", "preview_highlight", "comment", "alt_text", "subject"}
_SKIP_KEYS = {"user", "team", "channel", "enterprise", "user_profile", "bot_profile", "reactions", "response_url",
              "trigger_id", "token", "authorizations", "view", "state", "actions", "container", "app"}
_MAX_DEPTH = 12
_MAX_CHARS = 400_000


def _rich_text(element: Mapping[str, Any]) -> str:
    kind = element.get("type")
    if kind == "text":
        return str(element.get("text", ""))
    if kind == "link":
        return str(element.get("text") or element.get("url") or "")
    children = element.get("elements")
    if not isinstance(children, list):
        return ""
    parts = [_rich_text(child) for child in children if isinstance(child, Mapping)]
    joiner = "\n" if kind == "rich_text_list" else ""
    text = joiner.join(parts)
    return text + "\n" if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote") else text


def _texts(value: Any, path: str, in_files: bool, depth: int) -> Iterator[tuple[str, str, Kind]]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, Mapping):
        if value.get("type") == "rich_text":
            yield path, _rich_text(value), "text"
            return
        for key, child in value.items():
            if not isinstance(key, str) or key in _SKIP_KEYS:
                continue
            child_path = f"{path}.{key}" if path else key
            if isinstance(child, str):
                if in_files and key in ("name", "title"):
                    yield child_path, child, "name"
                elif key in _TEXT_KEYS:
                    yield child_path, child, "text"
            else:
                yield from _texts(child, child_path, in_files or key in ("files", "file"), depth + 1)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _texts(child, f"{path}[{index}]", in_files, depth + 1)


def slack_texts(payload: Mapping[str, Any]) -> list[tuple[str, str, Kind]]:
    """Every human-written string of a Slack event or interaction payload, with its field path and kind.

    Reads ``text``, attachments (title, text, fallback, pretext, fields, footer), rich-text blocks, a
    shortcut's target ``message`` and a changed message's ``message``, and files (name, title, preview,
    plain text). IDs, user and channel records, URLs and tokens are skipped.
    """
    found, total = [], 0
    for path, text, kind in _texts(payload, "", False, 0):
        if total >= _MAX_CHARS:
            break
        text = text[:_MAX_CHARS - total]
        total += len(text)
        found.append((path, text, kind))
    return found


def scan_payload(payload: Mapping[str, Any]) -> Verdict:
    """The verdict for a Slack event / shortcut / command payload: blocked when any human-written field
    carries a marking. Names the families and fields, never the matched text."""
    families: list[str] = []
    fields: list[str] = []
    for path, text, kind in slack_texts(payload):
        found = detect(text, kind)
        if found:
            families.extend(found)
            fields.append(path)
    if not families:
        return CLEAR
    return Verdict(blocked=True, families=tuple(f for f in FAMILIES if f in families), fields=tuple(fields))


__all__ = ["CLEAR", "FAMILIES", "Verdict", "carries_cui_marking", "detect", "scan_payload", "scan_text",
           "slack_texts"]
