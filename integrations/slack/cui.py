"""Recognise CUI markings in a message, so it is never echoed, stored or sent to the assistant.

Markings, not mentions: asking "is Jira in scope if engineers paste CUI?" is a question about CUI; a
message with a "CUI" banner line, a "CUI//SP-…" category marking, the spelled-out banner, "FOUO" or a
DoD distribution statement B-F carries it.
"""

from __future__ import annotations

import re

_MARKINGS = [
    re.compile(r"(?m)^\s*(?:CUI|CONTROLLED)\s*$"),  # banner line
    re.compile(r"\bCUI//[A-Z0-9-]+", re.I),  # category / dissemination marking
    re.compile(r"CONTROLLED UNCLASSIFIED INFORMATION"),  # spelled-out banner (upper case as marked)
    re.compile(r"\bFOUO\b|FOR OFFICIAL USE ONLY"),
    re.compile(r"\bDISTRIBUTION STATEMENT\s+[B-F]\b", re.I),
]


def carries_cui_marking(text: str) -> bool:
    """True when the text carries a CUI (or legacy FOUO / distribution B-F) marking."""
    return any(pattern.search(text) for pattern in _MARKINGS)
