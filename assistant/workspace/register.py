"""Read an evidence register from a CSV file, a YAML file or a folder of them: one ``EvidenceItem`` per row,
each bad row named with its row number and skipped, the rest kept. Files named in a ``file`` column are
hashed (sha256) and become the item's location when it has none."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.knowledge import KnowledgeBase
from assistant.knowledge.files import sha256_of
from assistant.knowledge.safe_yaml import load_yaml_file
from assistant.workspace.evidence import EvidenceItem, normalize

ALIASES = {
    "evidence_id": "id", "title": "title", "name": "title", "description": "description", "owner": "owner",
    "type": "artifact_type", "artifact_type": "artifact_type", "kind": "artifact_type",
    "controls": "controls", "control": "controls", "requirements": "controls",
    "effective": "effective", "effective_date": "effective", "collected": "effective", "date": "effective",
    "review": "review", "review_date": "review", "review_by": "review",
    "expires": "expires", "expiry": "expires", "expiry_date": "expires", "expiration": "expires",
    "location": "location", "url": "location", "path": "location", "sha256": "sha256", "file": "file", "id": "id",
}
_SPLIT = re.compile(r"[;,|\n]+")


@dataclass
class RowError:
    """A row that was skipped, and why."""

    source: str
    row: int
    message: str

    def __str__(self) -> str:
        return f"{self.source} row {self.row}: {self.message}"


@dataclass
class ParsedRegister:
    """Items read (later rows win over earlier ones with the same ID) and the rows skipped."""

    items: list[EvidenceItem] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def read_register(kb: KnowledgeBase, path: Path) -> ParsedRegister:
    """Parse ``path`` (a .csv, a .yaml/.yml, or a folder holding such files)."""
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".yaml", ".yml")) if path.is_dir() \
        else [path]
    if not files:
        raise ValueError(f"{path}: no .csv, .yaml or .yml register in this folder")
    parsed = ParsedRegister()
    by_id: dict[str, EvidenceItem] = {}
    for file in files:
        for row_number, raw in _rows(file):
            try:
                item = _item(kb, raw, file.parent)
            except (ValueError, ValidationError, OSError) as exc:
                parsed.errors.append(RowError(file.name, row_number, _message(exc)))
                continue
            if item.id in by_id:
                parsed.duplicates.append(item.id)
            by_id[item.id] = item
    parsed.items = list(by_id.values())
    return parsed


def _rows(file: Path) -> list[tuple[int, dict[str, Any]]]:
    if file.suffix.lower() == ".csv":
        with file.open(newline="", encoding="utf-8-sig") as handle:
            return [(n, dict(row)) for n, row in enumerate(csv.DictReader(handle), start=2)]  # row 1 = header
    data = load_yaml_file(file)
    if isinstance(data, dict):
        data = data.get("evidence", data.get("items"))
    if not isinstance(data, list):
        raise ValueError(f"{file.name}: expected a list of items (or `evidence:` holding one)")
    return [(n, row if isinstance(row, dict) else {"__bad__": row}) for n, row in enumerate(data, start=1)]


def _item(kb: KnowledgeBase, raw: dict[str, Any], base: Path) -> EvidenceItem:
    if "__bad__" in raw:
        raise ValueError("not a mapping of fields")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = ALIASES.get(str(key).strip().lower().replace(" ", "_"))
        if name is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        values[name] = value.strip() if isinstance(value, str) else value
    if "id" not in values:
        raise ValueError("no id")
    values["id"] = str(values["id"])
    controls = values.get("controls", [])
    values["controls"] = [c.strip() for c in _SPLIT.split(controls) if c.strip()] if isinstance(controls, str) \
        else [str(c) for c in controls]
    file = values.pop("file", None)
    if file:
        target = (base / str(file)).resolve()
        values["sha256"] = sha256_of(target)
        values.setdefault("location", str(target))
    item = EvidenceItem.model_validate(values)
    item.mapping = normalize(kb, item.controls)
    if item.controls and not (item.mapping.requirements or item.mapping.iso):
        raise ValueError(f"no control recognised in {', '.join(item.controls)}")
    return item


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "row"
        return f"{where}: {first['msg']}"
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {exc.filename}"
    return str(exc)
