"""Server mode: the same build and search against a real Chroma server on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.knowledge import KnowledgeBase
from assistant.retrieval import HybridRetriever, SearchFilters
from tests.conftest import MakeManager
from tests.slack_doubles import free_port


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                                "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start within 30 s")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_build_and_search_through_a_chroma_server(tiny_kb: KnowledgeBase, make_manager: MakeManager,
                                                  chroma_server: int, tmp_path: Path) -> None:
    manager, _ = make_manager(tiny_kb, host="127.0.0.1", port=chroma_server)
    report = manager.build()
    assert manager.store.location.describe() == f"chroma server 127.0.0.1:{chroma_server}"
    # a second machine: same server, empty local folder (no BM25 files yet)
    other, _ = make_manager(tiny_kb, root=tmp_path / "other-machine", host="127.0.0.1", port=chroma_server)
    reader = other.open()
    assert reader.info["collection"] == report.collection
    # the requirements only: the tiny knowledge base also holds a program fact about MFA partial credit
    hits = HybridRetriever(tiny_kb, reader, other.embedder).search(
        "multifactor authentication", 3, SearchFilters(framework="nist-800-171r2"), collapse=True)
    assert hits[0].anchor == "3.5.3"
