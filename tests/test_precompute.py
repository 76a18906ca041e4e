"""``python -m assistant.precompute`` reuses the vectors a cache already holds for the same model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.index.vectors import VectorCache
from assistant.precompute import reusable


def test_only_vectors_of_the_same_model_and_of_wanted_texts_are_reused(tmp_path: Path) -> None:
    cache = VectorCache(tmp_path / "vectors", "model@1")
    cache.put("kept", np.ones(4, dtype=np.float32))
    cache.put("dropped", np.zeros(4, dtype=np.float32))
    cache.save()
    reused = reusable(VectorCache(tmp_path / "vectors", "model@1"), ["kept", "new"])
    assert list(reused) == ["kept"] and np.allclose(reused["kept"], 1.0)
    assert reusable(VectorCache(tmp_path / "vectors", "model@2"), ["kept"]) == {}
    assert reusable(VectorCache(tmp_path / "absent", "model@1"), ["kept"]) == {}
