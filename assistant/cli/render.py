"""Rich rendering shared by the CLI commands, and the JSON printer for ``--json``."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.table import Table

_SURROGATES = re.compile("[\ud800-\udfff]")
# Terminal escape sequences (CSI, OSC, other ESC), then C0/C1 controls but tab and newline, zero-width characters
# and bidi overrides. The guardrail cleans citations the same way; this module stays free of heavy imports, so
# `controls show` runs with the light dependencies only.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
stdout = Console(soft_wrap=False)
stderr = Console(stderr=True, soft_wrap=True)  # never break a path or ID across lines


def safe(text: object) -> str:
    """Any text for a rich console: terminal escape sequences and control characters removed, rich markup
    escaped, and bytes that are not UTF-8 (a surrogate-escaped argument) shown as U+FFFD."""
    return escape(clean(str(text)))


def clean(text: str) -> str:
    """``text`` for places that do not read rich markup (Markdown, plain ``print``): no terminal escape
    sequences, control characters or lone surrogates."""
    text = plain(text).replace("\u2028", " ").replace("\u2029", " ")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def plain(text: str) -> str:
    """``text`` with lone surrogates (from argv or file names that are not UTF-8) replaced by U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


def print_json(value: BaseModel | Sequence[BaseModel]) -> None:
    """Print a model or a list of models as stable JSON on stdout (no colour, no wrapping)."""
    data: Any = (
        value.model_dump(mode="json") if isinstance(value, BaseModel) else [v.model_dump(mode="json") for v in value]
    )
    print(json.dumps(data, indent=2, ensure_ascii=False))


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A rich table with the given header and rows."""
    result = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        result.add_column(column, overflow="fold")
    for row in rows:
        result.add_row(*row)
    return result
