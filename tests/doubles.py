"""First-class test doubles, shared through fixtures: a deterministic embedder and a tiny knowledge base.

``HashingEmbedder`` maps each word to a fixed dimension (by hash), so texts sharing words are similar:
close enough to a real model for ranking tests, instant, and identical on every machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.index.embedding import DIMENSIONS

TINY_171 = ["3.1.1", "3.1.2", "3.1.8", "3.5.3", "3.13.11", "3.3.1"]
TINY_ISO = ["A.5.15", "A.8.5", "A.8.15", "A.8.24", "A.5"]
TINY_53 = ["AC-2", "IA-2"]  # catalog-only: resolvable, not indexed


class HashingEmbedder:
    """Deterministic bag-of-words embedder that counts its calls."""

    model_id = "hashing-test-embedder@1"

    def __init__(self, fail_after: int | None = None):
        self.calls: list[list[str]] = []
        self.fail_after = fail_after

    @property
    def embedded(self) -> int:
        """How many texts were embedded so far."""
        return sum(len(batch) for batch in self.calls)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One normalised vector per text; raises once ``fail_after`` texts were embedded."""
        if self.fail_after is not None and self.embedded + len(texts) > self.fail_after:
            raise RuntimeError("embedder failed on purpose (simulated crash mid-build)")
        self.calls.append(list(texts))
        matrix = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                matrix[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % DIMENSIONS] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.maximum(norms, 1e-9)


def copy_data(source: Path, target: Path) -> Path:
    """A private copy of a data folder (or any folder); ONNX exports are hard-linked, not copied (a test that
    damages an export replaces the link, never writes through it)."""

    def copy(src: str, dst: str) -> None:
        if src.endswith(".onnx"):
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=copy)
    return target


def tiny_knowledge(source: Path, target: Path, edit: dict[str, str] | None = None) -> Path:
    """Copy the knowledge folder keeping a handful of controls, their objectives, practices and edges.
    ``edit`` maps a requirement ID to replacement text (to simulate a knowledge update)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("authored", "vectors"))
    keep = set(TINY_171) | set(TINY_ISO) | set(TINY_53) | {f"AC.L2-{i}" for i in TINY_171} | {
        f"{fam}.L2-{i}" for fam in ("IA", "SC", "AU") for i in TINY_171}
    for path in (target / "controls").glob("*.json"):
        items = json.loads(path.read_text(encoding="utf-8"))
        items = [c for c in items if c["id"] in keep or c.get("parent") in keep]
        for item in items:
            if edit and item["id"] in edit:
                item["text"] = edit[item["id"]]
        path.write_text(json.dumps(items), encoding="utf-8")
    ids = {c["id"] for p in (target / "controls").glob("*.json") for c in json.loads(p.read_text(encoding="utf-8"))}
    for path in (target / "crosswalks").glob("*.json"):
        edges = [e for e in json.loads(path.read_text(encoding="utf-8")) if e["source"] in ids and e["target"] in ids]
        path.write_text(json.dumps(edges), encoding="utf-8")
    for path in (target / "passages").glob("*.json"):
        passages = json.loads(path.read_text(encoding="utf-8"))[:3]
        path.write_text(json.dumps(passages), encoding="utf-8")
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    manifest["content_hash"] = hashlib.sha256(json.dumps(edit or {}).encode()).hexdigest()[:16]
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target


def write_pdf(path: Path, lines: list[str]) -> Path:
    """Write a minimal valid one-page PDF whose text layer holds ``lines`` (no PDF library needed)."""
    text_ops = " ".join(f"({line}) Tj 0 -16 Td" for line in lines)
    return write_pdf_stream(path, f"BT /F1 12 Tf 72 720 Td {text_ops} ET".encode("latin-1"))


def write_pdf_stream(path: Path, stream: bytes, font_extra: bytes = b"") -> Path:
    """Write a one-page PDF around a content stream (Helvetica as /F1, ``font_extra`` added to its dictionary)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica" + font_extra + b" >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def scripted_chat_model(messages: list[object], fail: Exception | None = None, delay_s: float = 0.0) -> object:
    """LangChain's ``GenericFakeChatModel`` with a ``bind_tools`` that returns itself, so ``create_agent``
    can drive it; ``fail`` makes every call raise, ``delay_s`` makes every call slow."""
    import time as _time
    from typing import Any

    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    class ScriptedChatModel(GenericFakeChatModel):
        def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
            return self

        def _generate(self, *args: Any, **kwargs: Any) -> Any:
            if fail is not None:
                raise fail
            if delay_s:
                _time.sleep(delay_s)
            return super()._generate(*args, **kwargs)

    return ScriptedChatModel(messages=iter(messages))
