"""A damaged knowledge folder fails the load naming the file, the entry and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.knowledge import KnowledgeBase, KnowledgeFileError
from assistant.knowledge.loader import load_knowledge


def _edit_json(path: Path, change: object) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(json.dumps(data), encoding="utf-8")


def test_copy_loads_like_the_original(knowledge_copy: Path, kb: KnowledgeBase) -> None:
    assert len(load_knowledge(knowledge_copy).controls) == len(kb.data.controls)


def test_invalid_json_names_file_and_line(knowledge_copy: Path) -> None:
    target = knowledge_copy / "controls" / "nist-800-171r2.json"
    target.write_text('[{"id": "3.1.1",', encoding="utf-8")
    with pytest.raises(KnowledgeFileError, match=r"nist-800-171r2\.json: is not valid JSON \(line 1"):
        load_knowledge(knowledge_copy)


def test_missing_field_names_entry_and_field(knowledge_copy: Path) -> None:
    target = knowledge_copy / "controls" / "iso27001-2022.json"
    _edit_json(target, lambda d: d[50].pop("title"))
    with pytest.raises(KnowledgeFileError) as info:
        load_knowledge(knowledge_copy)
    assert info.value.file.endswith("iso27001-2022.json")
    assert info.value.entry is not None and info.value.entry.startswith("50 (")
    assert info.value.field == "title"


def test_wrong_type_names_field(knowledge_copy: Path) -> None:
    _edit_json(knowledge_copy / "rules" / "sprs.json", lambda d: d["values"][3].update(points="five"))
    with pytest.raises(KnowledgeFileError, match=r"sprs\.json, field 'values\.3\.points'"):
        load_knowledge(knowledge_copy)


def test_unknown_relationship_is_rejected(knowledge_copy: Path) -> None:
    _edit_json(knowledge_copy / "crosswalks" / "cmmc_l2_to_800-171r2.json", lambda d: d[0].update(relationship="same"))
    with pytest.raises(KnowledgeFileError, match="field 'relationship'"):
        load_knowledge(knowledge_copy)


def test_missing_file_says_how_to_rebuild(knowledge_copy: Path) -> None:
    (knowledge_copy / "rules" / "poam.json").unlink()
    with pytest.raises(KnowledgeFileError, match=r"poam\.json: file is missing \(rebuild with"):
        load_knowledge(knowledge_copy)


def test_duplicate_id_is_refused(knowledge_copy: Path) -> None:
    _edit_json(knowledge_copy / "controls" / "far-52.204-21.json", lambda d: d.append(d[0]))
    with pytest.raises(ValueError, match=r"duplicate ID b\.1\.i in far-52\.204-21"):
        KnowledgeBase(load_knowledge(knowledge_copy))
