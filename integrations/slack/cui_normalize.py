"""Normalize Slack text before looking for CUI markings, so a marking cannot hide behind how it is typed.

Steps, in order (``normalize``):

1. Characters: drop zero-width, bidi and other invisible format characters; Unicode NFKC (fullwidth
   letters, mathematical alphabets, circled letters, ligatures, non-breaking spaces); fold Cyrillic,
   Greek and other lookalike letters to Latin; drop combining marks (``C̲U̲I̲``); unify dashes, slashes,
   blanks and line separators; read ``F0U0``, ``N0F0RN``, ``CU1`` / ``CUl`` as the marking words.
2. Slack markup: ``<url|label>`` becomes the label, ``<url>`` the URL, user/channel mentions and
   ``<!here>`` go; ``&lt; &gt; &amp;`` are unescaped; code fences, ``*bold*``, ``_italic_``, ``~strike~``
   and ``>`` quote prefixes are removed (their text stays); inline code becomes a quotation (``"…"``).
3. Layout: spaces and tabs collapse to one space per line, blank lines go, and spaced-out letters are
   joined (``C U I``, ``C.U.I.``, ``F-O-U-O`` become ``CUI``, ``CUI``, ``FOUO``).

Line breaks are kept: whether a marking stands on a line of its own is what the detector decides on.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Zero-width, bidi controls, invisible operators, BOM, soft hyphen, Mongolian vowel separator,
# combining grapheme joiner, Hangul fillers, variation selectors; Unicode tag characters are handled below.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]"
)

# Lookalike letters NFKC leaves alone: Cyrillic, Greek, Cherokee, Latin small capitals and a few others.
_CONFUSABLES = str.maketrans({
    # Cyrillic capitals
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K", "М": "M", "О": "O",
    "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y", "Ү": "Y", "Ԁ": "D", "Ԍ": "G", "Ԛ": "Q", "Ԝ": "W",
    "Ӏ": "I", "Ⴈ": "I", "Ь": "b", "Ꙇ": "I",
    # Cyrillic small
    "а": "a", "в": "b", "с": "c", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h",
    "о": "o", "р": "p", "ѕ": "s", "т": "t", "х": "x", "у": "y", "ү": "y", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "ӏ": "l", "ѵ": "v", "ɡ": "g",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϝ": "F",
    # Greek small
    "α": "a", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
    "ϳ": "j",
    # Cherokee, Armenian, Coptic and Latin lookalikes
    "Ꮯ": "C", "Ꮮ": "L", "Ꭰ": "D", "Ꭼ": "E", "Ꮋ": "H", "Ꮃ": "W", "Ꮪ": "S", "Ꭲ": "T", "Ꮲ": "P",
    "Ս": "U", "Օ": "O", "Ⲟ": "O", "ⲟ": "o", "Ⲥ": "C", "ⲥ": "c", "Ⲓ": "I",
    "ᴄ": "c", "ᴜ": "u", "ɪ": "i", "ᴏ": "o", "ꜰ": "f", "ᴅ": "d", "ꜱ": "s", "ᴘ": "p", "ᴛ": "t", "ɴ": "n",
    "ʀ": "r", "ᴇ": "e", "ʟ": "l", "ᴀ": "a", "ʙ": "b", "ʜ": "h", "ᴍ": "m", "ᴡ": "w", "ʏ": "y", "ᴠ": "v",
    "ı": "i", "ℓ": "l", "Ɩ": "l", "ǀ": "l",
    # Lisu letters (a whole Latin-lookalike capital alphabet)
    "ꓮ": "A", "ꓐ": "B", "ꓚ": "C", "ꓓ": "D", "ꓰ": "E", "ꓝ": "F", "ꓖ": "G", "ꓧ": "H", "ꓲ": "I", "ꓙ": "J",
    "ꓗ": "K", "ꓡ": "L", "ꓟ": "M", "ꓠ": "N", "ꓳ": "O", "ꓑ": "P", "ꓣ": "R", "ꓢ": "S", "ꓔ": "T", "ꓴ": "U",
    "ꓦ": "V", "ꓪ": "W", "ꓫ": "X", "ꓬ": "Y", "ꓜ": "Z",
    # Canadian syllabics, runic and mathematical shapes read as letters
    "ᗩ": "A", "ᗷ": "B", "ᑕ": "C", "ᑢ": "C", "ᗪ": "D", "ᗴ": "E", "ᖴ": "F", "ᕼ": "H", "ᒍ": "J", "ᒪ": "L",
    "ᗰ": "M", "ᑎ": "N", "ᑭ": "P", "ᖇ": "R", "ᔕ": "S", "ᑌ": "U", "ᐯ": "V", "ᗯ": "W", "᙭": "X", "ᘔ": "Z",
    "ᛁ": "I", "ᛖ": "M", "ᚱ": "R", "ᛕ": "K", "∪": "U", "⋃": "U", "∣": "I", "⏽": "I", "׀": "I", "⊤": "T",
    "ⵔ": "O", "ⴸ": "V", "Ꭺ": "A", "Ᏼ": "B", "Ꮐ": "G", "Ꭻ": "J", "Ꮶ": "K", "Ꮇ": "M", "Ꭱ": "R", "Ꮓ": "Z",
    # dashes, minus and hyphens; slashes; bullets and quotes kept apart from letters
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2043": "-", "\ufe58": "-", "\ufe63": "-", "\u02d7": "-",
    "\u2215": "/", "\u2044": "/", "\u29f8": "/", "\u2571": "/", "\u27cb": "/", "\u3033": "/",
    "\u29f9": "\\", "\u2216": "\\", "\u27cd": "\\",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ", "\u2800": " ",
    "\u2028": "\n", "\u2029": "\n", "\u0085": "\n", "\u000b": "\n", "\u000c": "\n",
})
# Digits and symbols typed for letters in the marking words themselves: F0U0, N0F0RN, CU1 / CUl / CU|.
_DIGIT_LOOKALIKES = (
    (re.compile(r"(?<![A-Za-z0-9])[Ff][Oo0][Uu][Oo0](?![A-Za-z0-9])"), "FOUO"),
    (re.compile(r"(?<![A-Za-z0-9])[Nn][Oo0][Ff][Oo0][Rr][Nn](?![A-Za-z0-9])"), "NOFORN"),
    (re.compile(r"(?<![A-Za-z0-9])CU[1l|!](?![A-Za-z0-9])"), "CUI"),
)

_SLACK_LINK = re.compile(r"<([^<>\n]*)>")
_FENCE = re.compile(r"```")
_INLINE_CODE = re.compile(r"`+")
_QUOTE_PREFIX = re.compile(r"^(?:[ \t]*(?:>|&gt;)[ \t]?)+", re.M)
_HEADING_PREFIX = re.compile(r"^[ \t]*#{1,6}[ \t]+", re.M)
_EMPHASIS = re.compile(r"[*~]+")
_UNDERSCORE_EDGE = re.compile(r"(?:^|(?<=[\s(\[\"'/]))_+|_+(?=$|[\s)\]\"'.,:;!?/])", re.M)
_SPACES = re.compile(r"[ \t\f\v]+")
# A run of single letters of one case, separated by one repeated separator (space, dot, dot-space, middle
# dot, underscore or hyphen): "C U I", "C.U.I.", "c. u. i.", "F-O-U-O". Upper-case runs join from two letters
# ("U.S."), lower-case runs from three ("e.g." stays). A dot closing a dotted run goes with it.
_SEP = r"(?:\. |[ .·_\-])"
_SPACED = re.compile(
    rf"(?<![A-Za-z0-9])(?:[A-Z](?P<su>{_SEP})[A-Z](?:(?P=su)[A-Z])*|[a-z](?P<sl>{_SEP})[a-z](?:(?P=sl)[a-z])+)"
    r"(?![A-Za-z0-9])(?P<trail>\.(?![A-Za-z0-9]))?"
)
_SEPARATORS = re.compile(r"[ .·_\-]+")


def fold_characters(text: str) -> str:
    """Invisible characters out, NFKC, lookalikes to Latin, combining marks out, one kind of dash/slash."""
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_CONFUSABLES)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Me"))
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text).translate(_CONFUSABLES)
    for pattern, word in _DIGIT_LOOKALIKES:
        text = pattern.sub(word, text)
    return text


def _link(match: re.Match[str]) -> str:
    inner = match.group(1)
    if inner.startswith(("@", "!")):
        return " "
    if inner.startswith("#"):
        return inner.split("|", 1)[-1] if "|" in inner else ""
    target, _, label = inner.partition("|")
    return label or target


def strip_slack_markup(text: str) -> str:
    """Links to their labels, mentions out, entities unescaped, code/bold/italic/strike/quote syntax out."""
    text = _SLACK_LINK.sub(_link, text)
    text = _QUOTE_PREFIX.sub("", text)  # before unescaping: a quoted line arrives as "&gt; text"
    text = html.unescape(text)
    text = _QUOTE_PREFIX.sub("", text)  # quotes typed as a literal ">" (attachments, previews)
    text = _FENCE.sub("\n", text)
    text = _INLINE_CODE.sub('"', text)  # `CUI//SP-CTI` reads as a quotation
    text = _HEADING_PREFIX.sub("", text)
    text = _EMPHASIS.sub("", text)
    return _UNDERSCORE_EDGE.sub("", text)


def _join_run(match: re.Match[str]) -> str:
    separator = match.group("su") or match.group("sl") or ""
    letters = _SEPARATORS.sub("", match.group(0))
    trail = match.group("trail") or ""
    return letters + ("" if "." in separator else trail)


def join_spaced_letters(line: str) -> str:
    """``C U I`` / ``C.U.I.`` / ``F-O-U-O`` become ``CUI`` / ``CUI`` / ``FOUO``; words stay as they are."""
    return _SPACED.sub(_join_run, line)


def collapse_layout(text: str) -> str:
    """One space between words, no blank lines, no leading/trailing spaces, spaced letters joined."""
    lines = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _SPACES.sub(" ", raw).strip()
        if line:
            lines.append(join_spaced_letters(line))
    return "\n".join(lines)


def normalize(text: str) -> str:
    """The text the detector reads: folded characters, no Slack markup, tidy lines."""
    return collapse_layout(strip_slack_markup(fold_characters(text)))


__all__ = ["collapse_layout", "fold_characters", "join_spaced_letters", "normalize", "strip_slack_markup"]
