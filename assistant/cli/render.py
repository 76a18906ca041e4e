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

from assistant.knowledge.text import strip_controls

_SURROGATES = re.compile("[\ud800-\udfff]")
stdout = Console(soft_wrap=False)
stderr = Console(stderr=True, soft_wrap=True)  # never break a path or ID across lines


def safe(text: object) -> str:
    """Any text for a rich console: terminal escape sequences and control characters removed, rich markup
    escaped, and bytes that are not UTF-8 (a surrogate-escaped argument) shown as U+FFFD."""
    return escape(clean(str(text)))


def clean(text: str) -> str:
    """``text`` for places that do not read rich markup (Markdown, plain ``print``): no terminal escape
    sequences, control characters or lone surrogates."""
    return strip_controls(plain(text))


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
