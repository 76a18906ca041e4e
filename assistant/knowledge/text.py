"""Small text helpers shared by the converter, the index and everything that shows outside text."""

from __future__ import annotations

import re
from collections.abc import Iterable


def pack(pieces: Iterable[str], limit: int, separator: str = " ") -> list[str]:
    """Greedily join ``pieces`` (sentences, paragraphs) into chunks of at most about ``limit``
    characters; a single piece longer than ``limit`` becomes its own chunk."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(piece) > limit:
            chunks.append(current.strip())
            current = ""
        current += piece + separator
    if current.strip():
        chunks.append(current.strip())
    return chunks


# Terminal escape sequences (CSI, OSC, other ESC), then the remaining C0/C1 controls (tab and newline stay),
# zero-width characters and bidi overrides.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences, control characters (newlines and tabs stay), zero-width
    characters or bidi overrides; Unicode line separators become spaces. Text read from outside (company
    documents, model output) passes through it before anyone is shown it."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\u2028", " ").replace("\u2029", " ")))
