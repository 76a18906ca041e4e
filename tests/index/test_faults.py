"""Concurrency and self-healing of the index, with real processes on temp data folders.

Every command runs the real CLI in its own process (real model, real Chroma, the shipped vector cache,
so no build embeds anything). A built template folder is copied for each test; its ONNX export is
hard-linked (tests that damage the export replace the link, never write through it).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.doubles import copy_data, write_pdf

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
CLI_CODE = "from assistant.cli.app import main; main()"
ID_QUERY, PLAIN_QUERY = "IA.L2-3.5.3", "what stops brute-force logins?"
NOISE = ("Traceback", "TracerWarning", "Loading weights", "UserWarning", "DeprecationWarning")


def _env(data: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "COMPLIANCE_ASSISTANT_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", "PYTHONPATH": path}


def _start(data: Path, *args: str, code: str = CLI_CODE) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env(data))


def _run(data: Path, *args: str, code: str = CLI_CODE) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=_env(data),
                          check=False, timeout=600)


def _finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    out, err = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


SEARCHES = """
import contextlib, io, json, sys
from assistant.cli.app import app
tops, errors = {}, io.StringIO()
for name, args in json.loads(sys.argv[1]).items():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(errors):
        try:
            app([*args, "--k", "3", "--json"], standalone_mode=False)
        except SystemExit:
            pass
    tops[name] = json.loads(out.getvalue() or "[{}]")[0].get("id")
print(json.dumps({"tops": tops, "stderr": errors.getvalue()}))
"""


def _tops(data: Path) -> dict[str, str]:
    """Top hits of an ID query, a plain query (hybrid) and the same query on vectors alone, in one process."""
    searches = {"id": ["search", ID_QUERY], "plain": ["search", PLAIN_QUERY],
                "dense": ["search", PLAIN_QUERY, "--mode", "dense"]}
    result = _run(data, json.dumps(searches), code=SEARCHES)
    assert result.returncode == 0, result.stderr
    assert not any(word in result.stderr for word in NOISE), result.stderr
    found = json.loads(result.stdout)
    assert not any(word in found["stderr"] for word in NOISE), found["stderr"]
    return dict(found["tops"])


@dataclass(frozen=True)
class Template:
    """A built data folder and the top hits a healthy index gives."""

    data: Path
    plain_top: str


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Template:
    """Built by a real `index build` in an empty folder but for the session's model export (linked: exporting on
    first use is `test_index_lifecycle_end_to_end`'s)."""
    data = tmp_path_factory.mktemp("template") / "data"
    copy_data(model_dir, data / "index" / "models")
    built = _run(data, "index", "build", "--json")
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["embedded"] == 0
    tops = _tops(data)
    assert tops["id"] == ID_QUERY and tops["dense"] == "3.1.8"
    return Template(data, tops["plain"])


@pytest.fixture
def data(template: Template, tmp_path: Path) -> Path:
    """A private copy of the template's data folder."""
    return copy_data(template.data, tmp_path / "data")


def _assert_searchable(data: Path, template: Template) -> None:
    assert _tops(data) == {"id": ID_QUERY, "plain": template.plain_top, "dense": "3.1.8"}


def _builds(data: Path) -> list[str]:
    with sqlite3.connect(data / "index" / "chroma" / "chroma.sqlite3") as db:
        return [r[0] for r in db.execute("SELECT name FROM collections WHERE name LIKE 'compliance_assistant_build_%'")]


def _assert_tidy(data: Path) -> None:
    """One build collection, its BM25 folder only, no partial files."""
    builds = _builds(data)
    assert len(builds) == 1, builds
    assert sorted(p.name for p in (data / "index" / "bm25").iterdir()) == builds
    assert not glob.glob(str(data / "index" / "**" / "*.partial"), recursive=True)


def _segment_folder(data: Path) -> Path:
    (build,) = _builds(data)
    with sqlite3.connect(data / "index" / "chroma" / "chroma.sqlite3") as db:
        (segment,) = db.execute("SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
                                "WHERE c.name = ? AND s.scope = 'VECTOR'", (build,)).fetchone()
    return data / "index" / "chroma" / str(segment)


# ---- concurrency --------------------------------------------------------------------------------


def test_two_first_searches_on_a_fresh_folder(tmp_path: Path, template: Template) -> None:
    """As two Slack instances would: one builds (and exports the model), the other waits, then reads."""
    data = tmp_path / "data"
    first, second = _start(data, "search", PLAIN_QUERY, "--json"), _start(data, "search", PLAIN_QUERY, "--json")
    results = [_finish(first), _finish(second)]
    for result in results:
        assert result.returncode == 0, result.stderr
        assert not any(word in result.stderr for word in NOISE), result.stderr
        assert json.loads(result.stdout)[0]["id"] == template.plain_top
    assert sum("another index build is running" in r.stderr for r in results) == 1
    _assert_tidy(data)
    _assert_searchable(data, template)


def test_two_builds_at_once(data: Path, template: Template) -> None:
    first, second = _start(data, "index", "build"), _start(data, "index", "build")
    results = [_finish(first), _finish(second)]
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert all("Index ready: " in r.stdout for r in results)
    _assert_tidy(data)
    _assert_searchable(data, template)
    assert _run(data, "index", "repair", "--json").returncode == 0


def test_build_with_no_wait_while_another_builds(data: Path) -> None:
    hold = ("import fcntl, sys, time\nf = open(sys.argv[1], 'w')\nfcntl.flock(f, fcntl.LOCK_EX)\n"
            "print('locked', flush=True)\ntime.sleep(60)\n")
    holder = _start(data, str(data / "index" / "build.lock"), code=hold)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        busy = _run(data, "index", "build", "--no-wait")
        assert busy.returncode == 3
        assert "another index build is running" in busy.stderr and "Traceback" not in busy.stderr
    finally:
        holder.kill()
        holder.communicate()


# ---- kill -9 in the middle of a build -------------------------------------------------------------

KILL_AFTER_FIRST_BATCH = """
import os, signal
from assistant.index import chroma_store
def add(collection, ids, vectors, documents, metadatas):
    collection.add(ids=list(ids[:500]), embeddings=vectors[:500], documents=list(documents[:500]),
                   metadatas=list(metadatas[:500]))
    os.kill(os.getpid(), signal.SIGKILL)
chroma_store.ChromaStore.add = staticmethod(add)
from assistant.cli.app import main; main()
"""

KILL_BEFORE_SWAP = """
import os, signal
from assistant.index import chroma_store
chroma_store.ChromaStore.set_current = lambda self, name: os.kill(os.getpid(), signal.SIGKILL)
from assistant.cli.app import main; main()
"""

KILL_AFTER_SWAP = """
import os, signal
from assistant.index import chroma_store
chroma_store.ChromaStore.drop_stale = lambda self, keep: os.kill(os.getpid(), signal.SIGKILL)
from assistant.cli.app import main; main()
"""


@pytest.mark.parametrize("code", [KILL_AFTER_FIRST_BATCH, KILL_BEFORE_SWAP, KILL_AFTER_SWAP],
                         ids=["mid-write", "before-swap", "after-swap"])
def test_kill_9_during_a_build_then_build_again(data: Path, template: Template, code: str) -> None:
    killed = _run(data, "index", "build", code=code)
    assert killed.returncode == -signal.SIGKILL
    assert len(_builds(data)) == 2  # the left-over of the killed build is still there
    _assert_searchable(data, template)  # the previous (or the swapped-in) build answers meanwhile
    again = _run(data, "index", "build")
    assert again.returncode == 0, again.stderr
    assert "waiting" not in again.stderr  # the kernel released the dead build's lock
    _assert_tidy(data)
    _assert_searchable(data, template)


def test_kill_9_of_a_running_build_process(data: Path, template: Template) -> None:
    """A real ``index build`` killed once it has started writing (whatever it was doing then)."""
    process = _start(data, "index", "build")
    before = set(_builds(data))
    deadline = time.monotonic() + 60
    while set(_builds(data)) == before and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    again = _run(data, "index", "build")
    assert again.returncode == 0, again.stderr
    _assert_tidy(data)
    _assert_searchable(data, template)


# ---- damage ---------------------------------------------------------------------------------------


def _garbage_in_sqlite(data: Path) -> None:
    with (data / "index" / "chroma" / "chroma.sqlite3").open("r+b") as handle:
        handle.write(b"garbage!" * 512)


def _garbage_in_a_sqlite_page(data: Path) -> None:
    with (data / "index" / "chroma" / "chroma.sqlite3").open("r+b") as handle:
        handle.seek(3 * 4096)
        handle.write(b"garbage!" * 1024)


def _delete_hnsw_folder(data: Path) -> None:
    shutil.rmtree(_segment_folder(data))


def _truncate_hnsw_file(data: Path) -> None:
    target = _segment_folder(data) / "data_level0.bin"
    os.truncate(target, target.stat().st_size // 2)


def _truncate_onnx(data: Path) -> None:
    (target,) = (data / "index" / "models").glob("*.onnx")
    content = target.read_bytes()
    target.unlink()  # the template's export is a hard link: write a new file, never through the link
    target.write_bytes(content[: len(content) // 2])


def _delete_bm25_file(data: Path) -> None:
    (target,) = (data / "index" / "bm25").glob("*/params.index.json")
    target.unlink()


def _dangling_pointer(data: Path) -> None:
    with sqlite3.connect(data / "index" / "chroma" / "chroma.sqlite3") as db:
        db.execute("UPDATE collection_metadata SET str_value = 'compliance_assistant_build_gone' "
                   "WHERE key = 'current'")


@dataclass(frozen=True)
class Damage:
    name: str
    apply: Callable[[Path], None]
    part: str
    search_mends: bool  # True: a search repairs it on its own; False: search exits 2 naming it


DAMAGES = [
    Damage("garbage-sqlite-header", _garbage_in_sqlite, "chroma database", False),
    Damage("garbage-sqlite-page", _garbage_in_a_sqlite_page, "chroma database", False),
    Damage("deleted-hnsw-folder", _delete_hnsw_folder, "vector index (HNSW)", True),
    Damage("truncated-hnsw-file", _truncate_hnsw_file, "vector index (HNSW)", True),
    Damage("truncated-onnx", _truncate_onnx, "embedding model (ONNX)", True),
    Damage("deleted-bm25-file", _delete_bm25_file, "keyword index (BM25)", True),
    Damage("dangling-pointer", _dangling_pointer, "index pointer", True),
]


@pytest.mark.parametrize("damage", DAMAGES, ids=[d.name for d in DAMAGES])
def test_index_repair_restores_a_damaged_index(data: Path, template: Template, damage: Damage) -> None:
    damage.apply(data)
    status = _run(data, "index", "status", "--json")
    assert status.returncode == 0, status.stderr
    assert any(p.startswith(damage.part) for p in json.loads(status.stdout)["problems"])
    repaired = _run(data, "index", "repair", "--json")
    assert repaired.returncode == 0, repaired.stderr
    report = json.loads(repaired.stdout)
    assert damage.part in {p["part"] for p in report["found"]} and report["actions"]
    assert report["healthy"] and not report["remaining"]
    _assert_tidy(data)
    _assert_searchable(data, template)


@pytest.mark.parametrize("damage", DAMAGES, ids=[d.name for d in DAMAGES])
def test_search_on_a_damaged_index(data: Path, template: Template, damage: Damage) -> None:
    """Either the search mends the index itself (saying so), or it names the damage and exits 2."""
    damage.apply(data)
    result = _run(data, "search", ID_QUERY, "--k", "1", "--json")
    assert "Traceback" not in result.stderr
    assert damage.part in result.stderr
    if damage.search_mends:
        assert result.returncode == 0, result.stderr
        assert "repairing it" in result.stderr
        assert json.loads(result.stdout)[0]["id"] == ID_QUERY
        _assert_searchable(data, template)
    else:
        assert result.returncode == 2
        assert "compliance-assistant index repair" in result.stderr
        rebuilt = _run(data, "index", "build")  # `index build` mends it too
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert "repaired:" in rebuilt.stdout
        _assert_searchable(data, template)


def test_your_documents_survive_a_garbage_database(data: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ac-policy.md").write_text("# Access Control Policy\n## 4.2 Lockout\nLock after five bad logons.\n")
    write_pdf(docs / "backup.pdf", ["Backups are encrypted and tested monthly."])
    assert _run(data, "index", "add-docs", str(docs)).returncode == 0
    _garbage_in_sqlite(data)
    repaired = _run(data, "index", "repair", "--json")
    assert repaired.returncode == 0, repaired.stderr
    assert json.loads(repaired.stdout)["build"]["embedded"] == 0  # their vectors came from the user's cache
    found = _run(data, "search", "lockout after bad logons", "-f", "company", "--json")
    assert json.loads(found.stdout)[0]["title"] == "Access Control Policy §4.2 Lockout"
    status = json.loads(_run(data, "index", "status", "--json").stdout)
    assert status["problems"] == [] and status["documents"] > 1000


def test_repair_of_a_healthy_index_changes_nothing(data: Path, template: Template) -> None:
    before = _builds(data)
    result = _run(data, "index", "repair")
    assert result.returncode == 0, result.stderr
    assert "nothing to repair" in result.stdout and "The index is healthy." in result.stdout
    assert _builds(data) == before
    _assert_searchable(data, template)
