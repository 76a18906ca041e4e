"""Small text helpers shared by the converter and the index."""

from __future__ import annotations

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
