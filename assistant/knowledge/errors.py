"""Errors of the knowledge layer, written for the person who typed the ID or edited the file."""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base class of knowledge-base errors."""


class KnowledgeFileError(KnowledgeError):
    """A knowledge file is missing, unreadable or does not match its schema."""

    def __init__(self, file: str, message: str, entry: str | None = None, field: str | None = None):
        self.file, self.entry, self.field = file, entry, field
        where = file + (f", entry {entry}" if entry is not None else "") + (f", field '{field}'" if field else "")
        super().__init__(f"{where}: {message}")


class UnknownControlError(KnowledgeError, LookupError):
    """An ID that is not in the catalog, with what the user probably meant."""

    def __init__(self, text: str, message: str, suggestions: list[str] | None = None):
        self.text = text
        self.suggestions = suggestions or []
        self.message = message
        super().__init__(message)
